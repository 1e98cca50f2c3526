/**
 * An editable view of a checkpoint's tree that loads folders lazily and rewrites only the
 * folders on changed paths. Every untouched subtree keeps its object id, so writing a new
 * snapshot costs O(changed paths × depth), not O(files in the repository).
 */
import type { ObjectStore, TreeEntry } from '../git/objectStore';

export const TREE_MODE = '040000';
export const GITLINK_MODE = '160000';

interface DirNode {
  /** Object id of this folder as last written; undefined while dirty. */
  oid: string | undefined;
  entries: Map<string, TreeEntry>;
}

export interface FileEntry {
  path: string;
  mode: string;
  oid: string;
}

export class SnapshotTree {
  private dirs = new Map<string, DirNode>();
  private dirty = new Set<string>();

  constructor(
    private readonly store: ObjectStore,
    private rootOid: string,
  ) {}

  get oid(): string | undefined {
    return this.dirty.size === 0 ? this.rootOid : undefined;
  }

  /** Drops every cached folder and starts again from `rootOid` (after a rollback or reconcile). */
  reset(rootOid: string): void {
    this.rootOid = rootOid;
    this.dirs.clear();
    this.dirty.clear();
  }

  private async dir(dirPath: string): Promise<DirNode | undefined> {
    const known = this.dirs.get(dirPath);
    if (known) return known;
    let oid: string;
    if (dirPath === '') {
      oid = this.rootOid;
    } else {
      const parent = await this.dir(parentOf(dirPath));
      const e = parent?.entries.get(baseName(dirPath));
      if (!e || e.mode !== TREE_MODE) return undefined;
      oid = e.oid;
    }
    const entries = new Map<string, TreeEntry>();
    for (const e of await this.store.readTree(oid)) entries.set(e.name, e);
    const node = { oid, entries };
    this.dirs.set(dirPath, node);
    return node;
  }

  async get(relPath: string): Promise<TreeEntry | undefined> {
    const d = await this.dir(parentOf(relPath));
    return d?.entries.get(baseName(relPath));
  }

  /** Sets a file, symlink or gitlink entry, creating folders on the way (replacing a file that stood there). */
  async set(relPath: string, mode: string, oid: string): Promise<void> {
    const parts = relPath.split('/');
    let cur = '';
    for (let i = 0; i < parts.length - 1; i++) {
      const next = cur === '' ? parts[i]! : `${cur}/${parts[i]}`;
      const node = (await this.dir(cur))!;
      const e = node.entries.get(parts[i]!);
      if (!e || e.mode !== TREE_MODE) {
        node.entries.set(parts[i]!, { mode: TREE_MODE, name: parts[i]!, oid: '' });
        this.dropCached(next);
        this.dirs.set(next, { oid: undefined, entries: new Map() });
      }
      cur = next;
    }
    const node = (await this.dir(cur))!;
    const name = parts[parts.length - 1]!;
    const old = node.entries.get(name);
    if (old && old.mode === mode && old.oid === oid) return;
    if (old?.mode === TREE_MODE) this.dropCached(relPath);
    node.entries.set(name, { mode, name, oid });
    this.markDirty(cur);
  }

  /** Removes an entry and, for a folder, everything under it. Returns whether anything was there. */
  async remove(relPath: string): Promise<boolean> {
    const parent = parentOf(relPath);
    const node = await this.dir(parent);
    if (!node || !node.entries.has(baseName(relPath))) return false;
    const old = node.entries.get(baseName(relPath))!;
    node.entries.delete(baseName(relPath));
    if (old.mode === TREE_MODE) this.dropCached(relPath);
    this.markDirty(parent);
    return true;
  }

  /** The immediate entries of a folder (empty when it is not one). */
  async children(dirPath: string): Promise<TreeEntry[]> {
    const node = await this.dir(dirPath);
    return node ? [...node.entries.values()] : [];
  }

  /** Every non-folder entry under `dirPath` ('' for all), recursively. */
  async listFiles(dirPath: string): Promise<FileEntry[]> {
    const out: FileEntry[] = [];
    const walk = async (d: string): Promise<void> => {
      const node = await this.dir(d);
      if (!node) return;
      for (const e of node.entries.values()) {
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

  /** Writes every dirty folder, deepest first, pruning empty ones; returns the root tree id. */
  async write(): Promise<string> {
    if (this.dirty.size === 0) return this.rootOid;
    // Deepest folders first; folders of the same depth are independent, so they are written at once.
    const byDepth = new Map<number, string[]>();
    for (const d of this.dirty) byDepth.set(depth(d), [...(byDepth.get(depth(d)) ?? []), d]);
    for (const level of [...byDepth.keys()].sort((a, b) => b - a)) {
      await Promise.all(byDepth.get(level)!.map((d) => this.writeDir(d)));
    }
    this.dirty.clear();
    return this.rootOid;
  }

  private async writeDir(d: string): Promise<void> {
    const node = this.dirs.get(d);
    if (!node) return;
    if (d !== '' && node.entries.size === 0) {
      this.dirs.get(parentOf(d))?.entries.delete(baseName(d));
      this.dirs.delete(d);
      return;
    }
    node.oid = await this.store.writeTree([...node.entries.values()]);
    if (d === '') this.rootOid = node.oid;
    else this.dirs.get(parentOf(d))!.entries.set(baseName(d), { mode: TREE_MODE, name: baseName(d), oid: node.oid });
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
  for (const c of p) if (c === '/') n++;
  return n;
}
