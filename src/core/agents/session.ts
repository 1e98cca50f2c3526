/**
 * One agent working on one feature: the process (supervisor), how we talk to it (a transport:
 * ACP or plain stdio, see ./transport), its messages, its usage. Everything it does is reported
 * through the host's `log`; the orchestrator listens to `onState` / `onTurnEnd` to checkpoint
 * and validate. The launch itself is assembled by ./launchSpec.ts; ./sessionLifecycle.ts keeps
 * the phases that decide when the session's temporary files go; ./sessionOptions.ts says what a
 * session is started with.
 */
import * as fs from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EventInput } from '../events/schema';
import { Emitter } from '../util/emitter';
import { AopError, errorMessage } from '../util/errors';
import { assertFeatureId } from '../util/ids';
import type { ProviderConfig } from './config';
import { findExecutable } from './detect';
import { agentEnvironment, buildLaunchSpec, chooseTransport, launchRecord, sandboxMode } from './launchSpec';
import { MessageQueue } from './messages';
import type { MessageRecord, MessageSender } from './messages';
import { DEFAULT_OUTPUT_LIMITS, LineSplitter } from './output';
import type { OutputLine } from './output';
import { PROVIDERS } from './providers';
import type { LaunchPlan, ProviderDefinition } from './providers';
import { prepareSandbox, type SandboxStatus } from './sandboxSetup';
import type { BranchMirror } from './branchMirror';
import { SessionLifecycle } from './sessionLifecycle';
import type { AgentSessionOptions } from './sessionOptions';
import { StartupGuard } from './startupGuard';
import { isTerminal } from './states';
import type { AgentState, StateChange } from './states';
import { ProcessSupervisor } from './supervisor';
import type { ExitInfo } from './supervisor';
import { createTransport } from './transport';
import type { AgentTransport, TurnEnd } from './transport';
import type { AgentCapabilities, UsageTotals } from './types';
import { UsageTracker } from './usage';

export type { TurnEnd } from './transport';
export type { AgentSessionOptions, ResumeRequest } from './sessionOptions';

export class AgentSession {
  readonly featureId: string;
  readonly worktree: string;
  readonly config: ProviderConfig;
  readonly provider: ProviderDefinition;
  readonly transport: 'acp' | 'plain';
  private readonly sup: ProcessSupervisor;
  private readonly queue: MessageQueue;
  private readonly usageTracker: UsageTracker;
  private readonly lifecycle = new SessionLifecycle();
  private talk: AgentTransport | undefined;
  private plan: LaunchPlan | undefined;
  private startError: unknown;
  private sandboxInfo: SandboxStatus | undefined;
  private mirror: BranchMirror | undefined;
  private readonly agentText: LineSplitter;
  private readonly turnEnded = new Emitter<TurnEnd>();
  private readonly startup: StartupGuard;
  private conversation: string | undefined;
  private readonly conversationStarted = new Emitter<string>();
  /** The agent's id for its conversation, once known (to resume it after a restart). */
  readonly onAgentSession = this.conversationStarted.event;
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
    this.transport = chooseTransport(this.provider, opts.config);

    const log = (e: EventInput) => opts.host.log(e);
    this.sup = new ProcessSupervisor({
      log,
      limits: opts.outputLimits,
      stopTimeoutMs: opts.config.stopTimeoutMs,
      lineFilter: (line) => this.talk?.filterLine(line),
      explainFailure: (reason) => this.startup.explain(reason),
    });
    this.onState = this.sup.onState;
    this.startup = new StartupGuard({ provider: this.provider, config: this.config, sup: this.sup, log: (e) => opts.host.log(e) });
    this.sup.onState((c) => {
      if (c.to === 'running') this.startup.watch.arm();
      else this.startup.watch.disarm();
      if (c.to !== 'running') return;
      const held = this.lifecycle.takePause();
      if (held !== undefined) this.pause(held);
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
    return this.talk?.capabilities;
  }

  /** The approval mode the agent runs in, as shown to the user. */
  get approval(): string | undefined {
    return this.plan?.approval;
  }

  get usage(): UsageTotals {
    return this.usageTracker.current;
  }

  /** The agent's own id for its conversation (ACP session id, Claude/Codex/Gemini session), once known. */
  get agentSessionId(): string | undefined {
    return this.conversation;
  }

  /** Whether the agent runs in the sandbox (known once it has launched). */
  get sandbox(): SandboxStatus | undefined {
    return this.sandboxInfo;
  }

  /** Why the start failed, when it did. */
  get error(): unknown {
    return this.startError;
  }

  /** Resolves when the session has ended, however it ended, and its temporary files are gone. */
  get exited(): Promise<ExitInfo> {
    return this.sup.exited.then(async (x) => {
      await this.lifecycle.done;
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
    const plan = this.launchPlan(path.join(os.tmpdir(), 'prompt.md'));
    this.findExecutable(plan, agentEnvironment(this.provider, this.config, this.parentEnv, plan));
    this.accept();
  }

  /** Records the session as queued and takes over the messages an earlier session left. */
  private accept(): void {
    if (!this.lifecycle.accept()) return;
    this.sup.announce();
    if (this.opts.pendingMessages?.length) this.queue.restore(this.opts.pendingMessages);
  }

  /** Starts the agent (called when the scheduler grants a slot). Never throws: a failed start ends in `failed`. */
  async launch(): Promise<void> {
    if (this.sup.state !== 'queued') return;
    this.accept();
    this.lifecycle.beginLaunch();
    this.sup.transition('starting', 'slot granted');
    try {
      await this.start();
    } catch (err) {
      this.startError = err;
      // Stopped while starting: that stop decides the outcome (exited), not the broken handshake.
      if (this.state === 'starting') await this.sup.fail(errorMessage(err));
    }
    await this.lifecycle.launchDone(isTerminal(this.state));
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
      this.lifecycle.holdPause(reason);
      return;
    }
    this.talk?.setPaused(true);
    try {
      this.sup.pause(reason);
    } catch (err) {
      this.talk?.setPaused(false);
      throw err;
    }
  }

  resume(reason = 'resumed by user'): void {
    if (this.lifecycle.pauseHeld && this.sup.state === 'starting') {
      this.lifecycle.takePause();
      return;
    }
    this.sup.resume(reason);
    this.talk?.setPaused(false);
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
    await this.talk?.cancelTurn();
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

  /** A plain CLI's first turn: the resume prompt when it takes up a conversation, else the spec. */
  private get firstPrompt(): string {
    return this.transport === 'plain' && this.opts.resume ? this.opts.resume.prompt : this.opts.prompt;
  }

  private get parentEnv(): NodeJS.ProcessEnv {
    return this.opts.parentEnv ?? process.env;
  }

  private launchPlan(promptFile: string): LaunchPlan {
    const resume = this.opts.resume?.sessionId;
    return this.provider.launch({ featureId: this.featureId, worktree: this.worktree, config: this.config, promptFile, ...(resume ? { resumeSessionId: resume } : {}) }, this.transport);
  }

  private sessionStarted(id: string): void {
    if (this.conversation === id) return;
    this.conversation = id;
    this.opts.host.log({ t: 'agent.update', kind: 'session', data: { sessionId: id, ...(this.opts.resume?.sessionId === id ? { resumed: true } : {}) } });
    this.conversationStarted.fire(id);
  }

  private findExecutable(plan: LaunchPlan, env: Record<string, string>) {
    return findExecutable(this.provider.id, this.provider.label, this.provider.installHint, plan.command, env, this.worktree);
  }

  /** The I/O around the launch spec: private folder, prompt file, executable, sandbox; then the transport. */
  private async start(): Promise<void> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aop-agent-'));
    this.lifecycle.ownDir(dir);
    const promptFile = path.join(dir, 'prompt.md');
    const plan = this.launchPlan(promptFile);
    this.plan = plan;
    if (plan.promptVia === 'file') await writeFile(promptFile, this.firstPrompt, { mode: 0o600 });
    const env = agentEnvironment(this.provider, this.config, this.parentEnv, plan);
    const executable = this.findExecutable(plan, env);
    const setup = await prepareSandbox({
      mode: sandboxMode(this.config),
      env,
      dir,
      worktree: this.worktree,
      stateDirs: this.provider.stateDirs,
      repository: this.opts.repository,
      detect: this.opts.detectSandbox,
      log: (e) => this.opts.host.log(e),
    });
    this.sandboxInfo = setup.status;
    this.mirror = setup.mirror;
    const sandbox = setup.launch;
    const sandboxed = sandbox !== undefined;
    const spec = buildLaunchSpec({ provider: this.provider, config: this.config, worktree: this.worktree, plan, executable, env, sandbox, exists: fs.existsSync });
    this.opts.host.log({ t: 'agent.update', kind: 'launch', data: { ...launchRecord(this.provider, plan, executable, spec, sandboxed), sandboxStatus: this.sandboxInfo } });

    const talk = createTransport({
      featureId: this.featureId,
      worktree: this.worktree,
      config: this.config,
      provider: this.provider,
      plan,
      prompt: this.firstPrompt,
      host: this.opts.host,
      sup: this.sup,
      queue: this.queue,
      usage: this.usageTracker,
      agentText: this.agentText,
      turnEnded: this.turnEnded,
      log: (e) => this.opts.host.log(e),
      clientVersion: this.opts.clientVersion,
      ...(this.opts.resume ? { resume: this.opts.resume } : {}),
      progress: () => this.startup.watch.progress(),
      turnFailed: (words) => this.startup.turnFailed(words),
      sessionStarted: (id) => this.sessionStarted(id),
      explain: (message) => this.startup.explain(message),
    });
    this.talk = talk;
    await talk.prepare(executable, env, sandboxed);
    if (this.sup.state !== 'starting') return; // stopped meanwhile
    this.sup.spawn(spec);
    this.mirror?.start();
    await talk.begin();
  }

  private async ended(change: StateChange): Promise<void> {
    this.agentText.end();
    this.queue.sessionEnded(`the agent ${change.to} before acknowledging (${change.reason ?? change.to})`);
    this.talk?.ended();
    // The agent's last commits reach its real branch before the private folder goes.
    await this.mirror?.close();
    await this.lifecycle.processEnded();
  }
}
