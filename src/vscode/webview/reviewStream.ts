/**
 * What the review panel shows, kept current: a snapshot on every `ready` (first load, or a
 * reload after the panel was hidden), then live updates coalesced over a short window. Changes
 * that arrive while the snapshot is being read are held and merged into it, so none fall in
 * the gap; nothing streams onto a panel that missed a change until it reloads.
 */
import type { AopEvent, AopEventType } from '../../core/events';
import type { CheckpointRecord } from '../../core/model';
import { errorMessage } from '../../core/util';
import { applyMessageEvent, checkpointSummary, checkpointSummaryFromEvent, eventView, rollbackView } from '../../shared/buildViews';
import { LIMITS } from '../../shared/limits';
import { MAX_THREADS, type ReviewThread } from '../../shared/review';
import { PROTOCOL_VERSION, type HostToWebview, type Update } from '../../shared/protocol';
import type { CheckpointSummary, EventView, GatesView, MessageView, RollbackView, Snapshot } from '../../shared/viewModels';
import type { FeatureRef } from '../../shared/featureKey';
import type { PanelLogger, ReviewChange, ReviewDataSource } from './ports';

const CONVERSATION_TYPES: AopEventType[] = ['message', 'rollback'];

interface Pending {
  feature: boolean;
  gates: boolean;
  threads: boolean;
  checkpoints: Map<number, CheckpointSummary>;
  messages: Map<string, MessageView>;
  rollbacks: RollbackView[];
  log: EventView[];
}

export interface ReviewStreamOptions {
  feature: FeatureRef;
  data: ReviewDataSource;
  /** Posts one message (validated); false when it was not sent. */
  post(msg: HostToWebview): boolean;
  log: PanelLogger;
  /** Live changes within this window go out as one update. */
  coalesceMs: number;
}

export class ReviewStream {
  private readonly label: string;
  /** True once a snapshot went out after the last `ready`; live updates only flow then. */
  private live = false;
  /** Changes received while a snapshot is being read. */
  private held: ReviewChange[] | undefined;
  private generation = 0;
  private nextEventNo = 0;
  private conversation = new Map<string, MessageView>();
  private pending: Pending | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(private readonly o: ReviewStreamOptions) {
    this.label = `Review panel ${o.feature.featureId}`;
  }

  /** Log events as the panel numbers them (one sequence for the snapshot, updates and requests). */
  eventViews(events: readonly AopEvent[]): EventView[] {
    return events.map((e) => eventView(e, this.nextEventNo++));
  }

  /** The panel was hidden: its webview is gone until the next `ready`. */
  hidden(): void {
    this.live = false;
    this.held = undefined;
    this.pending = undefined;
    this.generation++;
  }

  /** A posted message failed its schema: the panel lacks a change, so stop streaming onto stale state until it reloads. */
  stale(): void {
    this.live = false;
    this.pending = undefined;
  }

  async snapshot(): Promise<void> {
    const { feature: ref, data } = this.o;
    const featureId = ref.featureId;
    const gen = ++this.generation;
    this.live = false;
    this.pending = undefined;
    this.held = [];
    let snapshot: Snapshot;
    let sourceEvents: AopEvent[];
    try {
      const [feature, records, conversationEvents, logEvents, gates, threads] = await Promise.all([
        data.getFeature(ref),
        data.listCheckpoints(ref),
        data.events(ref, { types: CONVERSATION_TYPES, limit: LIMITS.messages + LIMITS.rollbacks }),
        data.events(ref, { limit: LIMITS.logEvents }),
        this.readGates(),
        this.readThreads(),
      ]);
      if (gen !== this.generation || this.disposed) return;
      this.conversation = new Map();
      const rollbacks: RollbackView[] = [];
      for (const e of conversationEvents) {
        if (e.t === 'message') applyMessageEvent(this.conversation, e);
        else if (e.t === 'rollback') rollbacks.push(rollbackView(e));
      }
      snapshot = {
        feature,
        gates,
        threads,
        checkpoints: records.slice(-LIMITS.checkpoints).map((r: CheckpointRecord) => checkpointSummary(r)),
        messages: [...this.conversation.values()].slice(-LIMITS.messages),
        rollbacks: rollbacks.slice(-LIMITS.rollbacks),
        log: this.eventViews(logEvents.slice(-LIMITS.logEvents)),
      };
      sourceEvents = [...conversationEvents, ...logEvents];
    } catch (err) {
      if (gen !== this.generation || this.disposed) return;
      this.held = undefined;
      this.o.log.error(`${this.label}: could not read the feature: ${errorMessage(err)}`);
      this.o.post({ type: 'unavailable', message: `Feature "${featureId}" cannot be shown: ${errorMessage(err)}`.slice(0, LIMITS.shortText) });
      return;
    }
    const held = this.held ?? [];
    this.held = undefined;
    if (this.o.post({ type: 'snapshot', protocol: PROTOCOL_VERSION, snapshot })) this.live = true;
    // Changes that raced the reads: drop the ones the snapshot already holds, stream the rest.
    const seen = held.length ? eventKeysSince(sourceEvents, held) : new Set<string>();
    for (const c of held) if (!c.event || !seen.has(JSON.stringify(c.event))) this.change(c);
  }

  change(change: ReviewChange): void {
    if (change.featureId !== this.o.feature.featureId || change.repoRoot !== this.o.feature.repoRoot || this.disposed) return;
    if (this.held) {
      this.held.push(change);
      return;
    }
    if (!this.live) return;
    if (!this.pending) this.pending = { feature: false, gates: false, threads: false, checkpoints: new Map(), messages: new Map(), rollbacks: [], log: [] };
    const p = this.pending;
    if (change.feature) p.feature = true;
    if (change.gates) p.gates = true;
    if (change.threads) p.threads = true;
    const ev = change.event;
    if (ev) {
      p.log.push(eventView(ev, this.nextEventNo++));
      if (p.log.length > LIMITS.logEvents) p.log.shift();
      // A new checkpoint is what the gates are judged at now; a gate event is a new result.
      if (ev.t === 'checkpoint' || ev.t === 'gate') p.gates = true;
      if (ev.t === 'checkpoint') p.checkpoints.set(ev.seq, checkpointSummaryFromEvent(ev));
      else if (ev.t === 'message') p.messages.set(ev.id, applyMessageEvent(this.conversation, ev));
      else if (ev.t === 'rollback') p.rollbacks.push(rollbackView(ev));
      else if (ev.t === 'agent.state' || ev.t === 'breaker') p.feature = true;
    }
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.scheduleFlush();
    }, this.o.coalesceMs);
  }

  private scheduleFlush(): void {
    this.flushing = this.flushing.then(() => this.flush()).catch((err: unknown) => this.o.log.error(`${this.label}: live update failed: ${errorMessage(err)}`));
  }

  private async flush(): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    if (!p || !this.live || this.disposed) return;
    const gen = this.generation;
    const update: Update = { type: 'update' };
    if (p.feature) {
      try {
        update.feature = await this.o.data.getFeature(this.o.feature);
      } catch (err) {
        this.o.log.warn(`${this.label}: could not refresh the header: ${errorMessage(err)}`);
      }
      if (gen !== this.generation || !this.live) return;
    }
    if (p.gates) {
      update.gates = await this.readGates();
      if (gen !== this.generation || !this.live) return;
    }
    if (p.threads) {
      update.threads = await this.readThreads();
      if (gen !== this.generation || !this.live) return;
    }
    if (p.checkpoints.size) update.checkpoints = [...p.checkpoints.values()];
    if (p.messages.size) update.messages = [...p.messages.values()];
    if (p.rollbacks.length) update.rollbacks = p.rollbacks;
    if (p.log.length) update.log = p.log;
    if (Object.keys(update).length > 1) this.o.post(update);
  }

  /** The gates, or none when they cannot be read (the rest of the panel still works). */
  private async readGates(): Promise<GatesView> {
    try {
      return await this.o.data.gates(this.o.feature);
    } catch (err) {
      this.o.log.warn(`${this.label}: could not read the gates: ${errorMessage(err)}`);
      return { seq: 0, gates: [] };
    }
  }

  /** The review threads, or none when they cannot be read. */
  private async readThreads(): Promise<ReviewThread[]> {
    try {
      return (await this.o.data.threads(this.o.feature)).slice(-MAX_THREADS * 2);
    } catch (err) {
      this.o.log.warn(`${this.label}: could not read the review threads: ${errorMessage(err)}`);
      return [];
    }
  }

  /** Resolves once queued live updates have been posted (for tests and orderly shutdown). */
  async whenIdle(): Promise<void> {
    while (this.flushTimer !== undefined || this.pending) {
      if (this.flushTimer !== undefined) {
        clearTimeout(this.flushTimer);
        this.flushTimer = undefined;
        this.scheduleFlush();
      }
      await this.flushing;
    }
    await this.flushing;
  }

  dispose(): void {
    this.disposed = true;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }
}

/** JSON keys of the source events at or after the earliest held event, to spot duplicates. */
function eventKeysSince(source: readonly AopEvent[], held: readonly ReviewChange[]): Set<string> {
  const times = held.flatMap((c) => (c.event ? [Date.parse(c.event.ts)] : [])).filter((t) => !Number.isNaN(t));
  const since = times.length ? Math.min(...times) : Number.NEGATIVE_INFINITY;
  const keys = new Set<string>();
  for (const e of source) {
    const t = Date.parse(e.ts);
    if (Number.isNaN(t) || t >= since) keys.add(JSON.stringify(e));
  }
  return keys;
}
