/**
 * The agents of one repository's features: starting one (settings merged, the spec in force as
 * prompt, pending messages carried over, the plan's policy as its host, the repository's watches
 * armed first), and the commands on a live one. Sessions live in the AgentManager (shared by repositories), keyed by repository + id.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { pendingFromEvents, type AgentHost, type AgentManager, type AgentSession, type MessageRecord, type PermissionQuery, type ProviderConfigInput } from '../agents';
import { runWorktreeSetup, setupDone, setupFailed, type Supervision } from '../supervision';
import { isLive } from '../agents/states';
import type { FeatureState } from '../features/featureState';
import { AopError } from '../util/errors';
import { assertFeatureId } from '../util/ids';
import { featureKey } from '../../shared/featureKey';
import { rememberConversation, resumeRequest } from './agentResume';
import { askRule, planGuards } from './planGuards';
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
  /** Holds what the plan leaves to the person ("Needs you"); `askHuman` races it when given. */
  supervision: Supervision;
}

/** What pause, resume or stop all did: the features acted on, and those left as they were with why. */
export interface BulkAgentResult {
  done: string[];
  skipped: { featureId: string; reason: string }[];
}

export interface StartAgentOptions {
  /** The set-up command's last line of output, as it runs (first start of a worktree). */
  onSetupProgress?(line: string): void;
  signal?: AbortSignal;
  /** Take up the agent's last conversation (default: when a restart interrupted it). */
  resume?: boolean;
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
      askHuman: (q, signal) => this.o.supervision.askHuman({ ...q, rule: askRule(q) }, signal, this.o.askHuman),
    };
  }

  /**
   * The repository's set-up command, run in the worktree before its agent first starts (and
   * again when the command changes or last failed); a failure blocks the start.
   */
  private async setUp(rt: FeatureRuntime, o: StartAgentOptions): Promise<void> {
    const command = this.o.settings().setupCommand.trim();
    if (command === '' || setupDone((await rt.log.read()).events, command)) return;
    const outputFile = path.join(rt.paths.runtime, 'setup.log');
    const r = await runWorktreeSetup(
      {
        worktree: rt.worktree,
        outputFile,
        log: async (e) => void (await rt.log.append(e)),
        stopWatching: () => rt.stopWatching(),
        checkpoint: async () => (await rt.checkpoints.request({ full: true, trigger: 'setup', force: false }))?.seq ?? rt.checkpoints.head.seq,
        startWatching: () => rt.startWatching(),
      },
      { command, timeoutMs: this.o.settings().setupTimeoutMs, featureId: rt.id, onProgress: o.onSetupProgress, signal: o.signal },
    );
    if (!r.passed) throw setupFailed(command, r, outputFile);
  }

  /**
   * Starts (or queues) the feature's agent with its spec as the prompt; after a restart that
   * interrupted it (or with `resume`), it takes up its conversation where the agent can (./agentResume).
   */
  async start(id: string, provider?: ProviderConfigInput, o: StartAgentOptions = {}): Promise<AgentSession> {
    if (this.o.isTrusted && !this.o.isTrusted()) {
      throw new AopError('UNTRUSTED', 'Agents do not start in an untrusted workspace. Trust the workspace first (Manage Workspace Trust).');
    }
    const rt = this.o.features.feature(id);
    if (rt.breaker.state.open) throw new AopError('BUSY', `Feature "${id}" needs attention: its circuit breaker is open. Review the errors, then reset it.`);
    // The plan in force (the one the user saved or confirmed) is broken: no agent runs without rules.
    if (rt.planError) {
      throw new AopError('PLAN_INVALID', `Feature "${id}" was not started: its plan.yaml has problems (${rt.planError.split('\n')[0]}). Fix them, then start it again.`, {
        details: { file: rt.paths.plan },
      });
    }
    const running = this.session(rt.id);
    if (running && isLive(running.state)) throw new AopError('BUSY', `Feature ${rt.id} already has an agent (${running.state}); stop it first.`);
    await this.setUp(rt, o);
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
        resume: resumeRequest(rt.state, config, o.resume),
      });
    } catch (e) {
      this.launching.delete(rt.id);
      await this.o.stateChanged();
      throw e;
    }
    this.launching.delete(rt.id);
    rememberConversation(rt.state, session, () => rt.saveState());
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

  /**
   * A message for the agent whether or not it runs: to the live session, else recorded as
   * queued in the feature's log, where its next session picks it up (pendingFromEvents).
   */
  async sendOrQueue(id: string, text: string): Promise<{ id: string; state: MessageRecord['state'] }> {
    const s = this.session(assertFeatureId(id));
    if (s && isLive(s.state)) return this.send(id, text);
    if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) throw new AopError('TOO_LARGE', 'The message is over 64 KiB; shorten it or put the details in a file in the worktree.');
    const messageId = `m-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    await this.o.features.feature(id).log.append({ t: 'message', id: messageId, state: 'queued', from: 'user', text, reason: 'the agent is not running: delivered when it next starts' });
    return { id: messageId, state: 'queued' };
  }

  /** Whether the agent may go on: nothing else holds it (breaker, a critical violation). */
  private holdOn(rt: FeatureRuntime): string | undefined {
    if (rt.breaker.state.open) return 'its checkpoints keep failing (circuit breaker open)';
    const critical = rt.violations.all.filter((v) => v.severity === 'critical');
    if (critical.length > 0) return `a critical violation stands (${critical[0]!.kind} ${critical[0]!.path})`;
    return undefined;
  }

  /** Pauses the running agent (a starting one as soon as it runs); false when there is none or it cannot pause. */
  pauseIfRunning(id: string, reason: string): boolean {
    const s = this.session(id);
    if (!s || (s.state !== 'running' && s.state !== 'starting')) return s?.state === 'paused';
    try {
      s.pause(reason);
      return true;
    } catch {
      return false;
    }
  }

  /** Resumes a paused agent unless something else still holds it. */
  resumeIfFree(id: string, reason: string): boolean {
    const s = this.session(id);
    const rt = this.o.features.get(id);
    if (!s || !rt || s.state !== 'paused' || this.holdOn(rt) !== undefined) return false;
    s.resume(reason);
    return true;
  }

  /** Pauses every running agent of this repository (its whole process group). */
  pauseAll(): BulkAgentResult {
    const out: BulkAgentResult = { done: [], skipped: [] };
    for (const rt of this.o.features.active()) {
      const s = this.session(rt.id);
      if (!s || !isLive(s.state) || s.state === 'paused') continue;
      if (s.state === 'stopping') {
        out.skipped.push({ featureId: rt.id, reason: 'it is stopping' });
        continue;
      }
      try {
        s.pause('paused by user: pause all');
        out.done.push(rt.id);
      } catch (e) {
        out.skipped.push({ featureId: rt.id, reason: e instanceof Error ? e.message : String(e) });
      }
    }
    return out;
  }

  /** Resumes every paused agent of this repository, except those something else holds. */
  resumeAll(): BulkAgentResult {
    const out: BulkAgentResult = { done: [], skipped: [] };
    for (const rt of this.o.features.active()) {
      const s = this.session(rt.id);
      if (!s || s.state !== 'paused') continue;
      const held = this.holdOn(rt) ?? (this.o.supervision.budgetAsks(rt.id).length ? 'a budget was reached and waits for your answer' : undefined);
      if (held) {
        out.skipped.push({ featureId: rt.id, reason: held });
        continue;
      }
      s.resume('resumed by user: resume all');
      out.done.push(rt.id);
    }
    return out;
  }

  /** Stops every agent of this repository, waiting ones included. */
  async stopAll(): Promise<BulkAgentResult> {
    const ids = this.o.features
      .active()
      .map((rt) => rt.id)
      .filter((id) => {
        const s = this.session(id);
        return s !== undefined && (isLive(s.state) || s.state === 'queued');
      });
    await Promise.all(ids.map((id) => this.stop(id, 'stopped by user: stop all')));
    return { done: ids, skipped: [] };
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
