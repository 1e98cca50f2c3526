/**
 * The watchdog's batching: paths gather until the writer is quiet for `quietMs` (but never longer
 * than `maxWaitMs`), then go out as one batch; deliveries never overlap, and paths that fall due
 * while one is in flight are handed to `onWaiting` at once. Apart from the Watchdog, which turns
 * the backend's raw events into paths and knows nothing of timers.
 */
import { errorMessage } from '../util/errors';
import { safely } from './safely';

export type ChangeKind = 'created' | 'modified' | 'deleted';

export interface WatchBatch {
  /** Worktree-relative paths in git's form ('/'), with the last known kind of change. */
  paths: Map<string, ChangeKind>;
  firstEventAt: number;
  lastEventAt: number;
  /** Raw events folded into this batch. */
  count: number;
  /** Paths already handed to onWaiting and unchanged since (their quick checks are done). */
  early?: ReadonlySet<string>;
}

export interface WatchBatcherOptions {
  quietMs?: number;
  maxWaitMs?: number;
  onBatch(batch: WatchBatch): void | Promise<void>;
  onWaiting?(paths: string[]): void;
  /** A delivery failed: its paths are lost unless the owner rescans. */
  onLost(reason: string): void;
  /** Counted here, reported in the watchdog's stats. */
  counters: { batchesEmitted: number; pathsEmitted: number };
}

export class WatchBatcher {
  private quietMs: number;
  private maxWaitMs: number;
  private pending = new Map<string, ChangeKind>();
  /** Pending paths already handed to onWaiting, unchanged since. */
  private early = new Set<string>();
  private firstAt = 0;
  private lastAt = 0;
  private count = 0;
  private quietTimer: NodeJS.Timeout | undefined;
  private maxTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** A timer fired while a delivery was in flight. */
  private due = false;
  private closed = false;

  constructor(private readonly opts: WatchBatcherOptions) {
    this.quietMs = opts.quietMs ?? 150;
    this.maxWaitMs = Math.max(opts.maxWaitMs ?? 1000, this.quietMs);
  }

  /** The batching pace now (see setPace). */
  get pace(): { quietMs: number; maxWaitMs: number } {
    return { quietMs: this.quietMs, maxWaitMs: this.maxWaitMs };
  }

  /**
   * Changes how long events gather before a batch (coarser while checkpoints run over their
   * budget). Applies from the next event; a batch already gathering keeps its deadline.
   */
  setPace(quietMs: number, maxWaitMs: number): void {
    this.quietMs = quietMs;
    this.maxWaitMs = Math.max(maxWaitMs, quietMs);
  }

  /** Folds one event into the batch gathering; call schedule() after a group of them. */
  add(rel: string, next: ChangeKind, now: number): void {
    this.early.delete(rel);
    const prev = this.pending.get(rel);
    // A path created and then modified within one batch is still news of a creation.
    this.pending.set(rel, prev === 'created' && next === 'modified' ? 'created' : next);
    if (this.count === 0) this.firstAt = now;
    this.lastAt = now;
    this.count++;
  }

  schedule(now: number): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(this.onTimer, this.quietMs);
    this.maxTimer ??= setTimeout(this.onTimer, Math.max(0, this.firstAt + this.maxWaitMs - now));
  }

  /** Delivers the pending batch now; resolves once it (and any delivery in flight) was handled. */
  async flush(): Promise<void> {
    this.clearTimers();
    while (this.inFlight) await this.inFlight;
    if (this.closed || this.pending.size === 0) return;
    this.deliver();
    while (this.inFlight) await this.inFlight;
  }

  /** Drops what is pending, undelivered; nothing is delivered after this. */
  close(): void {
    this.closed = true;
    this.clearTimers();
    this.pending = new Map();
    this.early = new Set();
  }

  private readonly onTimer = (): void => {
    this.clearTimers();
    if (this.inFlight) {
      this.due = true;
      this.handWaiting();
    } else this.deliver();
  };

  private handWaiting(): void {
    const onWaiting = this.opts.onWaiting;
    if (!onWaiting) return;
    const fresh = [...this.pending.keys()].filter((p) => !this.early.has(p));
    if (fresh.length === 0) return;
    for (const p of fresh) this.early.add(p);
    safely('onWaiting', () => onWaiting(fresh));
  }

  private clearTimers(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    if (this.maxTimer) clearTimeout(this.maxTimer);
    this.quietTimer = this.maxTimer = undefined;
  }

  private deliver(): void {
    if (this.closed || this.pending.size === 0) return;
    const batch: WatchBatch = { paths: this.pending, firstEventAt: this.firstAt, lastEventAt: this.lastAt, count: this.count };
    if (this.early.size > 0) batch.early = this.early;
    this.pending = new Map();
    this.early = new Set();
    this.count = 0;
    this.due = false;
    this.clearTimers();
    this.opts.counters.batchesEmitted++;
    this.opts.counters.pathsEmitted += batch.paths.size;
    const run = async (): Promise<void> => {
      try {
        await this.opts.onBatch(batch);
      } catch (err) {
        // The consumer could not take these paths; only a rescan can make up for them now.
        this.opts.onLost(`a batch of ${batch.paths.size} changed paths could not be processed: ${errorMessage(err)}`);
      }
    };
    const flight = run().finally(() => {
      this.inFlight = undefined;
      if (this.due) this.deliver();
    });
    this.inFlight = flight;
  }
}
