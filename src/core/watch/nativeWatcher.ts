/**
 * The native backend: @parcel/watcher (what VS Code uses), one OS watch per folder.
 *
 * Three gaps of the library are closed here, because the watchdog promises that no path is lost:
 * - It adds an OS watch to a new folder only when it sees the folder's create event, so files
 *   written into the folder before that are never reported. Every created folder is therefore
 *   listed once its watch exists, and its entries are reported as created.
 * - A sub-folder that already existed when its parent was created (`mkdir -p a/b/c`, a folder
 *   moved in) is never watched at all. Such a folder, found by that listing without a create
 *   event of its own, gets a supplementary subscription of its own and is then walked.
 * - It folds "deleted, then created" of one path into an update: a file replaced by a folder
 *   with files written into it at once reports neither the folder's creation nor its files.
 *   Updated paths that are folders are therefore listed like created ones.
 * - It hands a batch over by reading its event list and then clearing it, two separate steps:
 *   an event recorded in between is dropped (seen under load: `rm .git; mkdir .git; write
 *   .git/HEAD` arrived as a lone delete of `.git`). A deleted path is therefore looked at again,
 *   and if something stands there now it is reported as created (a folder is listed).
 * A subscription that reports an error is subscribed again before the error is passed on: after
 * a fatal error the library silently stops calling it.
 * Not closable from here: on Linux the library ignores inotify queue overflow (IN_Q_OVERFLOW), so
 * events dropped by the kernel go unreported; the owner's periodic reconcile covers that.
 */
import type * as ParcelWatcherModule from '@parcel/watcher';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AopError, errorMessage } from '../util/errors';
import { SubtreeSet, isDirectory, walkTree } from './pathSet';
import type { FileWatcher, RawEvent, WatcherOptions } from './types';

export type ParcelWatcher = typeof ParcelWatcherModule;
type ParcelEvent = ParcelWatcherModule.Event;
type Subscription = ParcelWatcherModule.AsyncSubscription;

/** How long a folder found in a listing may wait for its own create event before we adopt it. */
const UNREPORTED_GRACE_MS = 300;
/** Create events remembered for that check; far longer than the library's delivery delay. */
const RECENT_CREATE_TTL_MS = 30_000;
/** Paths with glob characters would be read as globs by the library; those are filtered here only. */
const GLOB_CHARS = /[*?[\]{}()!+@]/;

/** Loads the native module lazily so that a missing or broken binary is survivable. */
export function loadParcelWatcher(): ParcelWatcher {
  try {
    // A lazy require keeps the import out of module load: the binary may be absent on this platform.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@parcel/watcher') as ParcelWatcher;
  } catch (err) {
    throw new AopError(
      'WATCHER_FAILED',
      `The native file watcher (@parcel/watcher) could not be loaded on ${process.platform}-${process.arch}: ${errorMessage(err)}. ` +
        'Set aop.watcher.backend to "chokidar" (or "polling" on network drives), or reinstall the extension.',
      { cause: err },
    );
  }
}

type ParcelCallback = (err: Error | null, events: ParcelEvent[]) => void;

/** One subscription: the watch root (the worktree) or a supplementary folder. */
interface Sub {
  /** Kept per folder: the library identifies a subscription by its callback. */
  callback: ParcelCallback;
  ready: Promise<Subscription | undefined>;
  /** Times of recent errors, to stop re-subscribing a folder that keeps failing. */
  errors: number[];
}

/** Re-subscribing stops after this many errors within the window. */
const MAX_ERRORS = 3;
const ERROR_WINDOW_MS = 60_000;

export class NativeWatcher implements FileWatcher {
  readonly backend = 'native' as const;
  private readonly root: string;
  private readonly ignored: SubtreeSet;
  private readonly parcelIgnore: string[];
  /** The root subscription and the supplementary ones, by folder. */
  private readonly subs = new Map<string, Sub>();
  private readonly recentCreates = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private started = false;
  private closed = false;

  constructor(
    private readonly opts: WatcherOptions,
    private readonly parcel: ParcelWatcher = loadParcelWatcher(),
  ) {
    this.root = path.resolve(opts.root);
    const ignorePaths = (opts.ignorePaths ?? []).map((p) => path.resolve(p));
    this.ignored = new SubtreeSet(ignorePaths);
    this.parcelIgnore = ignorePaths.filter((p) => !GLOB_CHARS.test(p));
  }

  async start(): Promise<void> {
    if (this.started) throw new AopError('WATCHER_FAILED', 'This watcher was already started; create a new one.');
    this.started = true;
    const callback = this.callbackFor(this.root);
    try {
      const sub = await this.parcel.subscribe(this.root, callback, { ignore: this.parcelIgnore });
      this.subs.set(this.root, { callback, ready: Promise.resolve(sub), errors: [] });
    } catch (err) {
      throw new AopError(
        'WATCHER_FAILED',
        `The native watcher could not watch ${this.root}: ${errorMessage(err)}. ` +
          'If the system limit on file watches was reached, raise it (Linux: fs.inotify.max_user_watches) or set aop.watcher.backend to "polling".',
        { cause: err },
      );
    }
    if (this.closed) await this.unsubscribeAll();
  }

  /**
   * Records the watched tree's state (each path's modification time) in `file`. While the
   * watcher runs the library writes the tree it already keeps, without walking the disk.
   */
  async writeSnapshot(file: string): Promise<void> {
    await this.parcel.writeSnapshot(this.root, file, { ignore: this.parcelIgnore });
  }

  /** Every path created, deleted or modified since the state recorded in `file`. */
  async eventsSince(file: string): Promise<RawEvent[]> {
    const events = await this.parcel.getEventsSince(this.root, file, { ignore: this.parcelIgnore });
    return events.filter((e) => !this.ignored.has(e.path)).map((e) => ({ path: e.path, kind: e.type }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.unsubscribeAll();
  }

  private async unsubscribeAll(): Promise<void> {
    const all = [...this.subs.values()];
    this.subs.clear();
    // Unsubscribing a folder that was deleted can fail; the subscription is gone either way.
    await Promise.all(all.map(async (s) => (await s.ready)?.unsubscribe().catch(() => undefined)));
  }

  private callbackFor(dir: string): ParcelCallback {
    return (err, events) => {
      if (this.closed) return;
      if (err) this.track(this.recover(dir, err));
      this.onParcel(events);
    };
  }

  /**
   * After an error the library may have dropped the subscription's callbacks (a fatal watcher
   * error does), so subscribe again, with the same callback (a no-op if it is still registered),
   * and only then report: the owner's rescan must start after the watch is back.
   */
  private async recover(dir: string, err: Error): Promise<void> {
    const s = this.subs.get(dir);
    if (!s) return;
    const now = Date.now();
    s.errors = [...s.errors.filter((t) => now - t < ERROR_WINDOW_MS), now];
    if (s.errors.length <= MAX_ERRORS) {
      try {
        const sub = await this.parcel.subscribe(dir, s.callback, { ignore: this.parcelIgnore });
        if (this.closed) await sub.unsubscribe().catch(() => undefined);
        else s.ready = Promise.resolve(sub);
      } catch (again) {
        err = new AopError('WATCHER_FAILED', `${errorMessage(err)}; watching ${dir} again failed too: ${errorMessage(again)}`, { cause: again });
      }
    } else {
      err = new AopError(
        'WATCHER_FAILED',
        `The native watcher keeps failing on ${dir} (${errorMessage(err)}). Set aop.watcher.backend to "chokidar" or "polling".`,
        { cause: err },
      );
    }
    if (!this.closed) this.opts.onError(err, true);
  }

  private onParcel(events: ParcelEvent[]): void {
    if (this.closed || events.length === 0) return;
    const now = Date.now();
    const out: RawEvent[] = [];
    const maybeNewFolders: string[] = [];
    const deleted: string[] = [];
    for (const e of events) {
      if (this.ignored.has(e.path)) continue;
      out.push({ path: e.path, kind: e.type });
      if (e.type === 'create') {
        // Re-inserted so the map stays ordered by time and pruning can stop early.
        this.recentCreates.delete(e.path);
        this.recentCreates.set(e.path, now);
        maybeNewFolders.push(e.path);
      } else if (e.type === 'delete') {
        this.recentCreates.delete(e.path);
        this.dropSubsUnder(e.path);
        deleted.push(e.path);
      } else {
        // The library folds "deleted, then created" into one update: a file replaced by a folder
        // (`rm .git; mkdir .git; write .git/HEAD`) arrives as an update of the folder, and files
        // written into it before its watch existed are never reported unless it is listed too.
        maybeNewFolders.push(e.path);
      }
    }
    this.pruneRecentCreates(now);
    if (out.length > 0) this.opts.onEvents(out);
    for (const p of maybeNewFolders) this.track(this.listIfFolder(p));
    for (const p of deleted) this.track(this.reportIfBack(p));
  }

  /** A deleted path that exists again: its creation may be among the events the library dropped. */
  private async reportIfBack(p: string): Promise<void> {
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st || this.closed) return;
    this.opts.onEvents([{ path: p, kind: 'create' }]);
    if (st.isDirectory()) await this.listIfFolder(p);
  }

  /** A created path that is a folder: report what is already inside it. */
  private async listIfFolder(dir: string): Promise<void> {
    if (!(await isDirectory(dir)) || this.closed) return;
    // One level only: sub-folders with a create event of their own are listed when it arrives.
    const entries = await walkTree(dir, this.ignored, { recursive: false, onUnreadable: this.onUnreadable });
    if (this.closed) return;
    const out: RawEvent[] = [];
    for (const e of entries) {
      out.push({ path: e.path, kind: 'create' });
      if (e.isDir && !this.recentCreates.has(e.path)) this.checkReportedLater(e.path);
    }
    if (out.length > 0) this.opts.onEvents(out);
  }

  /** Gives the library time to deliver the folder's own create event; without it, adopt the folder. */
  private checkReportedLater(dir: string): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.closed || this.recentCreates.has(dir)) return;
      this.track(this.adopt(dir));
    }, UNREPORTED_GRACE_MS);
    this.timers.add(t);
  }

  /** Watches a folder the library missed with a subscription of its own, then reports its contents. */
  private async adopt(dir: string): Promise<void> {
    for (const r of this.subs.keys()) if (r !== this.root && (dir === r || dir.startsWith(r + path.sep))) return;
    // Registered before any await, so that a second request for the same folder finds it.
    const callback = this.callbackFor(dir);
    const s: Sub = { callback, ready: this.subscribeExtra(dir, callback), errors: [] };
    this.subs.set(dir, s);
    const sub = await s.ready;
    if (!sub) {
      if (this.subs.get(dir) === s) this.subs.delete(dir);
      return;
    }
    if (this.closed) return;
    // Everything inside was written before the watch existed: report it all.
    const entries = await walkTree(dir, this.ignored, { isCancelled: () => this.closed, onUnreadable: this.onUnreadable });
    if (this.closed || entries.length === 0) return;
    this.opts.onEvents(entries.map((e) => ({ path: e.path, kind: 'create' })));
  }

  private async subscribeExtra(dir: string, callback: ParcelCallback): Promise<Subscription | undefined> {
    if (!(await isDirectory(dir)) || this.closed) return undefined;
    try {
      return await this.parcel.subscribe(dir, callback, { ignore: this.parcelIgnore });
    } catch (err) {
      if (!this.closed) this.opts.onError(new AopError('WATCHER_FAILED', `Could not watch ${dir}: ${errorMessage(err)}`, { cause: err }), true);
      return undefined;
    }
  }

  /** A deleted folder takes its supplementary subscriptions with it (never the root's). */
  private dropSubsUnder(deleted: string): void {
    for (const [r, s] of this.subs) {
      if (r !== this.root && (r === deleted || r.startsWith(deleted + path.sep))) {
        this.subs.delete(r);
        this.track(s.ready.then((sub) => sub?.unsubscribe().catch(() => undefined)));
      }
    }
  }

  private pruneRecentCreates(now: number): void {
    for (const [p, at] of this.recentCreates) {
      if (now - at <= RECENT_CREATE_TTL_MS) break;
      this.recentCreates.delete(p);
    }
  }

  private readonly onUnreadable = (dir: string, err: unknown): void => {
    if (!this.closed) this.opts.onError(new AopError('WATCHER_FAILED', `Cannot read ${dir}: ${errorMessage(err)}; changes inside it may be missed.`, { cause: err }), true);
  };

  private track(p: Promise<unknown>): void {
    p.catch((err: unknown) => {
      if (!this.closed) this.opts.onError(err instanceof Error ? err : new Error(String(err)), true);
    });
  }
}
