/**
 * Messages to an agent are never fire-and-forget. Each one is `queued` with an id, `delivered`
 * by the best channel the agent has (an ACP prompt turn, or a stdin line), and then either
 * `acknowledged` (the ACP response; an `ACK <id>` line) or, after its retries, `undelivered`.
 * Every change is a `message` event, so what is still pending can be rebuilt from the log after
 * a restart (`pendingFromEvents`). Nothing is dropped: a message with no channel stays queued
 * for the next session.
 */
import { randomBytes } from 'node:crypto';
import type { AopEvent, EventInput } from '../events/schema';
import { Emitter } from '../util/emitter';
import { errorMessage } from '../util/errors';

export type MessageState = 'queued' | 'delivered' | 'acknowledged' | 'undelivered';
export type MessageSender = 'user' | 'system' | 'agent';

export interface MessageRecord {
  id: string;
  text: string;
  from: MessageSender;
  state: MessageState;
  /** Deliveries so far. */
  attempt: number;
  reason?: string;
}

/** How the session hands a message to the agent. */
export interface MessageChannel {
  /** `prompt`: folded into the first prompt of a CLI that reads no input while it runs. */
  kind: 'acp' | 'stdin' | 'prompt';
  /** Whether a delivery may start now (not paused; for ACP, no turn running). */
  ready(): boolean;
  /**
   * Hands the message over. Resolves once it is sent; rejects when it could not be. The
   * acknowledgement arrives later through `ack()` (or `fail()` for an ACP error answer).
   */
  deliver(msg: MessageRecord): Promise<void>;
  /** Time to wait for an acknowledgement before sending again; undefined waits for the answer (ACP). */
  ackTimeoutMs?: number;
}

export interface MessageQueueOptions {
  log(e: EventInput): void;
  maxAttempts: number;
}

export class MessageQueue {
  private readonly records = new Map<string, MessageRecord>();
  private readonly order: string[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private channel: MessageChannel | undefined;
  private pumping = false;
  private readonly changed = new Emitter<MessageRecord>();
  readonly onChange = this.changed.event;

  constructor(private readonly opts: MessageQueueOptions) {}

  /** Sets (or clears) the delivery channel and tries to deliver what waits. */
  setChannel(channel: MessageChannel | undefined): void {
    this.channel = channel;
    this.pump();
  }

  send(text: string, from: MessageSender = 'user'): MessageRecord {
    const rec: MessageRecord = { id: `m-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`, text, from, state: 'queued', attempt: 0 };
    this.add(rec);
    this.record(rec, 'queued', undefined, true);
    this.pump();
    return { ...rec };
  }

  /** Re-queues messages left pending by an earlier session (from `pendingFromEvents`). */
  restore(pending: readonly PendingMessage[]): void {
    for (const p of pending) {
      if (this.records.has(p.id)) continue;
      const rec: MessageRecord = { id: p.id, text: p.text, from: p.from, state: 'queued', attempt: 0 };
      this.add(rec);
      this.record(rec, 'queued', 'restored from an earlier session', true);
    }
    this.pump();
  }

  get(id: string): MessageRecord | undefined {
    const r = this.records.get(id);
    return r ? { ...r } : undefined;
  }

  /** Messages not yet acknowledged or given up on, oldest first. */
  pending(): MessageRecord[] {
    return this.order.map((id) => this.records.get(id)!).filter((r) => r.state === 'queued' || r.state === 'delivered').map((r) => ({ ...r }));
  }

  all(): MessageRecord[] {
    return this.order.map((id) => ({ ...this.records.get(id)! }));
  }

  /** The agent acknowledged `id`. Unknown or settled ids are ignored (a late duplicate ACK). */
  ack(id: string, reason?: string): boolean {
    const rec = this.records.get(id);
    if (!rec || rec.state !== 'delivered') return false;
    this.clearTimer(id);
    this.record(rec, 'acknowledged', reason);
    this.pump();
    return true;
  }

  /** Acknowledges the oldest delivered message (for agents whose protocol has no ids). */
  ackOldest(reason?: string): boolean {
    const rec = this.order.map((id) => this.records.get(id)!).find((r) => r.state === 'delivered');
    return rec ? this.ack(rec.id, reason) : false;
  }

  /** A delivery failed (an error answer, a broken pipe): send again, or give up after the last attempt. */
  fail(id: string, reason: string): void {
    const rec = this.records.get(id);
    if (!rec || (rec.state !== 'delivered' && rec.state !== 'queued')) return;
    this.clearTimer(id);
    if (rec.attempt >= this.opts.maxAttempts) {
      this.record(rec, 'undelivered', `${reason}; gave up after ${rec.attempt} attempts`);
    } else {
      rec.state = 'queued';
      rec.reason = reason;
    }
    this.pump();
  }

  /**
   * The session ended. Delivered-but-unacknowledged messages are reported undelivered (the
   * agent may never have read them); queued ones stay queued for the next session.
   */
  sessionEnded(reason: string): void {
    this.channel = undefined;
    for (const id of this.order) {
      const rec = this.records.get(id)!;
      this.clearTimer(id);
      if (rec.state === 'delivered') this.record(rec, 'undelivered', reason);
    }
  }

  dispose(): void {
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
    this.changed.dispose();
  }

  /** Delivers queued messages in order, as far as the channel allows. */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (const id of this.order) {
        const ch = this.channel;
        if (!ch || !ch.ready()) return;
        const rec = this.records.get(id)!;
        if (rec.state !== 'queued') continue;
        this.deliver(rec, ch);
        // ACP takes one prompt turn at a time: ready() turns false until this one is answered.
      }
    } finally {
      this.pumping = false;
    }
  }

  private deliver(rec: MessageRecord, ch: MessageChannel): void {
    rec.attempt++;
    this.record(rec, 'delivered', `via ${ch.kind}`);
    if (ch.ackTimeoutMs !== undefined) {
      const timer = setTimeout(() => {
        this.timers.delete(rec.id);
        if (rec.state === 'delivered') this.fail(rec.id, `no acknowledgement within ${ch.ackTimeoutMs} ms`);
      }, ch.ackTimeoutMs);
      timer.unref?.();
      this.timers.set(rec.id, timer);
    }
    ch.deliver({ ...rec }).catch((err: unknown) => this.fail(rec.id, `could not deliver: ${errorMessage(err)}`));
  }

  private add(rec: MessageRecord): void {
    this.records.set(rec.id, rec);
    this.order.push(rec.id);
  }

  private clearTimer(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
  }

  private record(rec: MessageRecord, state: MessageState, reason?: string, withText = false): void {
    rec.state = state;
    rec.reason = reason;
    this.opts.log({
      t: 'message',
      id: rec.id,
      state,
      from: rec.from,
      ...(withText ? { text: rec.text } : {}),
      ...(rec.attempt > 0 ? { attempt: rec.attempt } : {}),
      ...(reason !== undefined ? { reason } : {}),
    });
    this.changed.fire({ ...rec });
  }
}

export interface PendingMessage {
  id: string;
  text: string;
  from: MessageSender;
  state: 'queued' | 'delivered';
  attempt: number;
}

/**
 * Messages still pending according to a feature's event log, oldest first: queued or delivered,
 * never acknowledged or given up on. Pure, for restart recovery.
 */
export function pendingFromEvents(events: readonly (AopEvent | EventInput)[]): PendingMessage[] {
  const byId = new Map<string, PendingMessage & { settled: boolean }>();
  for (const e of events) {
    if (e.t !== 'message') continue;
    let m = byId.get(e.id);
    if (!m) {
      if (e.text === undefined) continue; // we never saw it queued: nothing to restore
      m = { id: e.id, text: e.text, from: e.from ?? 'user', state: 'queued', attempt: 0, settled: false };
      byId.set(e.id, m);
    }
    if (e.text !== undefined) m.text = e.text;
    if (e.attempt !== undefined) m.attempt = e.attempt;
    if (e.state === 'acknowledged' || e.state === 'undelivered') m.settled = true;
    else {
      m.settled = false;
      m.state = e.state;
    }
  }
  return [...byId.values()].filter((m) => !m.settled).map(({ settled: _settled, ...m }) => m);
}
