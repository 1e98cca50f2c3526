/**
 * One agent working on one feature: the process (supervisor), how we talk to it (a transport:
 * ACP or plain stdio, see ./transport), its messages, its usage. Everything it does is reported
 * through the host's `log`; the orchestrator listens to `onState` / `onTurnEnd` to checkpoint
 * and validate. The launch itself is assembled by ./launchSpec.ts; ./sessionLifecycle.ts keeps
 * the phases that decide when the session's temporary files go.
 */
import * as fs from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EventInput } from '../events/schema';
import { Emitter } from '../util/emitter';
import { AopError, errorMessage } from '../util/errors';
import { assertFeatureId } from '../util/ids';
import type { ProviderConfig } from './config';
import { findExecutable } from './detect';
import { envGet } from './env';
import { BranchMirror } from './branchMirror';
import { agentEnvironment, buildLaunchSpec, launchRecord, sandboxMode, type SandboxMode } from './launchSpec';
import { MessageQueue } from './messages';
import type { MessageRecord, MessageSender, PendingMessage } from './messages';
import { DEFAULT_OUTPUT_LIMITS, LineSplitter } from './output';
import type { OutputLimits, OutputLine } from './output';
import { PROVIDERS } from './providers';
import type { LaunchPlan, ProviderDefinition } from './providers';
import { detectSandbox } from './sandbox';
import type { SandboxCapability } from './sandbox';
import { prepareGitSandbox, type GitSandbox } from './sandboxGit';
import { SessionLifecycle } from './sessionLifecycle';
import { StartupWatch } from './startupWatch';
import { isTerminal } from './states';
import type { AgentState, StateChange } from './states';
import { ProcessSupervisor } from './supervisor';
import type { ExitInfo } from './supervisor';
import { createTransport } from './transport';
import type { AgentTransport, TurnEnd } from './transport';
import type { AgentCapabilities, AgentHost, UsageTotals } from './types';
import { UsageTracker } from './usage';

export type { TurnEnd } from './transport';

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
  /**
   * Take up this earlier conversation of the agent (its own id) with `prompt` as the first turn,
   * instead of starting anew with the spec. An ACP agent that cannot load it starts anew.
   */
  resume?: ResumeRequest;
  /** The feature's repository: inside the sandbox, git may commit to `branch` and nothing else. */
  repository?: { gitDir: string; branch: string };
}

export interface ResumeRequest {
  sessionId: string;
  prompt: string;
}

/** Whether this session runs sandboxed, and why (not). */
export interface SandboxStatus {
  sandboxed: boolean;
  /** on; off (turned off for this feature); unavailable (bubblewrap cannot run here). */
  state: 'on' | 'off' | 'unavailable';
  /** What was found, or why the agent runs without the sandbox. */
  reason: string;
  /** What git can do inside (sandboxed runs only). */
  git?: string;
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
  private readonly lifecycle = new SessionLifecycle();
  private talk: AgentTransport | undefined;
  private plan: LaunchPlan | undefined;
  private startError: unknown;
  private sandboxInfo: SandboxStatus | undefined;
  private mirror: BranchMirror | undefined;
  private readonly agentText: LineSplitter;
  private readonly turnEnded = new Emitter<TurnEnd>();
  private readonly startup: StartupWatch;
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
      lineFilter: (line) => this.talk?.filterLine(line),
      explainFailure: (reason) => this.explain(reason),
    });
    this.onState = this.sup.onState;
    this.startup = new StartupWatch(opts.config.startupTimeoutMs, () => void this.noProgress());
    this.sup.onState((c) => {
      if (c.to === 'running') this.startup.arm();
      else this.startup.disarm();
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

  /** The provider's sign-in guidance, added where the words read like an authentication problem. */
  private explain(message: string): string {
    const auth = this.provider.authFailure;
    return auth && auth.test(message) && !message.includes(this.provider.signIn) ? `${message}. ${this.provider.signIn}` : message;
  }

  /** A turn failed in the agent's words: before any progress, the agent cannot begin and fails. */
  private turnFailed(words: string): boolean {
    if (this.startup.progressed || isTerminal(this.state)) return false;
    const reason = this.explain(`${this.provider.label} could not begin its work: "${words.slice(0, 500)}"`);
    this.opts.host.log({ t: 'warning', message: reason });
    void this.sup.fail(reason);
    return true;
  }

  /** Running, yet no progress within the start-up time: it is not going to begin. */
  private async noProgress(): Promise<void> {
    if (this.state !== 'running') return;
    const secs = Math.round(this.config.startupTimeoutMs / 1000);
    const words = this.recentOutput()
      .slice(-3)
      .map((l) => l.text.slice(0, 200))
      .join(' | ');
    const reason = `${this.provider.label} showed no progress within ${secs} s of starting${words ? `; its last words: "${words}"` : ' and said nothing'}. ${this.provider.signIn}`;
    this.opts.host.log({ t: 'warning', message: reason });
    await this.sup.fail(reason);
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
    const sandbox = await this.prepareSandbox(sandboxMode(this.config), env, dir);
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
      progress: () => this.startup.progress(),
      turnFailed: (words) => this.turnFailed(words),
      sessionStarted: (id) => this.sessionStarted(id),
      explain: (message) => this.explain(message),
    });
    this.talk = talk;
    await talk.prepare(executable, env, sandboxed);
    if (this.sup.state !== 'starting') return; // stopped meanwhile
    this.sup.spawn(spec);
    this.mirror?.start();
    await talk.begin();
  }

  /**
   * The sandbox, when the mode and this machine allow it. Required but unavailable is an error,
   * never a silent unsandboxed run; 'auto' runs unsandboxed and records why.
   */
  private async prepareSandbox(mode: SandboxMode, env: Record<string, string>, dir: string): Promise<{ bwrap: string; tmp: string; git?: GitSandbox } | undefined> {
    if (mode === 'off') {
      this.sandboxInfo = { sandboxed: false, state: 'off', reason: 'the sandbox is turned off for this feature' };
      return undefined;
    }
    const cap = (this.opts.detectSandbox ?? (() => detectSandbox(envGet(env, 'PATH'))))();
    if (!cap.available || !cap.bwrap) {
      if (mode === 'required') {
        throw new AopError('AGENT_FAILED', `The sandbox was requested but is unavailable: ${cap.reason}. Turn the provider's "sandbox" setting off to run unsandboxed.`);
      }
      this.sandboxInfo = { sandboxed: false, state: 'unavailable', reason: cap.reason };
      this.opts.host.log({ t: 'warning', message: `The agent runs without the sandbox: ${cap.reason}.` });
      return undefined;
    }
    const tmp = path.join(dir, 'tmp');
    await mkdir(tmp);
    // The CLI's state folders must exist to be bound writable; it would make them on first use.
    const home = envGet(env, 'HOME');
    if (home && path.isAbsolute(home)) {
      for (const rel of this.provider.stateDirs) if (!rel.endsWith('.json')) await mkdir(path.join(home, rel), { recursive: true }).catch(() => undefined);
    }
    let git: GitSandbox | undefined;
    let gitNote = 'no repository: git is read-only inside';
    if (this.opts.repository) {
      try {
        git = await prepareGitSandbox({ ...this.opts.repository, worktree: this.worktree, privateDir: dir });
        const repo = this.opts.repository;
        this.mirror = new BranchMirror({ ...git.mirror, warn: (message) => this.opts.host.log({ t: 'warning', message }) });
        gitNote = `commits to ${repo.branch} only; config, hooks, info/ and other branches are read-only`;
      } catch (err) {
        gitNote = `git is read-only inside: ${errorMessage(err)}`;
      }
    }
    this.sandboxInfo = { sandboxed: true, state: 'on', reason: cap.reason, git: gitNote };
    return { bwrap: cap.bwrap, tmp, git };
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
