/**
 * An editable view of a checkpoint's tree that loads folders lazily and rewrites only the
 * folders on changed paths. Every untouched subtree keeps its object id, so writing a new
 * snapshot costs O(changed paths × depth), not O(files in the repository). A folder is read
 * from git once however many lookups wait for it at the same time.
 */
import type { ObjectStore, TreeEntry } from '../git/objectStore';
import type { FileChange, GitMode } from '../model/types';
import { AopError } from '../util/errors';
import { TREE_MODE, TreeNode } from './treeNode';

export { TREE_MODE } from './treeNode';
export const GITLINK_MODE = '160000';

export interface FileEntry {
  path: string;
  mode: string;
  oid: string;
}

export class SnapshotTree {
  private dirs = new Map<string, TreeNode>();
  /** Folder reads in flight, so concurrent lookups share one read. */
  private loading = new Map<string, Promise<TreeNode | undefined>>();
  private dirty = new Set<string>();
  /**
   * Every path set or removed since the last changes() call, with the entry it had before (its
   * first change wins), and the root the round started from: what the round changed, exactly.
   */
  private touched = new Map<string, TreeEntry | undefined>();
  private roundRoot: string;
  /** Bumped by reset(): reads started before it must not land in the new state. */
  private generation = 0;
  private readonly oidBytes: number;

  constructor(
    private readonly store: ObjectStore,
    private rootOid: string,
  ) {
    this.oidBytes = store.oidLength / 2;
    this.roundRoot = rootOid;
  }

  get oid(): string | undefined {
    return this.dirty.size === 0 ? this.rootOid : undefined;
  }

  /** Folders held in memory (each read once, kept until reset). */
  get loadedFolders(): number {
    return this.dirs.size;
  }

  /** Drops every cached folder and starts again from `rootOid` (after a rollback or reconcile). */
  reset(rootOid: string): void {
    this.rootOid = rootOid;
    this.dirs.clear();
    this.loading.clear();
    this.dirty.clear();
    this.touched.clear();
    this.roundRoot = rootOid;
    this.generation++;
  }

  private note(relPath: string, before: TreeEntry | undefined): void {
    if (!this.touched.has(relPath)) this.touched.set(relPath, before);
  }

  private dir(dirPath: string): Promise<TreeNode | undefined> | TreeNode | undefined {
    const known = this.dirs.get(dirPath);
    if (known) return known;
    let pending = this.loading.get(dirPath);
    if (!pending) {
      pending = this.load(dirPath);
      this.loading.set(dirPath, pending);
    }
    return pending;
  }

  private async load(dirPath: string): Promise<TreeNode | undefined> {
    const gen = this.generation;
    let oid: string;
    if (dirPath === '') {
      oid = this.rootOid;
    } else {
      const parent = await this.dir(parentOf(dirPath));
      const e = parent?.get(baseName(dirPath));
      if (!e || e.mode !== TREE_MODE) {
        if (this.generation === gen) this.loading.delete(dirPath);
        return undefined;
      }
      oid = e.oid;
    }
    let node: TreeNode;
    try {
      const obj = await this.store.read(oid);
      if (!obj || obj.type !== 'tree') throw new AopError('NOT_FOUND', `tree ${oid} not found`);
      node = TreeNode.parse(oid, obj.data, this.oidBytes);
    } finally {
      if (this.generation === gen && this.loading.get(dirPath)) this.loading.delete(dirPath);
    }
    if (this.generation !== gen) return node;
    // While it was read, the folder may have been replaced or written: what is cached wins.
    const now = this.dirs.get(dirPath);
    if (now) return now;
    const parentNow = dirPath === '' ? undefined : this.dirs.get(parentOf(dirPath));
    const e = parentNow?.get(baseName(dirPath));
    if (dirPath !== '' && (!e || e.mode !== TREE_MODE || e.oid !== oid)) return this.dir(dirPath);
    this.dirs.set(dirPath, node);
    return node;
  }

  /** Loads these folders (and the folders above them) at once, ahead of lookups. */
  async prefetch(dirPaths: Iterable<string>): Promise<void> {
    const all = new Set<string>();
    for (const d of dirPaths) for (let p: string | undefined = d; p !== undefined && !all.has(p); p = p === '' ? undefined : parentOf(p)) all.add(p);
    await Promise.all([...all].map((d) => this.dir(d)));
  }

  /** The entry at a path, when its folder is already loaded (undefined: not loaded or absent). */
  getLoaded(relPath: string): { loaded: boolean; entry?: TreeEntry } {
    const d = this.dirs.get(parentOf(relPath));
    return d ? { loaded: true, entry: d.get(baseName(relPath)) } : { loaded: false };
  }

  async get(relPath: string): Promise<TreeEntry | undefined> {
    const d = await this.dir(parentOf(relPath));
    return d?.get(baseName(relPath));
  }

  /** Sets a file, symlink or gitlink entry, creating folders on the way (replacing a file that stood there). */
  async set(relPath: string, mode: string, oid: string): Promise<void> {
    const parts = relPath.split('/');
    let cur = '';
    for (let i = 0; i < parts.length - 1; i++) {
      const next = cur === '' ? parts[i]! : `${cur}/${parts[i]}`;
      const node = (await this.dir(cur))!;
      const e = node.get(parts[i]!);
      if (!e || e.mode !== TREE_MODE) {
        this.note(next, e);
        // A placeholder id: the folder is dirty and gets its real id when written.
        node.set({ mode: TREE_MODE, name: parts[i]!, oid: this.store.zeroOid });
        this.dropCached(next);
        this.dirs.set(next, TreeNode.empty(this.oidBytes));
        this.markDirty(cur);
      }
      cur = next;
    }
    const node = (await this.dir(cur))!;
    const name = parts[parts.length - 1]!;
    const old = node.get(name);
    if (!old || old.mode !== mode || old.oid !== oid) this.note(relPath, old);
    if (node.set({ mode, name, oid })) {
      if (old?.mode === TREE_MODE) this.dropCached(relPath);
      this.markDirty(cur);
    }
  }

  /** Removes an entry and, for a folder, everything under it. Returns whether anything was there. */
  async remove(relPath: string): Promise<boolean> {
    const parent = parentOf(relPath);
    const node = await this.dir(parent);
    const old = node?.get(baseName(relPath));
    if (!node || !old) return false;
    this.note(relPath, old);
    node.delete(baseName(relPath));
    if (old.mode === TREE_MODE) this.dropCached(relPath);
    this.markDirty(parent);
    return true;
  }

  /** The immediate entries of a folder (empty when it is not one). */
  async children(dirPath: string): Promise<TreeEntry[]> {
    const node = await this.dir(dirPath);
    return node ? [...node.values()] : [];
  }

  /** Every non-folder entry under `dirPath` ('' for all), recursively. */
  async listFiles(dirPath: string): Promise<FileEntry[]> {
    const out: FileEntry[] = [];
    const walk = async (d: string): Promise<void> => {
      const node = await this.dir(d);
      if (!node) return;
      for (const e of node.values()) {
        const p = d === '' ? e.name : `${d}/${e.name}`;
        if (e.mode === TREE_MODE) await walk(p);
        else out.push({ path: p, mode: e.mode, oid: e.oid });
      }
    };
    const self = dirPath === '' ? undefined : await this.get(dirPath);
    if (self && self.mode !== TREE_MODE) return [{ path: dirPath, mode: self.mode, oid: self.oid }];
    await walk(dirPath);
    return out;
  }

  /**
   * The file-level changes since the last call (after write()): what `git diff-tree -r` of the
   * two roots lists, in its order, without reading the trees again. A folder replaced, removed
   * or added whole is expanded from the old root (read then) and the new one (in memory).
   */
  async changes(): Promise<FileChange[]> {
    const from = this.roundRoot;
    const touched = [...this.touched].sort((a, b) => byPath(a[0], b[0]));
    this.touched.clear();
    this.roundRoot = this.rootOid;
    if (from === this.rootOid || touched.length === 0) return [];
    let oldView: SnapshotTree | undefined;
    const out: FileChange[] = [];
    let covered: string | undefined;
    for (const [p, before] of touched) {
      if (covered !== undefined && p.startsWith(covered + '/')) continue;
      const after = await this.get(p);
      const olds = new Map<string, { mode: string; oid: string }>();
      const news = new Map<string, { mode: string; oid: string }>();
      if (before?.mode === TREE_MODE) {
        oldView ??= new SnapshotTree(this.store, from);
        for (const f of await oldView.listFiles(p)) olds.set(f.path, f);
      } else if (before) olds.set(p, before);
      if (after?.mode === TREE_MODE) for (const f of await this.listFiles(p)) news.set(f.path, f);
      else if (after) news.set(p, after);
      if (before?.mode === TREE_MODE || after?.mode === TREE_MODE) covered = p;
      for (const q of [...new Set([...olds.keys(), ...news.keys()])].sort(byPath)) {
        const a = olds.get(q);
        const b = news.get(q);
        if (a && b && a.mode === b.mode && a.oid === b.oid) continue;
        out.push(fileChange(q, a, b));
      }
    }
    return out.sort((x, y) => byPath(x.path, y.path));
  }

  /** Writes every dirty folder, deepest first, pruning empty ones; returns the root tree id. */
  async write(): Promise<string> {
    if (this.dirty.size === 0) return this.rootOid;
    const order = [...this.dirty].sort((a, b) => depth(b) - depth(a));
    for (const d of order) {
      const node = this.dirs.get(d);
      if (!node) continue;
      if (d !== '' && node.size === 0) {
        this.dirs.get(parentOf(d))?.delete(baseName(d));
        this.dirs.delete(d);
        continue;
      }
      node.oid = this.store.writeObjectSync('tree', node.encode());
      if (d === '') this.rootOid = node.oid;
      else this.dirs.get(parentOf(d))!.set({ mode: TREE_MODE, name: baseName(d), oid: node.oid });
    }
    this.dirty.clear();
    return this.rootOid;
  }

  private markDirty(dirPath: string): void {
    let d: string | undefined = dirPath;
    while (d !== undefined) {
      if (this.dirty.has(d)) return;
      this.dirty.add(d);
      const node = this.dirs.get(d);
      if (node) node.oid = undefined;
      d = d === '' ? undefined : parentOf(d);
    }
  }

  private dropCached(dirPath: string): void {
    const prefix = dirPath + '/';
    for (const k of [...this.dirs.keys()]) if (k === dirPath || k.startsWith(prefix)) this.dirs.delete(k);
    for (const k of [...this.loading.keys()]) if (k === dirPath || k.startsWith(prefix)) this.loading.delete(k);
    for (const k of [...this.dirty]) if (k === dirPath || k.startsWith(prefix)) this.dirty.delete(k);
  }
}

export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function depth(p: string): number {
  if (p === '') return 0;
  let n = 1;
  for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) === 47) n++;
  return n;
}

/** git's order for full paths: bytewise, which for '/'-joined paths is the order `diff-tree -r` lists. */
export function byPath(a: string, b: string): number {
  if (a === b) return 0;
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const SURROGATE = /[\ud800-\udfff]/;

/** git's file types: a mode change between them is a type change ('T'), within one a modification. */
function typeOf(mode: string): string {
  return mode === '120000' ? 'link' : mode === GITLINK_MODE ? 'gitlink' : 'file';
}

/** One change between two entries of a path, as `diff-tree --raw` reports it. */
export function fileChange(p: string, before: { mode: string; oid: string } | undefined, after: { mode: string; oid: string } | undefined): FileChange {
  const status: FileChange['status'] = !before ? 'A' : !after ? 'D' : typeOf(before.mode) !== typeOf(after.mode) ? 'T' : 'M';
  const c: FileChange = { path: p, status, mode: (after ?? before)!.mode as GitMode };
  if (before) {
    c.oldMode = before.mode as GitMode;
    c.oldOid = before.oid;
  }
  if (after) c.oid = after.oid;
  return c;
}
