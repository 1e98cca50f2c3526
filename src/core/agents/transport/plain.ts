/**
 * Plain CLIs: the prompt goes to stdin (or a file, or one stream-json line), messages go to
 * stdin when the CLI reads them there, and the provider's `parseLine` recognises acks, usage,
 * turn ends, failures and permission requests in stdout. A permission request (Claude's
 * `can_use_tool`) is decided by the plan, like an ACP one, and answered on stdin with the reason.
 */
import { errorMessage } from '../../util/errors';
import { plainCapabilities } from '../detect';
import type { MessageChannel } from '../messages';
import type { OutputLine } from '../output';
import { decide, plainPermissionQuery } from '../permissions';
import type { LineSignal, PlainPermissionRequest } from '../providers';
import type { ResolvedCommand } from '../resolveCommand';
import type { AgentCapabilities } from '../types';
import type { AgentTransport, TransportContext } from './types';

export class PlainTransport implements AgentTransport {
  readonly kind = 'plain';
  private caps: AgentCapabilities | undefined;
  private turns = 0;
  /** Started: the process ran, so its exit ends a turn. */
  private began = false;
  /** A stream-json prompt's answer is the first turn end, which acknowledges no message. */
  private promptUnanswered = false;
  /** A turn is running (tracked for CLIs that take messages only between turns). */
  private busy = false;
  /** Messages handed over inside the prompt, acknowledged when the first turn ends. */
  private readonly inPrompt: string[] = [];

  constructor(private readonly ctx: TransportContext) {}

  get capabilities(): AgentCapabilities | undefined {
    return this.caps;
  }

  async prepare(exe: ResolvedCommand, env: Record<string, string>, sandboxed: boolean): Promise<void> {
    this.caps = await plainCapabilities(this.ctx.plan, exe, env, sandboxed);
  }

  begin(): Promise<void> {
    const { sup, plan, queue } = this.ctx;
    const stdin = sup.stdin!;
    const prompt = plan.promptVia === 'stdin' && plan.messageChannel === 'none' ? this.withWaitingMessages(this.ctx.prompt) : this.ctx.prompt;
    if (plan.promptVia === 'stdin') stdin.write(prompt.endsWith('\n') ? prompt : `${prompt}\n`);
    if (plan.promptVia === 'stream-json' && plan.formatMessage) {
      stdin.write(`${plan.formatMessage('prompt', prompt)}\n`);
      this.promptUnanswered = true;
      this.busy = true;
    }
    this.ctx.log({ t: 'agent.update', kind: 'capabilities', data: this.caps });
    sup.transition('running', 'started');
    this.began = true;
    this.turns = 1;
    if (this.caps?.messageChannel === 'stdin' && plan.formatMessage) {
      const format = plan.formatMessage;
      const channel: MessageChannel = {
        kind: 'stdin',
        ready: () => sup.state === 'running' && !(plan.messagesBetweenTurns && this.busy),
        deliver: (m) =>
          new Promise<void>((resolve, reject) => {
            if (!stdin.writable) return reject(new Error('the agent closed its input'));
            if (plan.messagesBetweenTurns) this.busy = true;
            stdin.write(`${format(m.id, m.text)}\n`, (err) => (err ? reject(err) : resolve()));
          }),
        ackTimeoutMs: this.ctx.config.messages.ackTimeoutMs,
      };
      queue.setChannel(channel);
    } else {
      // No message channel: stdin ends after the prompt (messages wait for the next session).
      stdin.end();
    }
    return Promise.resolve();
  }

  setPaused(): void {
    // Nothing to hold: SIGSTOP (the supervisor's) is all a plain CLI gets.
  }

  cancelTurn(): Promise<void> {
    return Promise.resolve();
  }

  filterLine(line: OutputLine): OutputLine[] | null | undefined {
    const { plan, queue, usage, turnEnded } = this.ctx;
    if (line.stream !== 'stdout') return undefined;
    if (!plan.parseLine) {
      // No structured output to read: any output at all is the only sign of work there is.
      this.ctx.progress();
      return undefined;
    }
    let sig: LineSignal | undefined;
    try {
      sig = plan.parseLine(line.text);
    } catch {
      return undefined;
    }
    if (!sig) return undefined;
    if (sig.sessionId !== undefined) this.ctx.sessionStarted(sig.sessionId);
    if (sig.progress) this.ctx.progress();
    if (sig.permission) void this.answer(sig.permission);
    if (sig.failure !== undefined && this.ctx.turnFailed(sig.failure)) return sig.display === undefined ? undefined : sig.display === null ? null : sig.display.map((text) => ({ stream: 'stdout' as const, text }));
    if (sig.ack !== undefined) queue.ack(sig.ack, 'acknowledged by the agent');
    if (sig.ackOldest) {
      // Turns are answered in order; the first answer is for the prompt, not for a message.
      if (this.promptUnanswered) this.promptUnanswered = false;
      else queue.ackOldest('the agent finished its turn');
    }
    for (const u of sig.usage === undefined ? [] : Array.isArray(sig.usage) ? sig.usage : [sig.usage]) usage.report(u);
    if (sig.turnEnd !== undefined) {
      const turn = this.turns++;
      this.busy = false;
      // Messages folded into the prompt are answered by the first turn.
      for (const id of this.inPrompt.splice(0)) queue.ack(id, 'answered with the prompt');
      turnEnded.fire({ turn, stopReason: sig.turnEnd });
      queue.pump();
    }
    if (sig.display === undefined) return undefined;
    return sig.display === null ? null : sig.display.map((text) => ({ stream: 'stdout' as const, text }));
  }

  ended(): void {
    if (this.began) this.ctx.turnEnded.fire({ turn: this.turns, stopReason: 'exited' });
  }

  /**
   * A CLI that reads no input while it runs can still hear messages left waiting (sent while an
   * earlier session ran, or between sessions): they go at the end of its prompt.
   */
  private withWaitingMessages(prompt: string): string {
    const texts: string[] = [];
    this.ctx.queue.setChannel({
      kind: 'prompt',
      ready: () => true,
      deliver: (m) => {
        texts.push(m.text);
        this.inPrompt.push(m.id);
        return Promise.resolve();
      },
    });
    this.ctx.queue.setChannel(undefined);
    if (texts.length === 0) return prompt;
    return `${prompt.trimEnd()}\n\nMessages from the person supervising you, sent while you were not running:\n${texts.map((t) => `- ${t}`).join('\n')}\n`;
  }

  /** Decides a tool call the CLI asks about and writes the answer where it waits for it. */
  private async answer(req: PlainPermissionRequest): Promise<void> {
    const { plan, host, sup, featureId, worktree, config } = this.ctx;
    if (!plan.formatPermissionReply) return;
    const query = plainPermissionQuery(featureId, worktree, req);
    let allow = false;
    let reason: string;
    try {
      const outcome = await decide(host, query, [], config.askTimeoutMs);
      allow = outcome.decision === 'allow';
      reason = outcome.refusal ?? outcome.reason;
      const tool = `${query.kind ?? 'other'}: ${query.title}`;
      const where = query.paths[0] ?? query.outsidePaths[0];
      if (outcome.policy === 'ask') this.ctx.log({ t: 'agent.permission', tool, decision: 'ask', reason: 'plan policy', ...(where ? { path: where } : {}) });
      this.ctx.log({ t: 'agent.permission', tool, decision: outcome.decision, reason: outcome.reason, ...(where ? { path: where } : {}) });
    } catch (err) {
      reason = `the orchestrator could not decide: ${errorMessage(err)}`;
    }
    const text = allow ? 'allowed' : `The orchestrator refused this tool call before it ran: ${reason} Nothing was written. Do not retry it; go on with the rest of the task within the plan.`;
    const stdin = sup.stdin;
    if (stdin?.writable) stdin.write(`${plan.formatPermissionReply(req, allow, text)}\n`);
  }
}
