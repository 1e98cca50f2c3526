/**
 * Brings a SnapshotTree in line with the worktree for a set of paths (from the watchdog) or for
 * everything (a reconciliation scan). Knows the worktree's rules: `.git` is never snapshotted;
 * ignored files are left out unless the snapshot already tracks them (they are reported for
 * validation); nested repositories become gitlinks (their content is reported as not
 * snapshotted); files are hashed through git, symlinks in-process.
 */
import * as fs from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import * as path from 'node:path';
import type { GitMode } from '../model/types';
import type { IgnoreChecker } from '../git/ignoreChecker';
import type { ObjectStore } from '../git/objectStore';
import { git } from '../git/gitRunner';
import { GITLINK_MODE, TREE_MODE, type SnapshotTree } from './snapshotTree';
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

function isGitDirPath(rel: string): boolean {
  return rel === '.git' || rel.startsWith('.git/');
}

/** Files larger than this are not copied into the object store (a 1 GB file must not stall a checkpoint). */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;

export class Snapshotter {
  constructor(
    private readonly root: string,
    private readonly tree: SnapshotTree,
    private readonly store: ObjectStore,
    private readonly ignore: IgnoreChecker,
    private readonly stats: StatCache,
    private readonly maxSnapshotBytes = DEFAULT_MAX_SNAPSHOT_BYTES,
  ) {}

  private newUpdate(): SnapshotUpdate {
    return { touched: new Set(), ignoredPresent: [], ignoredGone: [], notSnapshotted: [] };
  }

  /** Re-examines the given worktree-relative paths. */
  async applyPaths(paths: Iterable<string>): Promise<SnapshotUpdate> {
    const up = this.newUpdate();
    const seen = new Set<string>();
    const kinds = new Map<string, DiskKind>();
    for (const raw of paths) {
      const rel = await this.owningPath(raw, kinds);
      if (rel !== undefined) seen.add(rel);
    }
    const looked = await this.inspectAll([...seen], false);
    for (const rel of seen) await this.applyOne(rel, up, false, looked.get(rel));
    return up;
  }

  /**
   * Looks at many paths at once, changing nothing: lstat, the ignore check and hashing are
   * pipelined through git's long-lived processes. One round trip per file, one after another,
   * made a 10,000-file checkpoint take seconds; applyOne then uses what was found.
   */
  private async inspectAll(rels: string[], useStatCache: boolean): Promise<Map<string, Inspected>> {
    const out = new Map<string, Inspected>();
    for (let i = 0; i < rels.length; i += INSPECT_CHUNK) {
      await Promise.all(rels.slice(i, i + INSPECT_CHUNK).map(async (rel) => out.set(rel, await this.inspect(rel, useStatCache))));
    }
    return out;
  }

  private async inspect(rel: string, useStatCache: boolean): Promise<Inspected> {
    let st: Stats;
    try {
      st = await fs.lstat(path.join(this.root, rel));
    } catch (error) {
      return { error };
    }
    if (!st.isFile()) return { st };
    const current = await this.tree.get(rel);
    const ignored = current ? undefined : await this.ignore.isIgnored(rel);
    if (ignored || st.size > this.maxSnapshotBytes) return { st, ignored };
    const cached = useStatCache ? this.stats.lookup(rel, st) : undefined;
    if (cached && current?.oid === cached && current.mode === fileMode(st)) return { st, ignored, oid: cached };
    try {
      return { st, ignored, oid: await this.store.hashFile(rel) };
    } catch {
      return { st, ignored }; // applyOne looks again
    }
  }

  /** Compares the whole worktree with the snapshot (the reconciliation scan). */
  async applyAll(): Promise<SnapshotUpdate> {
    const up = this.newUpdate();
    await this.scanDir('', up, true);
    return up;
  }

  /**
   * The path whose entry represents `rel`: itself, the nearest enclosing nested repository
   * (whose content is a gitlink, not files), or the nearest enclosing folder that is now a link
   * or a file (nothing is ever read through a link: that would copy files from outside the
   * worktree into the snapshot). Undefined for paths inside `.git`.
   */
  private async owningPath(rel: string, kinds: Map<string, DiskKind>): Promise<string | undefined> {
    if (isGitDirPath(rel)) return undefined;
    const parts = rel.split('/');
    if (parts.includes('.git')) return this.owningPath(parts.slice(0, parts.indexOf('.git')).join('/'), kinds);
    let cur = '';
    for (let i = 0; i < parts.length - 1; i++) {
      cur = cur === '' ? parts[i]! : `${cur}/${parts[i]}`;
      let kind = kinds.get(cur);
      if (kind === undefined) {
        kind = await diskKind(path.join(this.root, cur));
        kinds.set(cur, kind);
      }
      if (kind === 'missing') return rel;
      if (kind === 'other') return cur;
      const e = await this.tree.get(cur);
      if (e?.mode === GITLINK_MODE) return cur;
      if (e === undefined) {
        const key = `${cur}/.git`;
        let nested = kinds.get(key);
        if (nested === undefined) {
          nested = await diskKind(path.join(this.root, key));
          kinds.set(key, nested);
        }
        if (nested !== 'missing') return cur;
      }
    }
    return rel;
  }

  private async applyOne(rel: string, up: SnapshotUpdate, useStatCache: boolean, pre?: Inspected): Promise<void> {
    const abs = path.join(this.root, rel);
    let st: Stats | undefined;
    try {
      if (pre?.error) throw pre.error;
      st = pre?.st ?? (await fs.lstat(abs));
    } catch (e) {
      if (!isMissing(e)) {
        // Unreadable (a path longer than the system allows, say): report it, and keep what the
        // snapshot had rather than record a deletion nobody made.
        up.notSnapshotted.push({ path: rel, reason: `cannot be read (${errorCode(e)}): not snapshotted` });
        return;
      }
      st = undefined;
    }
    const current = await this.tree.get(rel);
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
      if (await exists(path.join(abs, '.git'))) return this.applyGitlink(rel, up);
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
    if (!current && (pre?.ignored ?? (await this.ignore.isIgnored(rel)))) {
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
    if (st.isSymbolicLink()) {
      oid = await this.store.writeObject('blob', Buffer.from(await fs.readlink(abs, { encoding: 'buffer' })));
    } else {
      const cached = useStatCache ? this.stats.lookup(rel, st) : undefined;
      if (cached && current?.oid === cached && current.mode === mode) return;
      try {
        oid = pre?.oid ?? (await this.store.hashFile(rel));
      } catch (e) {
        // Vanished or became unreadable between lstat and hashing: look again next batch.
        if (!(await exists(abs))) return this.applyOne(rel, up, useStatCache);
        throw e;
      }
      this.stats.put(rel, st, oid);
    }
    if (!current || current.oid !== oid || current.mode !== mode) {
      await this.tree.set(rel, mode, oid);
      up.touched.add(rel);
    }
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

  /** Walks a folder on disk against the snapshot's folder of the same path. */
  private async scanDir(rel: string, up: SnapshotUpdate, useStatCache: boolean): Promise<void> {
    let dirents: Dirent<Buffer>[];
    try {
      dirents = await fs.readdir(rel === '' ? this.root : path.join(this.root, rel), { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      if (!isMissing(e)) {
        up.notSnapshotted.push({ path: rel, reason: `folder cannot be read (${errorCode(e)}): not snapshotted` });
        return; // keep the snapshot's entries: unreadable is not deleted
      }
      dirents = [];
    }
    const files = dirents.filter((d) => !d.isDirectory() && !(rel === '' && d.name.toString() === '.git')).map((d) => d.name.toString('utf8'));
    const looked = await this.inspectAll(
      files.map((n) => (rel === '' ? n : `${rel}/${n}`)),
      useStatCache,
    );
    const onDisk = new Set<string>();
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
      if (d.isDirectory()) {
        const tracked = await this.tree.get(child);
        // An ignored folder that the snapshot does not track is skipped whole (node_modules, build output).
        if (!tracked && (await this.ignore.isIgnored(child + '/'))) {
          continue;
        }
      }
      await this.applyOne(child, up, useStatCache, looked.get(child));
    }
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
  }
}

/** Paths inspected at once (bounds the requests queued on git's processes). */
const INSPECT_CHUNK = 256;

/** What inspect() found about a path before applyOne changes the snapshot. */
interface Inspected {
  st?: Stats;
  error?: unknown;
  /** Set only when the ignore check was made. */
  ignored?: boolean;
  oid?: string;
}

type DiskKind = 'dir' | 'missing' | 'other';

/** What is at `abs`, without following a link: a real folder, nothing, or something else. */
async function diskKind(abs: string): Promise<DiskKind> {
  try {
    return (await fs.lstat(abs)).isDirectory() ? 'dir' : 'other';
  } catch (e) {
    return isMissing(e) ? 'missing' : 'other';
  }
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'error';
}

/** The path (or a folder on the way) does not exist. */
function isMissing(e: unknown): boolean {
  const code = errorCode(e);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}
