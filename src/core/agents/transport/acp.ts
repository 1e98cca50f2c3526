/**
 * ACP agents: JSON-RPC over the process's stdio. The handshake (initialize, session/new) runs
 * under a deadline; then the prompt is the first turn and each message is a turn of its own.
 */
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';
import { AopError } from '../../util/errors';
import { AcpClient, acpErrorText } from '../acpClient';
import { commandSetting } from '../config';
import { acpCapabilities } from '../detect';
import type { AgentCapabilities } from '../types';
import { isTerminal } from '../states';
import type { AgentTransport, TransportContext } from './types';

export class AcpTransport implements AgentTransport {
  readonly kind = 'acp';
  private client: AcpClient | undefined;
  private caps: AgentCapabilities | undefined;
  private sandboxed = false;
  private turns = 0;

  constructor(private readonly ctx: TransportContext) {}

  get capabilities(): AgentCapabilities | undefined {
    return this.caps;
  }

  prepare(_exe: unknown, _env: unknown, sandboxed: boolean): Promise<void> {
    this.sandboxed = sandboxed;
    return Promise.resolve();
  }

  async begin(): Promise<void> {
    const { sup, config, queue } = this.ctx;
    const stream = acp.ndJsonStream(Writable.toWeb(sup.stdin!), Readable.toWeb(sup.stdout!) as ReadableStream<Uint8Array>);
    const client = new AcpClient(stream, {
      featureId: this.ctx.featureId,
      worktree: this.ctx.worktree,
      host: this.ctx.host,
      onText: (t) => this.ctx.agentText.push(t),
      onUsage: (u) => this.ctx.usage.report(u),
      askTimeoutMs: config.askTimeoutMs,
      clientVersion: this.ctx.clientVersion,
      signIn: this.ctx.provider.signIn,
      onProgress: () => this.ctx.progress(),
      // ACP's "reject" carries no reason: the agent hears it in a message of its own, next turn.
      onRefused: (tool, reason) => void queue.send(`The orchestrator refused your tool call (${tool}) before it ran: ${reason} Nothing was written. Do not retry it; go on with the rest of the task within the plan.`, 'system'),
    });
    this.client = client;
    const init = await this.handshake(client.initialize(), 'initialize');
    this.caps = acpCapabilities(init, true, this.sandboxed);
    const { resume } = this.ctx;
    let prompt = this.ctx.prompt;
    let sessionId: string;
    try {
      sessionId = await this.handshake(client.startSession(this.ctx.plan.acpMode, resume?.sessionId), resume ? 'session/load' : 'session/new');
      if (resume) prompt = resume.prompt;
    } catch (err) {
      // An earlier conversation that cannot be loaded is no reason not to work: start anew.
      if (!resume || !(err instanceof acp.RequestError) || sup.state !== 'starting') throw err;
      this.ctx.log({ t: 'warning', message: `${this.ctx.provider.label} could not take up its earlier conversation (${acpErrorText(err)}); it starts anew from the spec.` });
      sessionId = await this.handshake(client.startSession(this.ctx.plan.acpMode), 'session/new');
    }
    this.ctx.sessionStarted(sessionId);
    this.ctx.log({ t: 'agent.update', kind: 'capabilities', data: this.caps });
    if (sup.state !== 'starting') return;
    sup.transition('running', 'ACP session ready');
    this.runTurn(prompt);
    queue.setChannel({
      kind: 'acp',
      ready: () => sup.state === 'running' && !client.inTurn,
      deliver: async (m) => this.runTurn(m.text, m.id),
    });
  }

  setPaused(paused: boolean): void {
    this.client?.setPaused(paused);
  }

  async cancelTurn(): Promise<void> {
    await this.client?.cancel();
  }

  filterLine(): undefined {
    return undefined; // stdout is the JSON-RPC stream, never shown as lines
  }

  ended(): void {
    this.client?.close();
  }

  /** Waits for a handshake step, failing if it takes too long or the agent dies meanwhile. */
  private async handshake<T>(step: Promise<T>, what: string): Promise<T> {
    const { sup } = this.ctx;
    const ms = this.ctx.config.handshakeTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new AopError(
      'AGENT_FAILED',
      `The agent did not answer ACP ${what} within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`}. Is "${this.ctx.plan.command}" an ACP agent? Check ${commandSetting(this.ctx.provider.id)}.`,
    );
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut), ms);
    });
    const died = sup.exited.then(() => {
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
        Promise.all([sup.exited, sup.drained]).then(([x]) => x),
        new Promise<undefined>((r) => (bound = setTimeout(() => r(undefined), 2000))),
      ]);
      clearTimeout(bound);
      if (!exit) throw err;
      const tail = sup.recentOutput().slice(-5).map((l) => l.text).join(' | ');
      throw new AopError('AGENT_FAILED', this.ctx.explain(`The agent exited during ACP ${what} (${exit.reason})${tail ? `: ${tail}` : ''}`), { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private runTurn(text: string, messageId?: string): void {
    const client = this.client!;
    const { queue, turnEnded, agentText } = this.ctx;
    const turn = ++this.turns;
    const answer = client.prompt(text);
    answer.then(
      (r) => {
        agentText.end();
        this.ctx.log({ t: 'agent.update', kind: 'turn.end', data: { turn, stopReason: r.stopReason, ...(messageId ? { messageId } : {}) } });
        if (messageId) queue.ack(messageId, `answered: ${r.stopReason}`);
        turnEnded.fire({ turn, stopReason: r.stopReason, ...(messageId ? { messageId } : {}) });
        queue.pump();
      },
      (err: unknown) => {
        agentText.end();
        const error = acpErrorText(err);
        // The very first turn failing before the model said anything: the agent cannot begin.
        if (turn === 1 && !messageId && !client.isClosed && this.ctx.turnFailed(error)) return;
        // A closed connection means the agent is going away: the session's end reports the
        // message undelivered. Any other error answer is a failed delivery, retried.
        if (messageId && !client.isClosed) queue.fail(messageId, error);
        else if (!isTerminal(this.ctx.sup.state)) this.ctx.log({ t: 'warning', message: `The agent's prompt turn failed: ${error}` });
        turnEnded.fire({ turn, stopReason: 'error', error, ...(messageId ? { messageId } : {}) });
        queue.pump();
      },
    );
  }
}
