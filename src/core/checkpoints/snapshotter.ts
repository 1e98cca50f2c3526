/**
 * Brings a SnapshotTree in line with the worktree for a set of paths (from the watchdog) or for
 * everything (a reconciliation scan). Knows the worktree's rules: `.git` is never snapshotted;
 * ignored files are left out unless the snapshot already tracks them (they are reported for
 * validation); nested repositories become gitlinks (their content is reported as not
 * snapshotted).
 *
 * Cost per changed file is kept to a few system calls made in place: the folders a batch needs
 * are read from git at once, then each path is `lstat`ed, and a small file is read once, hashed
 * and written as a loose object in-process (its bytes are kept for validation, so nothing is
 * read twice); only files over INLINE_HASH_BYTES go through git's long-lived `hash-object`,
 * which streams them. Asynchronous file calls each cost a trip through the thread pool, which
 * for thousands of small files costs more than the work; the loop yields to the event loop
 * every YIELD_EVERY paths so others still run. Which entry stands for a changed path is decided
 * in ./owningPath.ts; the blobs an apply wrote are kept in ./freshBlobs.ts.
 */
import * as fsSync from 'node:fs';
import * as fs from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import * as path from 'node:path';
import type { GitMode } from '../model/types';
import type { IgnoreChecker } from '../git/ignoreChecker';
import type { ObjectStore, TreeEntry } from '../git/objectStore';
import { git } from '../git/gitRunner';
import { Semaphore, yieldToEventLoop } from '../util/async';
import { errorCode, isGone } from '../util/fsErrors';
import { FreshBlobs } from './freshBlobs';
import { owningPath, type DiskKind } from './owningPath';
import { isGitDirOnDisk } from '../util/gitDirPath';
import { GITLINK_MODE, TREE_MODE, parentOf, type SnapshotTree } from './snapshotTree';
import type { StatCache } from './statCache';

export interface IgnoredFile {
  path: string;
  size: number;
  mode: GitMode;
}

export interface SnapshotUpdate {
  /** Paths whose entry in the snapshot changed. */
  touched: Set<string>;
  /** Ignored files seen (present) and ignored paths seen deleted. */
  ignoredPresent: IgnoredFile[];
  ignoredGone: string[];
  notSnapshotted: { path: string; reason: string }[];
}

export function fileMode(st: Stats): GitMode {
  if (st.isSymbolicLink()) return '120000';
  return st.mode & 0o100 ? '100755' : '100644';
}

/** Files larger than this are not copied into the object store (a 1 GB file must not stall a checkpoint). */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;
/** Files up to this size are hashed in-process; larger ones are streamed by git. */
export const INLINE_HASH_BYTES = 1024 * 1024;
/** Paths handled between two yields to the event loop. */
const YIELD_EVERY = 128;
/** Folders read at once during a scan. */
const SCAN_CONCURRENCY = 8;

/** What was found about a path before the snapshot is changed. */
interface Look {
  rel: string;
  st?: Stats;
  error?: unknown;
  /** Set when the ignore check was made. */
  ignored?: boolean;
}

export class Snapshotter {
  private readonly blobs = new FreshBlobs();
  /** Content of the blobs the last apply hashed in-process, by object id (bounded). */
  readonly fresh = this.blobs.content;
  /** Size of every blob the last apply wrote, by object id. */
  readonly blobSizes = this.blobs.sizes;
  private readonly slots = new Semaphore(SCAN_CONCURRENCY);

  constructor(
    private readonly root: string,
    private readonly tree: SnapshotTree,
    private readonly store: ObjectStore,
    private readonly ignore: IgnoreChecker,
    private readonly stats: StatCache,
    private readonly maxSnapshotBytes = DEFAULT_MAX_SNAPSHOT_BYTES,
  ) {}

  private begin(): SnapshotUpdate {
    this.blobs.clear();
    return { touched: new Set(), ignoredPresent: [], ignoredGone: [], notSnapshotted: [] };
  }

  /** Re-examines the given worktree-relative paths. */
  async applyPaths(paths: Iterable<string>): Promise<SnapshotUpdate> {
    const up = this.begin();
    const raw = [...new Set(paths)].filter((p) => !isGitDirOnDisk(p));
    if (raw.some((p) => p === '.gitignore' || p.endsWith('/.gitignore'))) this.ignore.reload();
    // Each path's folder and the folders above it: owningPath and the apply need them all.
    await this.tree.prefetch(raw.map(parentOf));
    const kinds = new Map<string, DiskKind>();
    const seen = new Set<string>();
    for (const p of raw) {
      const rel = owningPath(this.root, this.tree, p, kinds);
      if (rel !== undefined) seen.add(rel);
    }
    await this.applyMany([...seen], up, false);
    return up;
  }

  /** Compares the whole worktree with the snapshot (the reconciliation scan). */
  async applyAll(): Promise<SnapshotUpdate> {
    const up = this.begin();
    // A scan also answers for missed events, a changed .gitignore among them.
    this.ignore.reload();
    await this.scanDir('', up, true);
    return up;
  }

  /** Brings several paths in line: lstat each, ask git about untracked ones at once, then apply. */
  private async applyMany(rels: readonly string[], up: SnapshotUpdate, useStatCache: boolean): Promise<void> {
    if (rels.length === 0) return;
    await this.tree.prefetch(new Set(rels.map(parentOf)));
    const looks = rels.map((rel) => this.look(rel));
    await Promise.all(
      looks
        .filter((l) => l.st && !l.st.isDirectory() && !this.tree.getLoaded(l.rel).entry)
        .map(async (l) => {
          l.ignored = await this.ignore.isIgnored(l.rel);
        }),
    );
    let n = 0;
    for (const l of looks) {
      await this.applyLook(l, up, useStatCache);
      if (++n % YIELD_EVERY === 0) await yieldToEventLoop();
    }
  }

  private look(rel: string): Look {
    try {
      return { rel, st: fsSync.lstatSync(path.join(this.root, rel)) };
    } catch (error) {
      return { rel, error };
    }
  }

  private async current(rel: string): Promise<TreeEntry | undefined> {
    const known = this.tree.getLoaded(rel);
    return known.loaded ? known.entry : this.tree.get(rel);
  }

  private async applyLook(l: Look, up: SnapshotUpdate, useStatCache: boolean, retried = false): Promise<void> {
    const { rel, st } = l;
    const abs = path.join(this.root, rel);
    if (l.error && !isGone(l.error)) {
      // Unreadable (a path longer than the system allows, say): report it, and keep what the
      // snapshot had rather than record a deletion nobody made.
      up.notSnapshotted.push({ path: rel, reason: `cannot be read (${errorCode(l.error)}): not snapshotted` });
      return;
    }
    const current = await this.current(rel);
    if (!st) {
      if (current) {
        if (current.mode === TREE_MODE) this.stats.deleteUnder(rel);
        this.stats.delete(rel);
        await this.tree.remove(rel);
        up.touched.add(rel);
      } else {
        up.ignoredGone.push(rel);
      }
      return;
    }
    if (st.isDirectory()) {
      if (fsSync.existsSync(path.join(abs, '.git'))) return this.applyGitlink(rel, up);
      if (current?.mode === GITLINK_MODE) return; // an uninitialised submodule: keep the link as it is
      if (current && current.mode !== TREE_MODE) {
        await this.tree.remove(rel);
        up.touched.add(rel);
      }
      return this.scanDir(rel, up, useStatCache);
    }
    if (!st.isFile() && !st.isSymbolicLink()) {
      up.notSnapshotted.push({ path: rel, reason: 'not a regular file, folder or symlink' });
      return;
    }
    if (!current && (l.ignored ?? (await this.ignore.isIgnored(rel)))) {
      up.ignoredPresent.push({ path: rel, size: st.size, mode: fileMode(st) });
      return;
    }
    const mode = fileMode(st);
    if (st.isFile() && st.size > this.maxSnapshotBytes) {
      // Validated from disk like an ignored file (so file_too_large fires), but not snapshotted.
      up.notSnapshotted.push({ path: rel, reason: `larger than ${this.maxSnapshotBytes} bytes: not snapshotted` });
      up.ignoredPresent.push({ path: rel, size: st.size, mode });
      return;
    }
    let oid: string;
    try {
      if (st.isSymbolicLink()) {
        const target = fsSync.readlinkSync(abs, { encoding: 'buffer' });
        oid = this.store.writeObjectSync('blob', target);
        this.blobs.keep(oid, target);
      } else {
        const cached = useStatCache ? this.stats.lookup(rel, st) : undefined;
        if (cached && current?.oid === cached && current.mode === mode) return;
        oid = await this.hashFile(rel, abs, st);
        this.stats.put(rel, st, oid);
      }
    } catch (e) {
      // Vanished, or replaced by something else, between lstat and reading: look again, once.
      if (!retried) return this.applyLook(this.look(rel), up, useStatCache, true);
      throw e;
    }
    if (!current || current.oid !== oid || current.mode !== mode) {
      await this.tree.set(rel, mode, oid);
      up.touched.add(rel);
    }
  }

  /** Writes a regular file as a blob: in-process when small (keeping its bytes), else streamed by git. */
  private async hashFile(rel: string, abs: string, st: Stats): Promise<string> {
    if (st.size > INLINE_HASH_BYTES) return this.store.hashFile(rel);
    const content = fsSync.readFileSync(abs);
    if (content.length > INLINE_HASH_BYTES) return this.store.hashFile(rel);
    const oid = this.store.writeObjectSync('blob', content);
    this.blobs.keep(oid, content);
    return oid;
  }

  private async applyGitlink(rel: string, up: SnapshotUpdate): Promise<void> {
    const current = await this.tree.get(rel);
    let head: string | undefined;
    try {
      head = (await git(['rev-parse', '--verify', '-q', 'HEAD'], { cwd: path.join(this.root, rel) })).trim();
    } catch {
      head = undefined;
    }
    up.notSnapshotted.push({ path: rel, reason: 'nested git repository: recorded as a link to its HEAD commit, its files are not snapshotted' });
    if (!head) {
      up.notSnapshotted.push({ path: rel, reason: 'nested git repository without commits: not snapshotted at all' });
      return;
    }
    if (current?.mode === TREE_MODE) this.stats.deleteUnder(rel);
    if (!current || current.mode !== GITLINK_MODE || current.oid !== head) {
      await this.tree.set(rel, GITLINK_MODE, head);
      up.touched.add(rel);
    }
  }

  /**
   * Walks a folder on disk against the snapshot's folder of the same path, then its
   * sub-folders, several at once (a folder's slot is given back before its sub-folders wait
   * for theirs, so the walk cannot deadlock).
   */
  private async scanDir(rel: string, up: SnapshotUpdate, useStatCache: boolean): Promise<void> {
    const subFolders: string[] = [];
    const release = await this.slots.acquire();
    try {
      let dirents: Dirent<Buffer>[];
      try {
        dirents = await fs.readdir(rel === '' ? this.root : path.join(this.root, rel), { withFileTypes: true, encoding: 'buffer' });
      } catch (e) {
        if (!isGone(e)) {
          up.notSnapshotted.push({ path: rel, reason: `folder cannot be read (${errorCode(e)}): not snapshotted` });
          return; // keep the snapshot's entries: unreadable is not deleted
        }
        dirents = [];
      }
      await this.tree.prefetch([rel]);
      const onDisk = new Set<string>();
      const files: string[] = [];
      const folders: string[] = [];
      for (const d of dirents) {
        const name = d.name.toString('utf8');
        const child = rel === '' ? name : `${rel}/${name}`;
        if (rel === '' && name === '.git') continue;
        if (!Buffer.from(name, 'utf8').equals(d.name)) {
          // Tree entries here are text; a name that is not UTF-8 cannot round-trip. Say so rather than drop it.
          up.notSnapshotted.push({ path: child, reason: 'file name is not valid UTF-8: not snapshotted; rename it' });
          continue;
        }
        onDisk.add(name);
        (d.isDirectory() ? folders : files).push(child);
      }
      await this.applyMany(files, up, useStatCache);
      // An ignored folder that the snapshot does not track is skipped whole (node_modules, build output).
      const skip = await Promise.all(folders.map((f) => (this.tree.getLoaded(f).entry ? false : this.ignore.isIgnored(f + '/'))));
      folders.forEach((f, i) => {
        if (!skip[i]) subFolders.push(f);
      });
      // Entries the snapshot has but the disk no longer does.
      for (const e of await this.tree.children(rel)) {
        if (!onDisk.has(e.name)) {
          const gone = rel === '' ? e.name : `${rel}/${e.name}`;
          if (await this.tree.remove(gone)) {
            up.touched.add(gone);
            this.stats.deleteUnder(gone);
            this.stats.delete(gone);
          }
        }
      }
    } finally {
      release();
    }
    await Promise.all(subFolders.map((f) => this.applyLook(this.look(f), up, useStatCache)));
  }
}
