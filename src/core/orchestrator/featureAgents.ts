/**
 * The agents of one repository's features: starting one (settings merged, the spec in force as
 * prompt, pending messages carried over, the plan's policy as its host, the repository's watches
 * armed first), and the commands on a live one. Sessions live in the AgentManager (shared by repositories), keyed by repository + id.
 */
import { pendingFromEvents, type AgentHost, type AgentManager, type AgentSession, type MessageRecord, type PermissionQuery, type ProviderConfigInput } from '../agents';
import { isLive } from '../agents/states';
import type { FeatureState } from '../features/featureState';
import { AopError } from '../util/errors';
import { assertFeatureId } from '../util/ids';
import { featureKey } from '../../shared/featureKey';
import { planGuards } from './planGuards';
import type { OrchestratorEvents } from './events';
import type { FeatureLifecycle } from './featureLifecycle';
import type { FeatureRuntime } from './featureRuntime';
import type { OrchestratorSettings } from './types';

/** A message to an agent, at most (a prompt turn, not a file transfer). */
const MAX_MESSAGE_BYTES = 64 * 1024;

export interface FeatureAgentsOptions {
  repoRoot: string;
  agents: AgentManager;
  features: FeatureLifecycle;
  events: OrchestratorEvents;
  settings: () => OrchestratorSettings;
  /** Agents never start in an untrusted workspace. */
  isTrusted?: () => boolean;
  askHuman?: (query: PermissionQuery, signal: AbortSignal) => Promise<'allow' | 'deny'>;
  /** The common git folder (git works inside the sandbox on the feature's branch). */
  gitDir(): string;
  /** An agent is about to start, or changed state: the repository's watches follow (awaited before a start). */
  stateChanged(): Promise<void>;
}

export class FeatureAgents {
  /** Features whose agent is being started: watched as if live, so no early write goes unseen. */
  private readonly launching = new Set<string>();

  constructor(private readonly o: FeatureAgentsOptions) {}

  private key(id: string): string {
    return featureKey(this.o.repoRoot, id);
  }

  session(id: string): AgentSession | undefined {
    return this.o.agents.get(this.key(id));
  }

  queuePosition(id: string): number | undefined {
    return this.o.agents.queuePosition(this.key(id));
  }

  /** Features whose agent is live, or being started (it may write before its first state change). */
  live(): string[] {
    return this.o.features
      .active()
      .map((rt) => rt.id)
      .filter((id) => {
        if (this.launching.has(id)) return true;
        const s = this.session(id);
        return s !== undefined && isLive(s.state);
      });
  }

  /** The repository's watches stay on while an agent is live, being started or waiting for a slot. */
  watchNeeded(): boolean {
    return this.live().length > 0 || this.o.features.active().some((rt) => this.session(rt.id)?.state === 'queued');
  }

  /** The feature's host: its event log, and the plan deciding writes and permissions before they happen (./planGuards). */
  private hostFor(rt: FeatureRuntime): AgentHost {
    return {
      log: (e) => void rt.log.append(e),
      ...planGuards(rt.validator),
      askHuman: this.o.askHuman,
    };
  }

  /** Starts (or queues) the feature's agent with its spec as the prompt. */
  async start(id: string, provider?: ProviderConfigInput): Promise<AgentSession> {
    if (this.o.isTrusted && !this.o.isTrusted()) {
      throw new AopError('UNTRUSTED', 'Agents do not start in an untrusted workspace. Trust the workspace first (Manage Workspace Trust).');
    }
    const rt = this.o.features.feature(id);
    if (rt.breaker.state.open) throw new AopError('BUSY', `Feature "${id}" needs attention: its circuit breaker is open. Review the errors, then reset it.`);
    if (provider) rt.state.provider = provider as FeatureState['provider'];
    const chosen = rt.state.provider ?? ({ provider: 'scripted' } as FeatureState['provider']);
    const config: ProviderConfigInput = { ...(this.o.settings().providers[chosen!.provider] ?? {}), ...chosen! } as ProviderConfigInput;
    if (config.provider === 'scripted' && !config.script) config.script = rt.paths.agentScript;
    if (rt.state.sandbox === 'off') config.sandbox = false;
    // The spec in force, not whatever is on disk now (an agent may have rewritten it).
    const prompt = rt.confirmed.text('spec') ?? '';
    const pending = pendingFromEvents((await rt.log.read()).events);
    // Watch first: the git folder's fingerprint and the checkout watch must be in place before
    // the agent's first write, so nothing it does early becomes the baseline.
    this.launching.add(rt.id);
    let session: AgentSession;
    try {
      await this.o.stateChanged();
      session = this.o.agents.start(rt.id, rt.worktree, config, prompt, {
        host: this.hostFor(rt),
        pendingMessages: pending,
        key: this.key(rt.id),
        repository: { gitDir: this.o.gitDir(), branch: rt.state.branch },
      });
    } catch (e) {
      this.launching.delete(rt.id);
      await this.o.stateChanged();
      throw e;
    }
    this.launching.delete(rt.id);
    session.onState((change) => {
      rt.state.agentState = change.to;
      void rt.saveState().catch(() => undefined);
      if (change.to === 'running' && change.from === 'paused') void rt.reconcile('resume');
      this.o.events.fire({ kind: 'agent', featureId: rt.id, state: change.to, change });
      void this.o.stateChanged().catch(() => undefined);
    });
    session.onTurnEnd(() => void rt.flush().then(() => rt.checkpointGuarded({ trigger: 'turn-end' })));
    session.onMessage((message) => this.o.events.fire({ kind: 'messages', featureId: rt.id, message }));
    await rt.saveState();
    this.o.events.fire({ kind: 'agent', featureId: rt.id, state: session.state });
    return session;
  }

  /** The sandbox for this feature's next start: 'auto' (on where it works) or off by the user's choice. */
  async setSandbox(id: string, on: boolean): Promise<void> {
    const rt = this.o.features.feature(id);
    rt.state.sandbox = on ? 'auto' : 'off';
    await rt.saveState();
    await rt.log.append({ t: 'warning', message: on ? 'The sandbox was turned back on for this feature (from the next start).' : 'The sandbox was turned off for this feature by the user (from the next start).' });
    this.o.events.fire({ kind: 'feature', featureId: rt.id });
  }

  pause(id: string): void {
    this.liveSession(id).pause('paused by user');
  }

  resume(id: string): void {
    const rt = this.o.features.feature(id);
    if (rt.breaker.state.open) throw new AopError('BUSY', `Feature "${id}" has an open circuit breaker; reset it before resuming.`);
    this.liveSession(id).resume('resumed by user');
  }

  async stop(id: string, reason = 'stopped by user'): Promise<void> {
    await this.o.agents.stop(this.key(assertFeatureId(id)), reason);
  }

  send(id: string, text: string): MessageRecord {
    if (typeof text !== 'string' || text.trim() === '') throw new AopError('INVALID_INPUT', 'The message is empty.');
    if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) throw new AopError('TOO_LARGE', 'The message is over 64 KiB; shorten it or put the details in a file in the worktree.');
    return this.liveSession(id).send(text, 'user');
  }

  messages(id: string): MessageRecord[] {
    return this.session(assertFeatureId(id))?.allMessages() ?? [];
  }

  private liveSession(id: string): AgentSession {
    const s = this.session(assertFeatureId(id));
    if (!s || !isLive(s.state)) throw new AopError('NOT_FOUND', `Feature "${id}" has no running agent. Start it first.`);
    return s;
  }
}
