/**
 * All agent sessions of a workspace: at most one live session per feature, at most N running at
 * once (the rest wait in FIFO order), each wired to its feature's host. Sessions are keyed by
 * `featureKey(repoRoot, featureId)` when several repositories share the manager (two of them may
 * have a feature of the same id), else by the feature id.
 */
import type { EventInput } from '../events/schema';
import { Emitter } from '../util/emitter';
import { AopError } from '../util/errors';
import { parseProviderConfig } from './config';
import type { ProviderConfigInput } from './config';
import type { PendingMessage } from './messages';
import type { OutputLimits } from './output';
import type { ProviderDefinition } from './providers';
import type { SandboxCapability } from './sandbox';
import { DEFAULT_MAX_RUNNING, Scheduler } from './scheduler';
import { AgentSession } from './session';
import type { ResumeRequest } from './sessionOptions';
import { isTerminal } from './states';
import type { StateChange } from './states';
import type { AgentHost } from './types';

export interface AgentManagerOptions {
  /** The host of a feature: its event log, write guard, permission policy, human prompt (else each start passes one). */
  hostFor?(featureId: string): AgentHost;
  maxRunning?: number;
  parentEnv?: NodeJS.ProcessEnv;
  outputLimits?: Partial<OutputLimits>;
  providers?: Readonly<Record<string, ProviderDefinition>>;
  detectSandbox?: () => SandboxCapability;
  clientVersion?: string;
}

export interface StartOptions {
  /** Messages left pending by an earlier session (see pendingFromEvents). */
  pendingMessages?: readonly PendingMessage[];
  /** Overrides the manager's host for this session. */
  host?: AgentHost;
  /** Take up this earlier conversation of the agent (its own id), opening with `prompt`. */
  resume?: ResumeRequest;
  /** The feature's repository and branch (git inside the sandbox). */
  repository?: { gitDir: string; branch: string };
  /** The session's key in this manager (default: the feature id). */
  key?: string;
}

export class AgentManager {
  private readonly sessions = new Map<string, AgentSession>();
  private readonly hosts = new Map<string, AgentHost>();
  private readonly scheduler: Scheduler;
  private readonly stateEmitter = new Emitter<{ featureId: string; key: string; change: StateChange }>();
  /** Every state change of every session. */
  readonly onSessionState = this.stateEmitter.event;
  /** The queue moved: running set or positions changed. */
  readonly onQueueChanged: Scheduler['onChange'];
  private disposed = false;

  constructor(private readonly opts: AgentManagerOptions) {
    this.scheduler = new Scheduler(opts.maxRunning ?? DEFAULT_MAX_RUNNING);
    this.onQueueChanged = this.scheduler.onChange;
    this.scheduler.onChange(() => this.reportPositions());
  }

  get maxRunning(): number {
    return this.scheduler.maxRunning;
  }

  setMaxRunning(n: number): void {
    this.scheduler.setMaxRunning(n);
  }

  /**
   * Starts an agent on a feature: checks the settings and the executable now (throwing
   * INVALID_INPUT or AGENT_NOT_FOUND), then queues it; it runs as soon as a slot is free.
   */
  start(featureId: string, worktree: string, config: ProviderConfigInput, prompt: string, options: StartOptions = {}): AgentSession {
    if (this.disposed) throw new AopError('DISPOSED', 'The agent manager has been shut down.');
    const key = options.key ?? featureId;
    const existing = this.sessions.get(key);
    if (existing && !isTerminal(existing.state)) {
      throw new AopError('BUSY', `Feature ${featureId} already has an agent (${existing.state}); stop it first.`);
    }
    const host = options.host ?? this.opts.hostFor?.(featureId);
    if (!host) throw new AopError('AGENT_FAILED', `No host for feature "${featureId}": agents start through their repository's orchestrator.`);
    const session = new AgentSession({
      featureId,
      worktree,
      config: parseProviderConfig(config),
      prompt,
      host,
      parentEnv: this.opts.parentEnv,
      pendingMessages: options.pendingMessages,
      outputLimits: this.opts.outputLimits,
      providers: this.opts.providers,
      detectSandbox: this.opts.detectSandbox,
      clientVersion: this.opts.clientVersion,
      ...(options.resume ? { resume: options.resume } : {}),
      repository: options.repository,
    });
    session.preflight();
    this.sessions.set(key, session);
    this.hosts.set(key, host);
    session.queuePosition = () => this.scheduler.position(key);
    session.onState((change) => {
      this.stateEmitter.fire({ featureId, key, change });
      if (isTerminal(change.to)) {
        // Ended while still waiting (stopped directly on the session): it must never start.
        this.scheduler.remove(key);
        this.scheduler.release(key);
      }
    });
    this.scheduler.enqueue(key, () => void session.launch());
    return session;
  }

  get(key: string): AgentSession | undefined {
    return this.sessions.get(key);
  }

  list(): AgentSession[] {
    return [...this.sessions.values()];
  }

  /** 1-based place in the start queue, or undefined when not waiting. */
  queuePosition(key: string): number | undefined {
    return this.scheduler.position(key);
  }

  /** Stops a feature's agent; a queued one simply leaves the queue. */
  async stop(key: string, reason = 'stopped by user'): Promise<void> {
    const s = this.sessions.get(key);
    if (!s) return;
    this.scheduler.remove(key);
    await s.stop(reason);
  }

  async stopAll(reason = 'the orchestrator is shutting down'): Promise<void> {
    // Queued ones first, so a freed slot does not start another agent.
    for (const [key, s] of this.sessions) if (s.state === 'queued') this.scheduler.remove(key);
    await Promise.all([...this.sessions.values()].map((s) => s.stop(reason)));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.stopAll();
    this.stateEmitter.dispose();
  }

  private readonly lastPosition = new Map<string, number>();

  private reportPositions(): void {
    for (const [key, s] of this.sessions) {
      if (s.state !== 'queued') {
        this.lastPosition.delete(key);
        continue;
      }
      const pos = this.scheduler.position(key);
      if (pos !== undefined && pos !== this.lastPosition.get(key)) {
        this.lastPosition.set(key, pos);
        const e: EventInput = { t: 'agent.update', kind: 'queue', data: { position: pos, running: this.scheduler.runningKeys().length, max: this.scheduler.maxRunning } };
        this.hosts.get(key)?.log(e);
      }
    }
  }
}
