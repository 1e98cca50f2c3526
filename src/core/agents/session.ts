/**
 * One agent working on one feature: the process (supervisor), how we talk to it (ACP client or
 * plain stdio), its messages, its usage. Everything it does is reported through the host's
 * `log`; the orchestrator listens to `onState` / `onTurnEnd` to checkpoint and validate.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';
import type { EventInput } from '../events/schema';
import { deferred } from '../util/async';
import { Emitter } from '../util/emitter';
import { AopError, errorMessage } from '../util/errors';
import { assertFeatureId } from '../util/ids';
import { AcpClient } from './acpClient';
import { commandSetting } from './config';
import type { ProviderConfig } from './config';
import { acpCapabilities, findExecutable, plainCapabilities } from './detect';
import { buildAgentEnv, envGet } from './env';
import { MessageQueue } from './messages';
import type { MessageChannel, MessageRecord, MessageSender, PendingMessage } from './messages';
import { DEFAULT_OUTPUT_LIMITS, LineSplitter } from './output';
import type { OutputLimits, OutputLine } from './output';
import { PROVIDERS } from './providers';
import type { LaunchPlan, LineSignal, ProviderDefinition } from './providers';
import { detectSandbox, sandboxArgs, stateDirs } from './sandbox';
import type { SandboxCapability } from './sandbox';
import { isTerminal } from './states';
import type { AgentState, StateChange } from './states';
import { ProcessSupervisor } from './supervisor';
import type { ExitInfo, LaunchSpec } from './supervisor';
import type { AgentCapabilities, AgentHost, UsageTotals } from './types';
import { UsageTracker } from './usage';

export interface AgentSessionOptions {
  featureId: string;
  /** Absolute path of the feature's worktree: the agent's cwd and the only place it may write. */
  worktree: string;
  config: ProviderConfig;
  prompt: string;
  host: AgentHost;
  /** The environment the allowlist picks from (default process.env). */
  parentEnv?: NodeJS.ProcessEnv;
  /** Messages left pending by an earlier session, delivered first. */
  pendingMessages?: readonly PendingMessage[];
  outputLimits?: Partial<OutputLimits>;
  providers?: Readonly<Record<string, ProviderDefinition>>;
  detectSandbox?: () => SandboxCapability;
  clientVersion?: string;
}

export interface TurnEnd {
  turn: number;
  /** ACP stop reason (end_turn, cancelled, ...), a CLI's own end marker, 'exited', or 'error'. */
  stopReason: string;
  /** The message this turn answered, if it was one. */
  messageId?: string;
  error?: string;
}

export class AgentSession {
  readonly featureId: string;
  readonly worktree: string;
  readonly config: ProviderConfig;
  readonly provider: ProviderDefinition;
  readonly transport: 'acp' | 'plain';
  private readonly sup: ProcessSupervisor;
  private readonly queue: MessageQueue;
  private readonly usageTracker: UsageTracker;
  private acp: AcpClient | undefined;
  private plan: LaunchPlan | undefined;
  private caps: AgentCapabilities | undefined;
  private privateDir: string | undefined;
  private turns = 0;
  private ran = false;
  private launching = false;
  private pendingPause: string | undefined;
  private promptUnanswered = false;
  private accepted = false;
  private readonly cleaned = deferred<void>();
  private startError: unknown;
  private readonly agentText: LineSplitter;
  private readonly turnEnded = new Emitter<TurnEnd>();
  readonly onState: (l: (c: StateChange) => void) => { dispose(): void };
  readonly onOutput: (l: (line: OutputLine) => void) => { dispose(): void };
  readonly onTurnEnd = this.turnEnded.event;
  readonly onMessage: (l: (m: MessageRecord) => void) => { dispose(): void };
  /** Set by the manager: this session's place in the start queue. */
  queuePosition: () => number | undefined = () => undefined;

  constructor(private readonly opts: AgentSessionOptions) {
    this.featureId = assertFeatureId(opts.featureId);
    if (!path.isAbsolute(opts.worktree)) throw new AopError('INVALID_PATH', `The worktree must be an absolute path (got ${opts.worktree}).`);
    this.worktree = path.resolve(opts.worktree);
    this.config = opts.config;
    const providers = opts.providers ?? PROVIDERS;
    this.provider = providers[opts.config.provider];
    this.transport = opts.config.transport ?? this.provider.defaultTransport;
    if (!this.provider.transports.includes(this.transport)) {
      throw new AopError('INVALID_INPUT', `${this.provider.label} cannot run with transport "${this.transport}"; use ${this.provider.transports.join(' or ')}.`);
    }
    const modes = this.provider.approvalModes(this.transport);
    if (opts.config.approvalMode !== undefined && modes && !modes.includes(opts.config.approvalMode)) {
      throw new AopError('INVALID_INPUT', `${this.provider.label} has no approval mode "${opts.config.approvalMode}"; choose one of: ${modes.join(', ')}.`);
    }

    const log = (e: EventInput) => opts.host.log(e);
    this.sup = new ProcessSupervisor({
      log,
      limits: opts.outputLimits,
      stopTimeoutMs: opts.config.stopTimeoutMs,
      lineFilter: (line) => this.onPlainLine(line),
    });
    this.onState = this.sup.onState;
    this.sup.onState((c) => {
      if (c.to !== 'running') return;
      this.ran = true;
      if (this.pendingPause !== undefined) {
        const reason = this.pendingPause;
        this.pendingPause = undefined;
        this.pause(reason);
      }
    });
    this.onOutput = this.sup.onOutput;
    this.agentText = new LineSplitter(opts.outputLimits?.maxLineLength ?? DEFAULT_OUTPUT_LIMITS.maxLineLength, (text) => this.sup.emitLine({ stream: 'stdout', text }));
    this.queue = new MessageQueue({ log, maxAttempts: opts.config.messages.maxAttempts });
    this.onMessage = this.queue.onChange;
    this.usageTracker = new UsageTracker(log, opts.config.budget, (why) => {
      if (this.sup.state === 'running') this.pause(`budget reached: ${why}`);
    });
    this.sup.onState((c) => {
      if (isTerminal(c.to)) void this.ended(c);
    });
  }

  get state(): AgentState {
    return this.sup.state;
  }

  get pid(): number | undefined {
    return this.sup.pid;
  }

  /** What the running agent can do (undefined until it has started). */
  get capabilities(): AgentCapabilities | undefined {
    return this.caps;
  }

  /** The approval mode the agent runs in, as shown to the user. */
  get approval(): string | undefined {
    return this.plan?.approval;
  }

  get usage(): UsageTotals {
    return this.usageTracker.current;
  }

  /** Why the start failed, when it did. */
  get error(): unknown {
    return this.startError;
  }

  /** Resolves when the session has ended, however it ended, and its temporary files are gone. */
  get exited(): Promise<ExitInfo> {
    return this.sup.exited.then(async (x) => {
      await this.cleaned.promise;
      return x;
    });
  }

  recentOutput(): OutputLine[] {
    return this.sup.recentOutput();
  }

  /**
   * Checks what can be checked before queueing: the launch can be built and the executable
   * exists. Throws AopError (INVALID_INPUT, AGENT_NOT_FOUND) with what to change.
   */
  preflight(): void {
    const plan = this.provider.launch({ featureId: this.featureId, worktree: this.worktree, config: this.config, promptFile: path.join(os.tmpdir(), 'prompt.md') }, this.transport);
    findExecutable(this.provider.id, this.provider.label, this.provider.installHint, plan.command, { ...this.baseEnv(), ...plan.env }, this.worktree);
    this.accept();
  }

  /** Records the session as queued and takes over the messages an earlier session left. */
  private accept(): void {
    if (this.accepted) return;
    this.accepted = true;
    this.sup.announce();
    if (this.opts.pendingMessages?.length) this.queue.restore(this.opts.pendingMessages);
  }

  /** Starts the agent (called when the scheduler grants a slot). Never throws: a failed start ends in `failed`. */
  async launch(): Promise<void> {
    if (this.sup.state !== 'queued') return;
    this.accept();
    this.launching = true;
    this.sup.transition('starting', 'slot granted');
    try {
      await this.start();
    } catch (err) {
      this.startError = err;
      // Stopped while starting: that stop decides the outcome (exited), not the broken handshake.
      if (this.state === 'starting') await this.sup.fail(errorMessage(err));
    } finally {
      this.launching = false;
    }
    // Ended while we were still setting up (stopped early): the end handler ran before the
    // private folder existed, so remove it here.
    if (isTerminal(this.state)) {
      await this.removePrivateDir();
      this.cleaned.resolve();
    }
  }

  async stop(reason = 'stopped by user'): Promise<ExitInfo> {
    await this.sup.stop(reason);
    return this.exited;
  }

  /**
   * Holds the agent: SIGSTOP to its process group, and its ACP requests wait. While it is still
   * starting, the pause is applied the moment it is running (a critical violation can come early).
   */
  pause(reason = 'paused by user'): void {
    if (this.sup.state === 'starting') {
      this.pendingPause = reason;
      return;
    }
    this.acp?.setPaused(true);
    try {
      this.sup.pause(reason);
    } catch (err) {
      this.acp?.setPaused(false);
      throw err;
    }
  }

  resume(reason = 'resumed by user'): void {
    if (this.pendingPause !== undefined && this.sup.state === 'starting') {
      this.pendingPause = undefined;
      return;
    }
    this.sup.resume(reason);
    this.acp?.setPaused(false);
    this.queue.pump();
  }

  /** Queues a message; it is delivered as soon as the agent can take it. */
  send(text: string, from: MessageSender = 'user'): MessageRecord {
    if (text.length === 0) throw new AopError('INVALID_INPUT', 'A message needs some text.');
    return this.queue.send(text, from);
  }

  /** Messages not yet acknowledged or given up on. */
  pendingMessages(): MessageRecord[] {
    return this.queue.pending();
  }

  allMessages(): MessageRecord[] {
    return this.queue.all();
  }

  /** Ends the current ACP turn (the agent answers it as cancelled). */
  async cancelTurn(): Promise<void> {
    await this.acp?.cancel();
  }

  /** Plain CLIs: closes stdin, telling a CLI that reads messages there that no more will come. */
  endInput(): void {
    this.queue.setChannel(undefined);
    this.sup.stdin?.end();
  }

  /** Marks a session found dead after a restart (set by the orchestrator's recovery). */
  markInterrupted(reason = 'the editor restarted while the agent ran'): void {
    if (!isTerminal(this.sup.state)) this.sup.transition('interrupted', reason);
  }

  private log(e: EventInput): void {
    this.opts.host.log(e);
  }

  private baseEnv(): Record<string, string> {
    return buildAgentEnv({
      parent: this.opts.parentEnv ?? process.env,
      providerKeys: this.provider.envKeys,
      passEnv: this.config.passEnv,
      set: this.config.env,
    });
  }

  private async start(): Promise<void> {
    const cfg = this.config;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aop-agent-'));
    this.privateDir = dir;
    const promptFile = path.join(dir, 'prompt.md');
    const plan = this.provider.launch({ featureId: this.featureId, worktree: this.worktree, config: cfg, promptFile }, this.transport);
    this.plan = plan;
    if (plan.promptVia === 'file') await writeFile(promptFile, this.opts.prompt, { mode: 0o600 });
    const env = { ...this.baseEnv(), ...plan.env };
    const exe = findExecutable(this.provider.id, this.provider.label, this.provider.installHint, plan.command, env, this.worktree);

    let spec: LaunchSpec = { command: exe.path, args: plan.args, cwd: this.worktree, env, shim: exe.shim, captureStdout: plan.transport === 'plain' };
    const sandboxed = cfg.sandbox !== false;
    if (sandboxed) {
      const cap = (this.opts.detectSandbox ?? (() => detectSandbox(envGet(env, 'PATH'))))();
      if (!cap.available || !cap.bwrap) {
        throw new AopError('AGENT_FAILED', `The sandbox was requested but is unavailable: ${cap.reason}. Turn the provider's "sandbox" setting off to run unsandboxed.`);
      }
      const tmp = path.join(dir, 'tmp');
      await mkdir(tmp);
      const extra = typeof cfg.sandbox === 'object' ? cfg.sandbox.writable.map((p) => path.resolve(this.worktree, p)) : [];
      const writable = [this.worktree, tmp, ...stateDirs(envGet(env, 'HOME'), this.provider.stateDirs), ...extra];
      spec = {
        ...spec,
        command: cap.bwrap,
        args: sandboxArgs({ cwd: this.worktree, writable }, exe.path, plan.args),
        env: { ...env, TMPDIR: tmp, TMP: tmp, TEMP: tmp },
        shim: false,
      };
    }
    this.log({
      t: 'agent.update',
      kind: 'launch',
      data: {
        provider: this.provider.id,
        transport: plan.transport,
        command: exe.path,
        args: plan.args,
        approval: plan.approval,
        promptVia: plan.promptVia,
        sandbox: sandboxed,
        // Names only: values may be secrets.
        env: Object.keys(spec.env).sort(),
      },
    });

    if (plan.transport === 'plain') {
      this.caps = await plainCapabilities(plan, exe, env, sandboxed);
      if (this.sup.state !== 'starting') return; // stopped meanwhile
      this.sup.spawn(spec);
      this.startPlain(plan);
    } else {
      if (this.sup.state !== 'starting') return;
      this.sup.spawn(spec);
      await this.startAcp(plan, sandboxed);
    }
  }

  private async startAcp(plan: LaunchPlan, sandboxed: boolean): Promise<void> {
    const stdin = this.sup.stdin!;
    const stdout = this.sup.stdout!;
    const stream = acp.ndJsonStream(Writable.toWeb(stdin), Readable.toWeb(stdout) as ReadableStream<Uint8Array>);
    const client = new AcpClient(stream, {
      featureId: this.featureId,
      worktree: this.worktree,
      host: this.opts.host,
      onText: (t) => this.agentText.push(t),
      onUsage: (u) => this.usageTracker.report(u),
      askTimeoutMs: this.config.askTimeoutMs,
      clientVersion: this.opts.clientVersion,
    });
    this.acp = client;
    const init = await this.handshake(client.initialize(), 'initialize');
    this.caps = acpCapabilities(init, true, sandboxed);
    await this.handshake(client.startSession(plan.acpMode), 'session/new');
    this.log({ t: 'agent.update', kind: 'capabilities', data: this.caps });
    if (this.sup.state !== 'starting') return;
    this.sup.transition('running', 'ACP session ready');
    this.runTurn(this.opts.prompt);
    this.queue.setChannel({
      kind: 'acp',
      ready: () => this.sup.state === 'running' && !client.inTurn,
      deliver: async (m) => this.runTurn(m.text, m.id),
    });
  }

  private startPlain(plan: LaunchPlan): void {
    const stdin = this.sup.stdin!;
    if (plan.promptVia === 'stdin') stdin.write(this.opts.prompt.endsWith('\n') ? this.opts.prompt : `${this.opts.prompt}\n`);
    if (plan.promptVia === 'stream-json' && plan.formatMessage) {
      stdin.write(`${plan.formatMessage('prompt', this.opts.prompt)}\n`);
      this.promptUnanswered = true;
    }
    this.log({ t: 'agent.update', kind: 'capabilities', data: this.caps });
    this.sup.transition('running', 'started');
    this.turns = 1;
    if (this.caps?.messageChannel === 'stdin' && plan.formatMessage) {
      const format = plan.formatMessage;
      const channel: MessageChannel = {
        kind: 'stdin',
        ready: () => this.sup.state === 'running',
        deliver: (m) =>
          new Promise<void>((resolve, reject) => {
            if (!stdin.writable) return reject(new Error('the agent closed its input'));
            stdin.write(`${format(m.id, m.text)}\n`, (err) => (err ? reject(err) : resolve()));
          }),
        ackTimeoutMs: this.config.messages.ackTimeoutMs,
      };
      this.queue.setChannel(channel);
    } else {
      // No message channel: stdin ends after the prompt (messages wait for the next session).
      stdin.end();
    }
  }

  /** Waits for a handshake step, failing if it takes too long or the agent dies meanwhile. */
  private async handshake<T>(step: Promise<T>, what: string): Promise<T> {
    const ms = this.config.handshakeTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new AopError(
      'AGENT_FAILED',
      `The agent did not answer ACP ${what} within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`}. Is "${this.plan?.command}" an ACP agent? Check ${commandSetting(this.provider.id)}.`,
    );
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut), ms);
    });
    const died = this.sup.exited.then(() => {
      throw new Error('exited');
    });
    died.catch(() => undefined); // it rejects later, when the agent ends after a good handshake
    try {
      return await Promise.race([step, timeout, died]);
    } catch (err) {
      if (err === timedOut) throw err;
      // A closed connection usually means the agent died: wait (briefly) for its exit and last
      // output lines, which say why far better than "connection closed".
      let bound: NodeJS.Timeout | undefined;
      const exit = await Promise.race([
        Promise.all([this.sup.exited, this.sup.drained]).then(([x]) => x),
        new Promise<undefined>((r) => (bound = setTimeout(() => r(undefined), 2000))),
      ]);
      clearTimeout(bound);
      if (!exit) throw err;
      const tail = this.sup.recentOutput().slice(-5).map((l) => l.text).join(' | ');
      throw new AopError('AGENT_FAILED', `The agent exited during ACP ${what} (${exit.reason})${tail ? `: ${tail}` : ''}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private runTurn(text: string, messageId?: string): void {
    const client = this.acp!;
    const turn = ++this.turns;
    const answer = client.prompt(text);
    answer.then(
      (r) => {
        this.agentText.end();
        this.log({ t: 'agent.update', kind: 'turn.end', data: { turn, stopReason: r.stopReason, ...(messageId ? { messageId } : {}) } });
        if (messageId) this.queue.ack(messageId, `answered: ${r.stopReason}`);
        this.turnEnded.fire({ turn, stopReason: r.stopReason, ...(messageId ? { messageId } : {}) });
        this.queue.pump();
      },
      (err: unknown) => {
        this.agentText.end();
        const error = errorMessage(err);
        // A closed connection means the agent is going away: the session's end reports the
        // message undelivered. Any other error answer is a failed delivery, retried.
        if (messageId && !client.isClosed) this.queue.fail(messageId, error);
        else if (!isTerminal(this.sup.state)) this.log({ t: 'warning', message: `The agent's prompt turn failed: ${error}` });
        this.turnEnded.fire({ turn, stopReason: 'error', error, ...(messageId ? { messageId } : {}) });
        this.queue.pump();
      },
    );
  }

  /** Plain stdout lines: acknowledgements, usage and turn ends the provider recognises. */
  private onPlainLine(line: OutputLine): OutputLine[] | null | undefined {
    if (line.stream !== 'stdout' || !this.plan?.parseLine) return undefined;
    let sig: LineSignal | undefined;
    try {
      sig = this.plan.parseLine(line.text);
    } catch {
      return undefined;
    }
    if (!sig) return undefined;
    if (sig.ack !== undefined) this.queue.ack(sig.ack, 'acknowledged by the agent');
    if (sig.ackOldest) {
      // Turns are answered in order; the first answer is for the prompt, not for a message.
      if (this.promptUnanswered) this.promptUnanswered = false;
      else this.queue.ackOldest('the agent finished its turn');
    }
    for (const u of sig.usage === undefined ? [] : Array.isArray(sig.usage) ? sig.usage : [sig.usage]) this.usageTracker.report(u);
    if (sig.turnEnd !== undefined) {
      const turn = this.turns++;
      this.turnEnded.fire({ turn, stopReason: sig.turnEnd });
    }
    if (sig.display === undefined) return undefined;
    return sig.display === null ? null : sig.display.map((text) => ({ stream: 'stdout' as const, text }));
  }

  private async ended(change: StateChange): Promise<void> {
    this.agentText.end();
    this.queue.sessionEnded(`the agent ${change.to} before acknowledging (${change.reason ?? change.to})`);
    this.acp?.close();
    if (this.plan?.transport === 'plain' && this.ran) {
      this.turnEnded.fire({ turn: this.turns, stopReason: 'exited' });
    }
    // A launch still setting up resolves `cleaned` itself once it has given up.
    if (!this.launching) {
      await this.removePrivateDir();
      this.cleaned.resolve();
    }
  }

  private async removePrivateDir(): Promise<void> {
    const dir = this.privateDir;
    this.privateDir = undefined;
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
