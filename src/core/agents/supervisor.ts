/**
 * One agent process: started as the leader of a new process group in its worktree, held with
 * the lifecycle state machine, stopped with SIGTERM-then-SIGKILL to the whole group, paused
 * with SIGSTOP to the whole group. Output is read continuously into bounded line buffers so a
 * flooding agent is never blocked and never grows our memory.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { EventInput } from '../events/schema';
import { deferred } from '../util/async';
import { Emitter } from '../util/emitter';
import { AopError, errorMessage } from '../util/errors';
import { DEFAULT_OUTPUT_LIMITS, LineSplitter, OutputRing, OutputSampler } from './output';
import type { OutputLimits, OutputLine } from './output';
import { groupSignalsSupported, signalGroup } from './processGroup';
import { cmdShimArgs } from './resolveCommand';
import { canTransition, isTerminal } from './states';
import type { AgentState, StateChange } from './states';

export interface LaunchSpec {
  /** Resolved executable. */
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** A Windows .cmd/.bat shim: started through cmd.exe with escaped arguments. */
  shim?: boolean;
  /** When false, stdout is left to the caller (an ACP connection) and only stderr is read as lines. */
  captureStdout: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The state the process ended in: exited (completed or stopped on request) or failed. */
  state: AgentState;
  reason: string;
}

export interface SupervisorOptions {
  log(e: EventInput): void;
  limits?: Partial<OutputLimits>;
  /** How long SIGTERM gets before SIGKILL. */
  stopTimeoutMs?: number;
  /**
   * Looks at each captured line first: undefined shows it as is, null hides it, an array shows
   * those lines instead (e.g. text rendered from a JSON event stream).
   */
  lineFilter?(line: OutputLine): OutputLine[] | null | undefined;
  /** Adds what to do to an unexpected death's reason (e.g. the provider's sign-in guidance). */
  explainFailure?(reason: string): string;
}

export class ProcessSupervisor {
  private _state: AgentState = 'queued';
  private child: ChildProcess | undefined;
  private stopRequested: string | undefined;
  private failReason: string | undefined;
  private exitSignal: NodeJS.Signals | null = null;
  private announced = false;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly exitDeferred = deferred<ExitInfo>();
  private readonly drainedDeferred = deferred<void>();
  private openStreams = 0;
  private readonly ring: OutputRing;
  private readonly sampler: OutputSampler;
  private readonly limits: OutputLimits;
  private readonly stateEmitter = new Emitter<StateChange>();
  private readonly outputEmitter = new Emitter<OutputLine>();
  readonly onState = this.stateEmitter.event;
  readonly onOutput = this.outputEmitter.event;
  /** Resolves once the process has ended (or the session ended without one). */
  readonly exited: Promise<ExitInfo> = this.exitDeferred.promise;
  /** Resolves once every captured output stream has ended (its last lines are in). */
  readonly drained: Promise<void> = this.drainedDeferred.promise;

  constructor(private readonly opts: SupervisorOptions) {
    this.limits = { ...DEFAULT_OUTPUT_LIMITS, ...opts.limits };
    this.ring = new OutputRing(this.limits.maxRetainedLines);
    this.sampler = new OutputSampler(this.limits.maxRecordedPerWindow, this.limits.recordWindowMs, (l) =>
      this.opts.log({ t: 'agent.output', stream: l.stream, text: l.text }),
    );
  }

  /** Records the initial `queued` state, once the session is accepted (not for a refused start). */
  announce(reason?: string): void {
    if (this.announced) return;
    this.announced = true;
    this.opts.log({ t: 'agent.state', from: 'none', to: 'queued', ...(reason ? { reason } : {}) });
  }

  get state(): AgentState {
    return this._state;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get stdin(): Writable | undefined {
    return this.child?.stdin ?? undefined;
  }

  /** The raw stdout stream, when the launch did not capture it as lines (ACP). */
  get stdout(): Readable | undefined {
    return this.child?.stdout ?? undefined;
  }

  /** The last lines of output, for a terminal opened late. */
  recentOutput(): OutputLine[] {
    return this.ring.lines();
  }

  get outputLinesSeen(): number {
    return this.ring.seen;
  }

  /** Moves to `to`, refusing edges the state machine does not have; emits and records it. */
  transition(to: AgentState, reason?: string, exitCode?: number | null): void {
    this.announce();
    const from = this._state;
    if (from === to) return;
    if (!canTransition(from, to)) {
      throw new AopError('CONFLICT', `The agent cannot go from ${from} to ${to}.`, { details: { from, to } });
    }
    this._state = to;
    const change: StateChange = { from, to, reason, pid: this.child?.pid, exitCode };
    this.opts.log({
      t: 'agent.state',
      from,
      to,
      ...(reason !== undefined ? { reason } : {}),
      ...(this.child?.pid !== undefined ? { pid: this.child.pid } : {}),
      ...(exitCode !== undefined ? { exitCode } : {}),
    });
    this.stateEmitter.fire(change);
    if (isTerminal(to)) {
      this.exitDeferred.resolve({ code: exitCode ?? null, signal: this.exitSignal, state: to, reason: reason ?? to });
    }
  }

  /** Starts the process (state must be `starting`). The caller moves to `running` once ready. */
  spawn(spec: LaunchSpec): ChildProcess {
    if (this._state !== 'starting') throw new AopError('CONFLICT', `Cannot start an agent in state ${this._state}.`);
    const [command, args] = spec.shim ? [spec.env.ComSpec ?? spec.env.COMSPEC ?? 'cmd.exe', cmdShimArgs(spec.command, spec.args)] : [spec.command, spec.args];
    const child = spawn(command, args, {
      cwd: spec.cwd,
      env: spec.env,
      // A new process group (setsid) on POSIX: signals to -pid reach everything the agent starts.
      detached: process.platform !== 'win32',
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
      windowsVerbatimArguments: spec.shim === true,
    });
    this.child = child;
    // A dead agent's stdin throws EPIPE on write; the exit handler reports the death.
    child.stdin?.on('error', () => undefined);
    if (spec.captureStdout) this.capture(child.stdout, 'stdout');
    this.capture(child.stderr, 'stderr');

    let settled = false;
    child.once('error', (err) => {
      if (settled) return;
      settled = true;
      this.finish(null, null, `could not start: ${errorMessage(err)}`);
    });
    child.once('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      this.finish(code, signal);
    });
    return child;
  }

  /** Feeds a line produced by a transport (e.g. ACP agent message text) to the same output path. */
  emitLine(line: OutputLine): void {
    this.ring.push(line);
    this.outputEmitter.fire(line);
    this.sampler.offer(line);
  }

  /**
   * Stops the agent: SIGTERM to the group, SIGKILL after the timeout. A paused group is
   * continued after SIGTERM so it can act on it. Resolves once the process is gone.
   */
  async stop(reason = 'stopped'): Promise<ExitInfo> {
    if (isTerminal(this._state)) return this.exited;
    if (!this.child || this.child.pid === undefined) {
      this.transition('exited', reason);
      return this.exited;
    }
    if (this._state !== 'stopping') {
      const wasPaused = this._state === 'paused';
      this.stopRequested = reason;
      this.transition('stopping', reason);
      const pid = this.child.pid;
      signalGroup(pid, 'SIGTERM');
      if (wasPaused && groupSignalsSupported()) signalGroup(pid, 'SIGCONT');
      this.killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), this.opts.stopTimeoutMs ?? 5000);
    }
    return this.exited;
  }

  /** Stops the whole process group at once (SIGSTOP): nothing it started runs until resume. */
  pause(reason = 'paused'): void {
    if (this._state === 'paused') return;
    if (this._state !== 'running' || !this.child?.pid) throw new AopError('CONFLICT', `Only a running agent can be paused (it is ${this._state}).`);
    if (!groupSignalsSupported()) throw new AopError('AGENT_FAILED', 'Pausing an agent is not supported on Windows; stop it instead.');
    signalGroup(this.child.pid, 'SIGSTOP');
    this.transition('paused', reason);
  }

  resume(reason = 'resumed'): void {
    if (this._state === 'running') return;
    if (this._state !== 'paused' || !this.child?.pid) throw new AopError('CONFLICT', `Only a paused agent can be resumed (it is ${this._state}).`);
    signalGroup(this.child.pid, 'SIGCONT');
    this.transition('running', reason);
  }

  /** Ends a session that failed before or while starting (e.g. a failed handshake). */
  async fail(reason: string): Promise<ExitInfo> {
    if (isTerminal(this._state)) return this.exited;
    if (this.child?.pid !== undefined) {
      this.failReason = reason;
      return this.stop(reason);
    }
    this.transition('failed', reason);
    return this.exited;
  }

  private capture(stream: Readable | null, name: 'stdout' | 'stderr'): void {
    if (!stream) return;
    this.openStreams++;
    stream.setEncoding('utf8');
    const splitter = new LineSplitter(this.limits.maxLineLength, (text) => {
      const line: OutputLine = { stream: name, text };
      const shown = this.opts.lineFilter ? this.opts.lineFilter(line) : undefined;
      if (shown === undefined) this.emitLine(line);
      else if (shown !== null) for (const l of shown) this.emitLine(l);
    });
    stream.on('data', (chunk: string) => splitter.push(chunk));
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      splitter.end();
      this.sampler.flush();
      if (--this.openStreams === 0) this.drainedDeferred.resolve();
    };
    stream.on('end', close);
    stream.on('close', close);
    stream.on('error', () => undefined);
  }

  private finish(code: number | null, signal: NodeJS.Signals | null, error?: string): void {
    if (this.killTimer) clearTimeout(this.killTimer);
    // Whatever the agent left behind in its group (background jobs, orphaned children) goes too.
    const pid = this.child?.pid;
    if (pid !== undefined && groupSignalsSupported()) signalGroup(pid, 'SIGKILL');
    this.sampler.flush();
    if (isTerminal(this._state)) return;
    const how = error ?? (signal ? `killed by ${signal}` : `exit code ${code}`);
    this.exitSignal = signal;
    if (this.failReason !== undefined) return this.transition('failed', this.failReason, code);
    if (this.stopRequested !== undefined) return this.transition('exited', `${this.stopRequested} (${how})`, code);
    if (code === 0 && !error) return this.transition('exited', 'completed', code);
    // An unexpected death: its last words on stderr usually say why (bad flag, no API key).
    let bound: NodeJS.Timeout | undefined;
    void Promise.race([this.drained, new Promise<void>((r) => (bound = setTimeout(r, 2000)))]).then(() => {
      clearTimeout(bound);
      if (isTerminal(this._state)) return;
      const tail = this.ring
        .lines()
        .filter((l) => l.stream === 'stderr')
        .slice(-3)
        .map((l) => l.text.slice(0, 300))
        .join(' | ');
      const reason = tail ? `${how}: ${tail}` : how;
      this.transition('failed', this.opts.explainFailure ? this.opts.explainFailure(reason) : reason, code);
    });
  }
}
