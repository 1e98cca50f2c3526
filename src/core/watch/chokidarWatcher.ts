/**
 * The chokidar backend (fs.watch, one OS watch per file and folder) and, with `polling`, the
 * polling backend (fs.watchFile) for network drives and file systems without change events.
 *
 * chokidar 4 loses paths under load, measured here (10,000 files written into 100 new folders
 * lost 14-212 of them): it lists a new folder *before* watching it, so files written in between
 * are never seen; polling also misses a file added in the same clock tick as the previous
 * listing. So every folder that saw an add is re-listed once things settle, after chokidar's own
 * watch on it exists, and entries chokidar does not know are reported and handed to it. chokidar
 * also drops a file's change event within 50 ms of the previous one (a trailing stat reports
 * such a change), and never notices a file replaced by a folder (watched afresh here).
 * Reads two of chokidar's internals (`_closers`, `_watched`, declared in its typings); without
 * them it degrades to reporting every entry of a re-listed folder.
 */
import { watch, type FSWatcher } from 'chokidar';
import { readFileSync, type Dirent, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AopError, errorMessage } from '../util/errors';
import { SubtreeSet, isDirectory, walkTree } from './pathSet';
import type { FileWatcher, RawChangeKind, RawEvent, WatcherOptions } from './types';

export const DEFAULT_POLL_INTERVAL_MS = 1000;
/** Polling stats every file every interval: beyond this many, it costs more than it is worth. */
export const MAX_POLLED_ENTRIES = 20_000;
/** Share of the system's inotify watches one worktree may take (VS Code and other features need theirs). */
const WATCH_SHARE = 0.5;

export interface ChokidarLimits {
  /** Files and folders this backend may watch; default from the system (see start()). */
  maxEntries?: number;
}
/** chokidar drops a change to the same file within 50 ms of the previous one. */
const TRAILING_CHANGE_MS = 60;
/** A folder not confirmed as watched by then is reported as possibly missing events. */
const WATCH_CONFIRM_TIMEOUT_MS = 30_000;

interface DirtyDir {
  firstAt: number;
  lastAt: number;
}

/** What is read of chokidar's internals; absent fields degrade to noisier but still safe behaviour. */
interface ChokidarState {
  _closers?: Map<string, unknown>;
  _watched?: Map<string, { has(item: string): boolean | undefined }>;
}

export class ChokidarWatcher implements FileWatcher {
  readonly backend: 'chokidar' | 'polling';
  private readonly root: string;
  private readonly ignored: SubtreeSet;
  private readonly intervalMs: number;
  private readonly settleMs: number;
  private fsw: FSWatcher | undefined;
  private readonly dirty = new Map<string, DirtyDir>();
  private settleTimer: NodeJS.Timeout | undefined;
  private reconciling = false;
  private readonly trailing = new Map<string, Stats | undefined>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private started = false;
  private closed = false;

  constructor(
    private readonly opts: WatcherOptions,
    polling = false,
    private readonly limits: ChokidarLimits = {},
  ) {
    this.backend = polling ? 'polling' : 'chokidar';
    this.root = path.resolve(opts.root);
    this.ignored = new SubtreeSet(opts.ignorePaths ?? []);
    this.intervalMs = opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    // Give chokidar's own listing (on the next poll, when polling) the first chance.
    this.settleMs = polling ? 2 * this.intervalMs + 50 : 150;
  }

  async start(): Promise<void> {
    if (this.started) throw new AopError('WATCHER_FAILED', 'This watcher was already started; create a new one.');
    this.started = true;
    try {
      if (!(await fs.stat(this.root)).isDirectory()) throw new Error('not a folder');
    } catch (err) {
      throw new AopError('WATCHER_FAILED', `Cannot watch ${this.root}: ${errorMessage(err)}. Check that the worktree exists.`, { cause: err });
    }
    await this.checkSize();
    const polling = this.backend === 'polling';
    const fsw = watch(this.root, {
      ignoreInitial: true,
      persistent: true,
      followSymlinks: false,
      alwaysStat: false,
      atomic: false,
      usePolling: polling,
      interval: this.intervalMs,
      binaryInterval: this.intervalMs,
      ignorePermissionErrors: false,
      ignored: (p: string) => this.ignored.size > 0 && this.ignored.has(p),
    });
    this.fsw = fsw;
    fsw.on('add', (p) => this.onChokidar(p, 'create', false));
    fsw.on('addDir', (p) => this.onChokidar(p, 'create', true));
    fsw.on('change', (p, stats) => {
      this.onChokidar(p, 'update', false);
      this.watchTrailing(p, stats);
    });
    fsw.on('unlink', (p) => this.onChokidar(p, 'delete', false));
    fsw.on('unlinkDir', (p) => this.onChokidar(p, 'delete', true));
    fsw.on('error', (err) => this.reportError(err));
    await new Promise<void>((resolve) => fsw.once('ready', () => resolve()));
  }

  /**
   * This backend needs an OS watch (chokidar) or a periodic stat (polling) per file and folder:
   * on a tree too big for that it would run out of watches (ENOSPC) or memory part way. Say so
   * before starting, with what to do instead.
   */
  private async checkSize(): Promise<void> {
    const polling = this.backend === 'polling';
    const max = this.limits.maxEntries ?? (polling ? MAX_POLLED_ENTRIES : systemWatchBudget());
    if (max === undefined) return;
    const n = await countEntries(this.root, this.ignored, max + 1);
    if (n <= max) return;
    throw new AopError(
      'WATCHER_FAILED',
      polling
        ? `This worktree holds more than ${max.toLocaleString('en-US')} files and folders: too many to poll (every file is checked every ${this.intervalMs} ms). ` +
            'Set aop.watcher.backend to "auto" or "native" (one watch per folder), or work in a smaller worktree.'
        : `This worktree holds more than ${max.toLocaleString('en-US')} files and folders, and the chokidar watcher needs one OS watch for each: ` +
            `that is more than half of what this system allows for all programs (fs.inotify.max_user_watches). ` +
            'Set aop.watcher.backend to "auto" or "native" (one watch per folder), or raise the limit (sysctl fs.inotify.max_user_watches).',
      { details: { backend: this.backend, limit: max } },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.dirty.clear();
    this.trailing.clear();
    await this.fsw?.close();
  }

  private onChokidar(p: string, kind: RawChangeKind, isDir: boolean): void {
    if (this.closed) return;
    this.opts.onEvents([{ path: p, kind }]);
    if (kind === 'create') {
      this.markDirty(path.dirname(p));
      if (isDir) this.markDirty(p);
    } else if (kind === 'delete' && isDir) {
      for (const d of this.dirty.keys()) if (d === p || d.startsWith(p + path.sep)) this.dirty.delete(d);
    }
  }

  private reportError(err: unknown): void {
    if (this.closed) return;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const hint =
      code === 'ENOSPC' || code === 'EMFILE'
        ? ` The system limit on file watches was reached (${code}): raise it (Linux: fs.inotify.max_user_watches) or set aop.watcher.backend to "native" or "polling".`
        : '';
    this.opts.onError(new AopError('WATCHER_FAILED', `File watcher (${this.backend}) error: ${errorMessage(err)}.${hint}`, { cause: err }), true);
  }

  // --- re-listing folders that saw adds --------------------------------------------------

  private markDirty(dir: string): void {
    if (dir !== this.root && !dir.startsWith(this.root + path.sep)) return;
    if (this.ignored.has(dir)) return;
    const now = Date.now();
    const d = this.dirty.get(dir);
    if (d) d.lastAt = now;
    else this.dirty.set(dir, { firstAt: now, lastAt: now });
    this.scheduleSettle();
  }

  private scheduleSettle(): void {
    if (this.settleTimer || this.closed || this.reconciling) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.reconciling = true;
      this.reconcileSettled()
        .catch((err: unknown) => this.reportError(err))
        .finally(() => {
          this.reconciling = false;
          if (this.dirty.size > 0) this.scheduleSettle();
        });
    }, this.settleMs);
  }

  private async reconcileSettled(): Promise<void> {
    const state = this.fsw as unknown as ChokidarState;
    const now = Date.now();
    for (const [dir, d] of [...this.dirty]) {
      if (this.closed) return;
      if (now - d.lastAt < this.settleMs) continue;
      // Until chokidar watches the folder, a listing could still miss what comes next.
      if (state._closers && !state._closers.has(dir)) {
        if (now - d.firstAt > WATCH_CONFIRM_TIMEOUT_MS) {
          this.dirty.delete(dir);
          if (await isDirectory(dir)) {
            this.reportError(new Error(`no watch was set on ${dir} within ${WATCH_CONFIRM_TIMEOUT_MS} ms; changes inside it may be missed`));
          }
        }
        continue;
      }
      this.dirty.delete(dir);
      await this.reconcileDir(dir, state);
    }
  }

  /** Reports entries of `dir` that chokidar does not know, and hands them to chokidar. */
  private async reconcileDir(dir: string, state: ChokidarState): Promise<void> {
    const onUnreadable = (d: string, err: unknown): void => this.reportError(new Error(`cannot read ${d}: ${errorMessage(err)}`));
    const entries = await walkTree(dir, this.ignored, { recursive: false, onUnreadable });
    if (this.closed) return;
    const known = state._watched?.get(dir);
    const out: RawEvent[] = [];
    for (const e of entries) {
      if (known?.has(path.basename(e.path))) continue;
      out.push({ path: e.path, kind: 'create' });
      // Without chokidar's internals, report only: never watch a path twice.
      if (known) this.addLoudly(e.path);
    }
    if (out.length > 0) this.opts.onEvents(out);
  }

  /**
   * Has chokidar watch a path as if it had just appeared, so that it reports (add, addDir) what
   * it finds there. A plain add() would read it silently (ignoreInitial), racing with chokidar's
   * own handling of the same folder and swallowing files that no listing of ours has seen yet.
   */
  private addLoudly(p: string): void {
    this.fsw?.add(p, undefined, true);
  }

  // --- changes chokidar throttled away ---------------------------------------------------

  private watchTrailing(p: string, stats: Stats | undefined): void {
    if (this.trailing.has(p) || this.closed) return;
    this.trailing.set(p, stats);
    const t = setTimeout(() => {
      this.timers.delete(t);
      const before = this.trailing.get(p);
      this.trailing.delete(p);
      fs.lstat(p).then(
        (now) => {
          if (this.closed) return;
          if (now.isDirectory()) return this.replacedByFolder(p);
          const same = before && now.mtimeMs === before.mtimeMs && now.ctimeMs === before.ctimeMs && now.size === before.size && now.ino === before.ino;
          if (!same) this.opts.onEvents([{ path: p, kind: 'update' }]);
        },
        () => undefined, // gone: chokidar reports the unlink
      );
    }, TRAILING_CHANGE_MS);
    this.timers.add(t);
  }

  /**
   * chokidar never notices a file replaced by a folder of the same name (say `.git` in a
   * worktree): it goes on watching it as a file and reports only "change". Watch it afresh;
   * chokidar then reports the folder and what is inside.
   */
  private replacedByFolder(p: string): void {
    const fsw = this.fsw;
    if (!fsw || this.closed) return;
    fsw.unwatch(p);
    this.addLoudly(p);
  }
}

/** How many watches this backend may take on Linux (half the system limit); undefined elsewhere. */
function systemWatchBudget(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const max = Number(readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8').trim());
    return Number.isFinite(max) && max > 0 ? Math.floor(max * WATCH_SHARE) : undefined;
  } catch {
    return undefined;
  }
}

/** Files and folders under root (not following links, skipping ignored subtrees), counting no further than `stopAt`. */
async function countEntries(root: string, ignored: SubtreeSet, stopAt: number): Promise<number> {
  let n = 0;
  const stack = [root];
  while (stack.length > 0 && n < stopAt) {
    const dir = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      continue; // vanished or unreadable: chokidar reports those itself
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (ignored.has(full)) continue;
      n++;
      if (e.isDirectory()) stack.push(full);
    }
  }
  return n;
}
