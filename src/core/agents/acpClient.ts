/**
 * The orchestrator as an ACP client. It offers the agent file reads and writes inside the
 * worktree (each write checked by the host before it lands), answers permission requests with
 * the plan's policy, turns session updates into `agent.update` / `agent.usage` events, and runs
 * prompt turns one at a time. While paused, every request the agent makes is held until resume.
 */
import * as acp from '@agentclientprotocol/sdk';
import type { EventInput } from '../events/schema';
import type { Deferred } from '../util/async';
import { deferred } from '../util/async';
import { AopError, errorMessage } from '../util/errors';
import { agentPathToRel, readInside, writeInside } from './fsAccess';
import { decide, permissionQuery } from './permissions';
import type { AgentHost } from './types';
import type { UsageReport } from './usage';

export interface AcpClientOptions {
  featureId: string;
  /** Absolute worktree path: the session's cwd and the only place files are written. */
  worktree: string;
  host: AgentHost;
  /** Agent message text, for the output stream. */
  onText(text: string): void;
  onUsage(report: UsageReport): void;
  /** The agent is working: the model answered (text, a tool call, a plan). */
  onProgress?(): void;
  /**
   * The policy refused a permission request for a reason: ACP's answer carries no reason, so
   * the session tells the agent in a message of its own.
   */
  onRefused?(tool: string, reason: string): void;
  /** What to do when the agent is not signed in (the provider's words), added to auth failures. */
  signIn?: string;
  /** Offer fs/read_text_file and fs/write_text_file (default true). */
  offerFs?: boolean;
  askTimeoutMs?: number;
  clientVersion?: string;
}

/** Longest JSON recorded for one session update; larger ones are cut (a diff can be megabytes). */
const MAX_UPDATE_JSON = 8192;

export class AcpClient {
  private readonly conn: acp.ClientConnection;
  private sessionId: string | undefined;
  private gate: Deferred<void> | undefined;
  private turn: Promise<acp.PromptResponse> | undefined;
  private init: acp.InitializeResponse | undefined;
  private newSession: acp.NewSessionResponse | undefined;
  /** A loaded session replays its history as updates: not news, not shown. */
  private replaying = false;

  constructor(
    stream: acp.Stream,
    private readonly opts: AcpClientOptions,
  ) {
    const offerFs = opts.offerFs !== false;
    let app = acp
      .client({ name: 'aop' })
      .onRequest(acp.methods.client.session.requestPermission, async ({ params }) => {
        await this.held();
        return this.permission(params);
      })
      .onNotification(acp.methods.client.session.update, ({ params }) => this.update(params.update));
    if (offerFs) {
      app = app
        .onRequest(acp.methods.client.fs.writeTextFile, async ({ params }) => {
          await this.held();
          await this.write(params.path, params.content);
          return {};
        })
        .onRequest(acp.methods.client.fs.readTextFile, async ({ params }) => {
          await this.held();
          try {
            return { content: await readInside(this.opts.worktree, agentPathToRel(this.opts.worktree, params.path), params.line, params.limit) };
          } catch (err) {
            // A file that does not exist yet reads as empty: Gemini CLI checks the old content
            // before every write and gives the write up on an error answer.
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { content: '' };
            throw new acp.RequestError(-32602, errorMessage(err));
          }
        });
    }
    this.conn = app.connect(stream);
  }

  /** Resolves when the connection closes (the agent exited or closed its end). */
  get closed(): Promise<void> {
    return this.conn.closed;
  }

  get initializeResponse(): acp.InitializeResponse | undefined {
    return this.init;
  }

  get session(): acp.NewSessionResponse | undefined {
    return this.newSession;
  }

  /** True once the connection is gone (the agent exited or closed its output). */
  get isClosed(): boolean {
    return this.conn.signal.aborted;
  }

  get inTurn(): boolean {
    return this.turn !== undefined;
  }

  /** The `initialize` handshake: the agent's real capabilities. */
  async initialize(): Promise<acp.InitializeResponse> {
    const offerFs = this.opts.offerFs !== false;
    this.init = await this.conn.agent.request(acp.methods.agent.initialize, {
      protocolVersion: acp.PROTOCOL_VERSION,
      clientCapabilities: { fs: { readTextFile: offerFs, writeTextFile: offerFs }, terminal: false },
      clientInfo: { name: 'aop-vscode', title: 'Agent Orchestrator', version: this.opts.clientVersion ?? '0.0.0' },
    });
    return this.init;
  }

  /** Whether the agent can take up an earlier session (ACP session/resume or session/load). */
  get canResume(): boolean {
    const caps = this.init?.agentCapabilities;
    return Boolean(caps?.sessionCapabilities?.resume || caps?.loadSession);
  }

  /**
   * Opens the session in the worktree (a new one, or the earlier `resumeId` when the agent can
   * take it up) and, when asked, selects a session mode (approval mode).
   */
  async startSession(mode?: string, resumeId?: string): Promise<string> {
    const base = { cwd: this.opts.worktree, mcpServers: [] };
    try {
      if (resumeId !== undefined && this.init?.agentCapabilities?.sessionCapabilities?.resume) {
        this.newSession = { sessionId: resumeId, ...(await this.conn.agent.request(acp.methods.agent.session.resume, { sessionId: resumeId, cwd: base.cwd })) };
      } else if (resumeId !== undefined && this.init?.agentCapabilities?.loadSession) {
        this.replaying = true;
        try {
          this.newSession = { sessionId: resumeId, ...(await this.conn.agent.request(acp.methods.agent.session.load, { ...base, sessionId: resumeId })) };
        } finally {
          this.replaying = false;
        }
      } else {
        if (resumeId !== undefined) throw new AopError('INVALID_INPUT', 'The agent cannot take up an earlier session (it offers neither session/resume nor session/load).');
        this.newSession = await this.conn.agent.request(acp.methods.agent.session.new, base);
      }
    } catch (err) {
      if (err instanceof acp.RequestError && (err.code === -32000 || /auth/i.test(err.message))) {
        const methods = (this.init?.authMethods ?? []).map((m) => m.name).join(', ');
        throw new AopError(
          'AGENT_FAILED',
          `The agent is not signed in: "${acpErrorText(err)}"${methods ? ` (it offers: ${methods})` : ''}. ${this.opts.signIn ?? 'Run its CLI once in a terminal to sign in, or set its API key.'}`,
          { cause: err, details: { auth: true } },
        );
      }
      throw err;
    }
    const opened = this.newSession!;
    this.sessionId = opened.sessionId;
    if (mode !== undefined) {
      const available = opened.modes?.availableModes.map((m) => m.id) ?? [];
      if (!available.includes(mode)) {
        throw new AopError('INVALID_INPUT', `The agent has no approval mode "${mode}"; it offers: ${available.join(', ') || 'none'}. Change the provider's approvalMode setting.`);
      }
      if (opened.modes?.currentModeId !== mode) {
        await this.conn.agent.request(acp.methods.agent.session.setMode, { sessionId: this.sessionId, modeId: mode });
      }
    }
    return this.sessionId;
  }

  /** One prompt turn; resolves with the agent's response (its acknowledgement). One at a time. */
  prompt(text: string): Promise<acp.PromptResponse> {
    if (!this.sessionId) throw new AopError('CONFLICT', 'No ACP session yet.');
    if (this.turn) throw new AopError('BUSY', 'A prompt turn is already running; wait for it to end or cancel it.');
    const turn = this.conn.agent.request(acp.methods.agent.session.prompt, { sessionId: this.sessionId, prompt: [{ type: 'text', text }] });
    this.turn = turn;
    const done = () => {
      if (this.turn === turn) this.turn = undefined;
    };
    turn.then(
      (r) => {
        done();
        const usage = (r as { usage?: { inputTokens?: number; outputTokens?: number } | null }).usage;
        // Gemini CLI puts the turn's tokens in _meta instead of the (newer) usage field.
        const meta = (r._meta as { quota?: { token_count?: { input_tokens?: number; output_tokens?: number } } } | null | undefined)?.quota?.token_count;
        if (usage) this.opts.onUsage({ inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 });
        else if (meta) this.opts.onUsage({ inputTokens: meta.input_tokens ?? 0, outputTokens: meta.output_tokens ?? 0 });
      },
      done,
    );
    return turn;
  }

  /** Ends the current turn (the agent answers it with stopReason 'cancelled'). */
  async cancel(): Promise<void> {
    if (this.sessionId) await this.conn.agent.notify(acp.methods.agent.session.cancel, { sessionId: this.sessionId });
  }

  /** While paused, requests from the agent wait here; SIGSTOP holds the process itself. */
  setPaused(paused: boolean): void {
    if (paused && !this.gate) this.gate = deferred<void>();
    if (!paused && this.gate) {
      this.gate.resolve();
      this.gate = undefined;
    }
  }

  close(): void {
    this.setPaused(false);
    this.conn.close();
  }

  private async held(): Promise<void> {
    while (this.gate) await this.gate.promise;
  }

  private log(e: EventInput): void {
    this.opts.host.log(e);
  }

  private async write(agentPath: string, content: string): Promise<void> {
    let rel: string;
    try {
      rel = agentPathToRel(this.opts.worktree, agentPath);
    } catch (err) {
      this.log({ t: 'agent.update', kind: 'fs.write', data: { path: agentPath, allowed: false, reason: errorMessage(err) } });
      throw new acp.RequestError(-32602, errorMessage(err));
    }
    const verdict = (await this.opts.host.guardWrite?.(rel, content)) ?? { allow: true };
    if (!verdict.allow) {
      const reason = verdict.reason ?? 'refused by the plan';
      this.log({ t: 'agent.update', kind: 'fs.write', data: { path: rel, allowed: false, reason } });
      throw new acp.RequestError(-32602, `Write to ${rel} refused: ${reason}`);
    }
    try {
      await writeInside(this.opts.worktree, rel, content);
    } catch (err) {
      this.log({ t: 'agent.update', kind: 'fs.write', data: { path: rel, allowed: false, reason: errorMessage(err) } });
      throw new acp.RequestError(-32602, errorMessage(err));
    }
    this.log({ t: 'agent.update', kind: 'fs.write', data: { path: rel, allowed: true, bytes: Buffer.byteLength(content) } });
  }

  private async permission(params: acp.RequestPermissionRequest): Promise<acp.RequestPermissionResponse> {
    const query = permissionQuery(this.opts.featureId, this.opts.worktree, params);
    const outcome = await decide(this.opts.host, query, params.options, this.opts.askTimeoutMs);
    const tool = query.kind ? `${query.kind}: ${query.title}` : query.title;
    const where = query.paths[0] ?? query.outsidePaths[0];
    if (outcome.policy === 'ask') {
      this.log({ t: 'agent.permission', tool, decision: 'ask', reason: 'plan policy', ...(where ? { path: where } : {}) });
    }
    this.log({ t: 'agent.permission', tool, decision: outcome.decision, reason: outcome.reason, ...(where ? { path: where } : {}) });
    if (outcome.refusal) this.opts.onRefused?.(tool, outcome.refusal);
    return outcome.response;
  }

  private update(u: acp.SessionUpdate): void {
    if (this.replaying) return;
    if (u.sessionUpdate === 'agent_message_chunk' || u.sessionUpdate === 'tool_call' || u.sessionUpdate === 'tool_call_update' || u.sessionUpdate === 'agent_thought_chunk' || u.sessionUpdate === 'plan') {
      this.opts.onProgress?.();
    }
    switch (u.sessionUpdate) {
      case 'agent_message_chunk':
        if (u.content.type === 'text') this.opts.onText(u.content.text);
        return;
      case 'agent_thought_chunk':
      case 'user_message_chunk':
        return;
      case 'usage_update': {
        const cost = u.cost && u.cost.currency.toUpperCase() === 'USD' ? u.cost.amount : undefined;
        this.log({ t: 'agent.update', kind: 'usage_update', data: { used: u.used, size: u.size, ...(u.cost ? { cost: u.cost } : {}) } });
        this.opts.onUsage({ ...(cost !== undefined ? { costUsd: cost, cumulative: true } : {}), context: { used: u.used, size: u.size } });
        return;
      }
      default: {
        const { sessionUpdate, ...rest } = u;
        this.log({ t: 'agent.update', kind: sessionUpdate, data: compact(rest) });
      }
    }
  }
}

/** An ACP error in words, with the details agents put in its data (Gemini: "Internal error" + why). */
export function acpErrorText(err: unknown): string {
  if (!(err instanceof acp.RequestError)) return errorMessage(err);
  const data = err.data as { details?: unknown } | string | undefined;
  const details = typeof data === 'string' ? data : typeof data?.details === 'string' ? data.details : undefined;
  return details && !err.message.includes(details) ? `${err.message}: ${details}` : err.message;
}

/** Keeps a recorded update small: large payloads (whole file diffs) are cut, with a note. */
export function compact(data: unknown): unknown {
  const json = JSON.stringify(data) ?? 'null';
  if (json.length <= MAX_UPDATE_JSON) return data;
  return { truncated: true, bytes: json.length, preview: json.slice(0, MAX_UPDATE_JSON) };
}
