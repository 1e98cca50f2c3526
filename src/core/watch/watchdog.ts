/**
 * The watchdog: one per feature. It watches the feature's worktree and hands the checkpoint
 * service debounced batches of worktree-relative paths. Correctness here means no path is ever
 * lost: the consumer re-stats every path it gets, and is told to reconcile whenever the watcher
 * may have dropped events. The backend is picked by ./createWatcher.ts, the batching and its
 * timers are in ./watchBatcher.ts, the catch-up after a restart in ./watchSnapshot.ts.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AopError, errorMessage } from '../util/errors';
import { toRelPath } from '../util/ids';
import { createWatcher } from './createWatcher';
import { safely } from './safely';
import type { FileWatcher, RawChangeKind, RawEvent, WatcherBackendName, WatcherOptions, WatcherSetting } from './types';
import { WatchBatcher, type ChangeKind, type WatchBatch } from './watchBatcher';
import { WatchSnapshot, type SnapshotPlace, type WatchStart } from './watchSnapshot';
import { isGitDirOnDisk } from '../util/gitDirPath';

export type { ChangeKind, WatchBatch } from './watchBatcher';
export type { WatchStart } from './watchSnapshot';

export interface WatchdogStats {
  eventsSeen: number;
  batchesEmitted: number;
  pathsEmitted: number;
  gitDirWrites: number;
  reconcileRequests: number;
}

export type WatcherFactory = (setting: WatcherSetting, opts: WatcherOptions) => FileWatcher;

export interface WatchdogOptions {
  /** The worktree folder. */
  root: string;
  backend: WatcherSetting;
  /** Emit a batch after this long without events. */
  quietMs?: number;
  /** ...but never hold an event longer than this, so a writer that never pauses still gets batches. */
  maxWaitMs?: number;
  pollIntervalMs?: number;
  /** Deliveries never overlap: while one is in flight, events gather into the next batch. */
  onBatch(batch: WatchBatch): void | Promise<void>;
  /**
   * Paths whose batch fell due while the delivery before it was still running (a checkpoint of
   * a 60 MB file takes seconds), handed over at once so cheap checks need not wait for it. Each
   * path once until it changes again; they are delivered in the next batch all the same.
   */
  onWaiting?(paths: string[]): void;
  /** Events may have been lost (watcher error or overflow, or a batch that failed): rescan. */
  onNeedsReconcile(reason: string): void;
  /** Writes to `.git` or under it when `.git` is not the repository folder (i.e. in a worktree). */
  onGitDirWrite?(paths: string[]): void;
  /** Builds the backend; tests inject fakes here. */
  createWatcher?: WatcherFactory;
  /**
   * Where to keep the watcher's snapshot between runs, so the next start reports what changed
   * while nobody watched instead of needing a full scan (native backend only). `tag` names the
   * state the snapshot was confirmed against (the head checkpoint): a snapshot confirmed under
   * another tag is not used.
   */
  snapshot?: SnapshotPlace;
}

const KIND: Record<RawChangeKind, ChangeKind> = { create: 'created', update: 'modified', delete: 'deleted' };

export class Watchdog {
  private readonly factory: WatcherFactory;
  private watcher: FileWatcher | undefined;
  private realRoot = '';
  private gitIsDir = false;
  private reconcileReasons: string[] = [];
  /** Numbers of the last reconcile request and of the last one a full scan answered. */
  private requestSeq = 0;
  private answeredSeq = 0;
  private started = false;
  private closed = false;
  private readonly counters: WatchdogStats = { eventsSeen: 0, batchesEmitted: 0, pathsEmitted: 0, gitDirWrites: 0, reconcileRequests: 0 };
  /** Events gathered into debounced, never overlapping deliveries (./watchBatcher.ts). */
  private readonly batcher: WatchBatcher;
  /** The catch-up for the time nobody watched (./watchSnapshot.ts). */
  private readonly snapshots: WatchSnapshot;

  constructor(private readonly opts: WatchdogOptions) {
    const { quietMs, maxWaitMs, onWaiting } = opts;
    this.batcher = new WatchBatcher({ quietMs, maxWaitMs, onBatch: (b) => opts.onBatch(b), onWaiting, onLost: (reason) => this.needsReconcile(reason), counters: this.counters });
    this.snapshots = new WatchSnapshot(opts.snapshot);
    this.factory = opts.createWatcher ?? ((setting, o) => createWatcher(setting, o));
  }

  /** The backend in use, once started. */
  get backend(): WatcherBackendName | undefined {
    return this.watcher?.backend;
  }

  get stats(): WatchdogStats {
    return { ...this.counters };
  }

  /** The batching pace now (see setPace). */
  get pace(): { quietMs: number; maxWaitMs: number } {
    return this.batcher.pace;
  }

  /**
   * Changes how long events gather before a batch (coarser while checkpoints run over their
   * budget). Applies from the next event; a batch already gathering keeps its deadline.
   */
  setPace(quietMs: number, maxWaitMs: number): void {
    this.batcher.setPace(quietMs, maxWaitMs);
  }

  /**
   * Resolves once writes are being reported; with a confirmed snapshot (see `snapshot`), the
   * changes made since it are already pending as a batch.
   */
  async start(): Promise<WatchStart> {
    if (this.started) throw new AopError('WATCHER_FAILED', 'This watchdog was already started; create a new one.');
    this.started = true;
    try {
      // Backends report real paths (macOS's /tmp is a symlink, for one); match them against the real root.
      this.realRoot = await fs.realpath(this.opts.root);
    } catch (err) {
      throw new AopError('WATCHER_FAILED', `Cannot watch ${this.opts.root}: ${errorMessage(err)}. Check that the worktree exists.`, { cause: err });
    }
    const gitPath = path.join(this.realRoot, '.git');
    // A `.git` folder is the repository itself (not a worktree): its churn is git's own, not the agent's.
    this.gitIsDir = await fs.lstat(gitPath).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const watcher = this.factory(this.opts.backend, {
      root: this.realRoot,
      ignorePaths: this.gitIsDir ? [gitPath] : [],
      pollIntervalMs: this.opts.pollIntervalMs,
      onEvents: this.onEvents,
      onError: this.onError,
    });
    this.watcher = watcher;
    try {
      await watcher.start();
    } catch (err) {
      await watcher.close().catch(() => undefined);
      if (AopError.is(err)) throw err;
      throw new AopError('WATCHER_FAILED', `The ${watcher.backend} watcher could not start on ${this.realRoot}: ${errorMessage(err)}`, { cause: err });
    }
    if (this.closed) {
      await watcher.close();
      return { resumed: false, paths: 0, why: 'closed' };
    }
    return this.snapshots.resume(watcher, this.realRoot, this.onEvents);
  }

  /**
   * Records the tree's state for the next start (native backend only): call, then flush what
   * is pending, then confirmSnapshot() once the head holds everything seen. Until confirmed,
   * the snapshot is not used.
   */
  async snapshotNow(): Promise<boolean> {
    if (this.closed) return false;
    return this.snapshots.write(this.watcher);
  }

  /** Confirms the snapshot written by snapshotNow() against the current tag. */
  async confirmSnapshot(): Promise<void> {
    await this.snapshots.confirm(this.realRoot);
  }

  /** Forgets any snapshot (it no longer describes what the head holds). */
  async dropSnapshot(): Promise<void> {
    await this.snapshots.drop();
  }

  /** True when a reconcile was asked for and no full scan has answered it yet. */
  get owesReconcile(): boolean {
    return this.requestSeq > this.answeredSeq;
  }

  /** Call before a full scan; pass the mark to reconciled() once the scan succeeded. */
  reconcileMark(): number {
    return this.requestSeq;
  }

  reconciled(mark: number): void {
    this.answeredSeq = Math.max(this.answeredSeq, mark);
  }

  /** Delivers the pending batch now; resolves once it (and any delivery in flight) was handled. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /** Stops watching. Pending, undelivered events are dropped: call flush() first to keep them. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.batcher.close();
    await this.watcher?.close();
  }

  private readonly onEvents = (events: RawEvent[]): void => {
    if (this.closed) return;
    this.counters.eventsSeen += events.length;
    const now = Date.now();
    let gitWrites: Set<string> | undefined;
    let added = false;
    for (const e of events) {
      const rel = toRelPath(this.realRoot, e.path);
      if (rel === undefined) {
        if (e.path === this.realRoot && e.kind === 'delete') this.needsReconcile('the worktree folder itself was deleted or moved');
        continue;
      }
      if (isGitDirOnDisk(rel)) {
        if (!this.gitIsDir) (gitWrites ??= new Set()).add(rel);
        continue;
      }
      this.batcher.add(rel, KIND[e.kind], now);
      added = true;
    }
    if (gitWrites) {
      this.counters.gitDirWrites += gitWrites.size;
      const paths = [...gitWrites];
      safely('onGitDirWrite', () => this.opts.onGitDirWrite?.(paths));
    }
    if (added) this.batcher.schedule(now);
  };

  private readonly onError = (err: Error, overflow: boolean): void => {
    if (this.closed) return;
    this.needsReconcile(`${overflow ? 'the file watcher may have dropped events' : 'file watcher error'}: ${errorMessage(err)}`);
  };

  /** Several errors at once (a burst of unreadable folders, say) make one request. */
  private needsReconcile(reason: string): void {
    this.requestSeq++;
    this.reconcileReasons.push(reason);
    if (this.reconcileReasons.length > 1) return;
    setImmediate(() => {
      const reasons = this.reconcileReasons;
      this.reconcileReasons = [];
      if (this.closed) return;
      this.counters.reconcileRequests++;
      const text = reasons.length === 1 ? reasons[0]! : `${reasons[0]} (and ${reasons.length - 1} more)`;
      safely('onNeedsReconcile', () => this.opts.onNeedsReconcile(text));
    });
  }
}
