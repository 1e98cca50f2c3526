/**
 * The watchdog: one per feature. It watches the feature's worktree and hands the checkpoint
 * service debounced batches of worktree-relative paths. Correctness here means no path is ever
 * lost: the consumer re-stats every path it gets, and is told to reconcile whenever the watcher
 * may have dropped events.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicFile';
import { AopError, errorMessage } from '../util/errors';
import { toRelPath } from '../util/ids';
import { createWatcher } from './createWatcher';
import type { FileWatcher, RawChangeKind, RawEvent, WatcherBackendName, WatcherOptions, WatcherSetting } from './types';

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
  snapshot?: { file: string; tag(): string };
}

/** How a start caught up with what happened while nobody watched. */
export interface WatchStart {
  /** The changes since the last confirmed snapshot are pending as a batch: no full scan is needed. */
  resumed: boolean;
  /** Paths reported by that catch-up. */
  paths: number;
  /** Why it could not catch up (then the owner must scan everything). */
  why?: string;
}

interface SnapshotMeta {
  version: 1;
  root: string;
  tag: string;
}

const KIND: Record<RawChangeKind, ChangeKind> = { create: 'created', update: 'modified', delete: 'deleted' };

export class Watchdog {
  private quietMs: number;
  private maxWaitMs: number;
  private readonly factory: WatcherFactory;
  private watcher: FileWatcher | undefined;
  private realRoot = '';
  private gitIsDir = false;
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
  private reconcileReasons: string[] = [];
  /** Numbers of the last reconcile request and of the last one a full scan answered. */
  private requestSeq = 0;
  private answeredSeq = 0;
  private started = false;
  private closed = false;
  private readonly counters: WatchdogStats = { eventsSeen: 0, batchesEmitted: 0, pathsEmitted: 0, gitDirWrites: 0, reconcileRequests: 0 };

  constructor(private readonly opts: WatchdogOptions) {
    this.quietMs = opts.quietMs ?? 150;
    this.maxWaitMs = Math.max(opts.maxWaitMs ?? 1000, this.quietMs);
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
    return this.resume(watcher);
  }

  /** Reports what changed since the confirmed snapshot, and consumes it (it is valid once). */
  private async resume(watcher: FileWatcher): Promise<WatchStart> {
    const snap = this.opts.snapshot;
    if (!snap) return { resumed: false, paths: 0, why: 'no snapshot is kept' };
    let meta: SnapshotMeta | undefined;
    try {
      meta = JSON.parse(await fs.readFile(`${snap.file}.json`, 'utf8')) as SnapshotMeta;
    } catch {
      meta = undefined;
    }
    try {
      if (!meta) return { resumed: false, paths: 0, why: 'no snapshot from a clean stop' };
      if (!watcher.eventsSince) return { resumed: false, paths: 0, why: `the ${watcher.backend} watcher cannot catch up from a snapshot` };
      if (meta.version !== 1 || meta.root !== this.realRoot || meta.tag !== snap.tag()) return { resumed: false, paths: 0, why: 'the snapshot was taken at another checkpoint' };
      let events: RawEvent[];
      try {
        events = await watcher.eventsSince(snap.file);
      } catch (err) {
        return { resumed: false, paths: 0, why: `the snapshot could not be read (${errorMessage(err)})` };
      }
      this.onEvents(events);
      return { resumed: true, paths: events.length };
    } finally {
      await this.dropSnapshot();
    }
  }

  /**
   * Records the tree's state for the next start (native backend only): call, then flush what
   * is pending, then confirmSnapshot() once the head holds everything seen. Until confirmed,
   * the snapshot is not used.
   */
  async snapshotNow(): Promise<boolean> {
    const snap = this.opts.snapshot;
    if (!snap || !this.watcher?.writeSnapshot || this.closed) return false;
    await this.dropSnapshot();
    await fs.mkdir(path.dirname(snap.file), { recursive: true });
    await this.watcher.writeSnapshot(snap.file);
    return true;
  }

  /** Confirms the snapshot written by snapshotNow() against the current tag. */
  async confirmSnapshot(): Promise<void> {
    const snap = this.opts.snapshot;
    if (!snap) return;
    const meta: SnapshotMeta = { version: 1, root: this.realRoot, tag: snap.tag() };
    await writeFileAtomic(`${snap.file}.json`, JSON.stringify(meta));
  }

  /** Forgets any snapshot (it no longer describes what the head holds). */
  async dropSnapshot(): Promise<void> {
    const snap = this.opts.snapshot;
    if (!snap) return;
    await fs.rm(`${snap.file}.json`, { force: true });
    await fs.rm(snap.file, { force: true });
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
  async flush(): Promise<void> {
    this.clearTimers();
    while (this.inFlight) await this.inFlight;
    if (this.closed || this.pending.size === 0) return;
    this.deliver();
    while (this.inFlight) await this.inFlight;
  }

  /** Stops watching. Pending, undelivered events are dropped: call flush() first to keep them. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    this.pending = new Map();
    this.early = new Set();
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
      if (isGitPath(rel)) {
        if (!this.gitIsDir) (gitWrites ??= new Set()).add(rel);
        continue;
      }
      const next = KIND[e.kind];
      this.early.delete(rel);
      const prev = this.pending.get(rel);
      // A path created and then modified within one batch is still news of a creation.
      this.pending.set(rel, prev === 'created' && next === 'modified' ? 'created' : next);
      if (this.count === 0) this.firstAt = now;
      this.lastAt = now;
      this.count++;
      added = true;
    }
    if (gitWrites) {
      this.counters.gitDirWrites += gitWrites.size;
      const paths = [...gitWrites];
      safely('onGitDirWrite', () => this.opts.onGitDirWrite?.(paths));
    }
    if (added) this.schedule(now);
  };

  private readonly onError = (err: Error, overflow: boolean): void => {
    if (this.closed) return;
    this.needsReconcile(`${overflow ? 'the file watcher may have dropped events' : 'file watcher error'}: ${errorMessage(err)}`);
  };

  private schedule(now: number): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(this.onTimer, this.quietMs);
    this.maxTimer ??= setTimeout(this.onTimer, Math.max(0, this.firstAt + this.maxWaitMs - now));
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
    this.counters.batchesEmitted++;
    this.counters.pathsEmitted += batch.paths.size;
    const run = async (): Promise<void> => {
      try {
        await this.opts.onBatch(batch);
      } catch (err) {
        // The consumer could not take these paths; only a rescan can make up for them now.
        this.needsReconcile(`a batch of ${batch.paths.size} changed paths could not be processed: ${errorMessage(err)}`);
      }
    };
    const flight = run().finally(() => {
      this.inFlight = undefined;
      if (this.due) this.deliver();
    });
    this.inFlight = flight;
  }

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

/** On case-insensitive file systems `.GIT/HEAD` is `.git/HEAD`. */
const CASE_INSENSITIVE_FS = process.platform === 'darwin' || process.platform === 'win32';

function isGitPath(rel: string): boolean {
  const first = rel.split('/', 1)[0]!;
  return first === '.git' || (CASE_INSENSITIVE_FS && first.toLowerCase() === '.git');
}

function safely(what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    // A faulty listener must not stop the watchdog; surface it for diagnosis.
    console.error(`[aop] watchdog ${what} listener failed:`, err);
  }
}
