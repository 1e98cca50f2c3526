/**
 * The native backend: @parcel/watcher (what VS Code uses), one OS watch per folder.
 *
 * Two gaps of the library are closed here, because the watchdog promises that no path is lost:
 * - It adds an OS watch to a new folder only when it sees the folder's create event, so files
 *   written into the folder before that are never reported. Every created folder is therefore
 *   listed once its watch exists, and its entries are reported as created.
 * - A sub-folder that already existed when its parent was created (`mkdir -p a/b/c`, a folder
 *   moved in) is never watched at all. Such a folder, found by that listing without a create
 *   event of its own, gets a supplementary subscription of its own and is then walked.
 */
import type * as ParcelWatcherModule from '@parcel/watcher';
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

export class NativeWatcher implements FileWatcher {
  readonly backend = 'native' as const;
  private readonly root: string;
  private readonly ignored: SubtreeSet;
  private readonly parcelIgnore: string[];
  private main: Subscription | undefined;
  /** Supplementary subscriptions, by the folder they watch. */
  private readonly extra = new Map<string, Promise<Subscription | undefined>>();
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
    let sub: Subscription;
    try {
      sub = await this.parcel.subscribe(this.root, this.onParcel, { ignore: this.parcelIgnore });
    } catch (err) {
      throw new AopError(
        'WATCHER_FAILED',
        `The native watcher could not watch ${this.root}: ${errorMessage(err)}. ` +
          'If the system limit on file watches was reached, raise it (Linux: fs.inotify.max_user_watches) or set aop.watcher.backend to "polling".',
        { cause: err },
      );
    }
    if (this.closed) {
      await sub.unsubscribe().catch(() => undefined);
      return;
    }
    this.main = sub;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const subs = [this.main, ...(await Promise.all(this.extra.values()))];
    this.main = undefined;
    this.extra.clear();
    // Unsubscribing a folder that was deleted can fail; the subscription is gone either way.
    await Promise.all(subs.map((s) => s?.unsubscribe().catch(() => undefined)));
  }

  private readonly onParcel = (err: Error | null, events: ParcelEvent[]): void => {
    if (this.closed) return;
    // Any error from the library means its view of the tree may be incomplete.
    if (err) this.opts.onError(err, true);
    const now = Date.now();
    const out: RawEvent[] = [];
    const created: string[] = [];
    for (const e of events) {
      if (this.ignored.has(e.path)) continue;
      out.push({ path: e.path, kind: e.type });
      if (e.type === 'create') {
        // Re-inserted so the map stays ordered by time and pruning can stop early.
        this.recentCreates.delete(e.path);
        this.recentCreates.set(e.path, now);
        created.push(e.path);
      } else if (e.type === 'delete') {
        this.recentCreates.delete(e.path);
        this.dropExtraUnder(e.path);
      }
    }
    this.pruneRecentCreates(now);
    if (out.length > 0) this.opts.onEvents(out);
    for (const p of created) this.track(this.listIfFolder(p));
  };

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
    for (const r of this.extra.keys()) if (dir === r || dir.startsWith(r + path.sep)) return;
    if (!(await isDirectory(dir)) || this.closed) return;
    const pending = this.parcel.subscribe(dir, this.onParcel, { ignore: this.parcelIgnore }).then(
      (sub) => sub,
      (err: unknown) => {
        if (!this.closed) this.opts.onError(new AopError('WATCHER_FAILED', `Could not watch ${dir}: ${errorMessage(err)}`, { cause: err }), true);
        return undefined;
      },
    );
    this.extra.set(dir, pending);
    const sub = await pending;
    if (!sub) {
      this.extra.delete(dir);
      return;
    }
    if (this.closed) return;
    // Everything inside was written before the watch existed: report it all.
    const entries = await walkTree(dir, this.ignored, { isCancelled: () => this.closed, onUnreadable: this.onUnreadable });
    if (this.closed || entries.length === 0) return;
    this.opts.onEvents(entries.map((e) => ({ path: e.path, kind: 'create' })));
  }

  private dropExtraUnder(deleted: string): void {
    for (const [r, pending] of this.extra) {
      if (r === deleted || r.startsWith(deleted + path.sep)) {
        this.extra.delete(r);
        this.track(pending.then((s) => s?.unsubscribe().catch(() => undefined)));
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
