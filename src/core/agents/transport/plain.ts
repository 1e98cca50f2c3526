/**
 * Plain CLIs: the prompt goes to stdin (or a file, or one stream-json line), messages go to
 * stdin when the CLI reads them there, and the provider's `parseLine` recognises acks, usage
 * and turn ends in stdout.
 */
import { plainCapabilities } from '../detect';
import type { MessageChannel } from '../messages';
import type { OutputLine } from '../output';
import type { LineSignal } from '../providers';
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

  constructor(private readonly ctx: TransportContext) {}

  get capabilities(): AgentCapabilities | undefined {
    return this.caps;
  }

  async prepare(exe: ResolvedCommand, env: Record<string, string>, sandboxed: boolean): Promise<void> {
    this.caps = await plainCapabilities(this.ctx.plan, exe, env, sandboxed);
  }

  begin(): Promise<void> {
    const { sup, plan, prompt, queue } = this.ctx;
    const stdin = sup.stdin!;
    if (plan.promptVia === 'stdin') stdin.write(prompt.endsWith('\n') ? prompt : `${prompt}\n`);
    if (plan.promptVia === 'stream-json' && plan.formatMessage) {
      stdin.write(`${plan.formatMessage('prompt', prompt)}\n`);
      this.promptUnanswered = true;
    }
    this.ctx.log({ t: 'agent.update', kind: 'capabilities', data: this.caps });
    sup.transition('running', 'started');
    this.began = true;
    this.turns = 1;
    if (this.caps?.messageChannel === 'stdin' && plan.formatMessage) {
      const format = plan.formatMessage;
      const channel: MessageChannel = {
        kind: 'stdin',
        ready: () => sup.state === 'running',
        deliver: (m) =>
          new Promise<void>((resolve, reject) => {
            if (!stdin.writable) return reject(new Error('the agent closed its input'));
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
    if (line.stream !== 'stdout' || !plan.parseLine) return undefined;
    let sig: LineSignal | undefined;
    try {
      sig = plan.parseLine(line.text);
    } catch {
      return undefined;
    }
    if (!sig) return undefined;
    if (sig.ack !== undefined) queue.ack(sig.ack, 'acknowledged by the agent');
    if (sig.ackOldest) {
      // Turns are answered in order; the first answer is for the prompt, not for a message.
      if (this.promptUnanswered) this.promptUnanswered = false;
      else queue.ackOldest('the agent finished its turn');
    }
    for (const u of sig.usage === undefined ? [] : Array.isArray(sig.usage) ? sig.usage : [sig.usage]) usage.report(u);
    if (sig.turnEnd !== undefined) {
      const turn = this.turns++;
      turnEnded.fire({ turn, stopReason: sig.turnEnd });
    }
    if (sig.display === undefined) return undefined;
    return sig.display === null ? null : sig.display.map((text) => ({ stream: 'stdout' as const, text }));
  }

  ended(): void {
    if (this.began) this.ctx.turnEnded.fire({ turn: this.turns, stopReason: 'exited' });
  }
}
