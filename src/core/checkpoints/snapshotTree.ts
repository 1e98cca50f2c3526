/**
 * An editable view of a checkpoint's tree that loads folders lazily and rewrites only the
 * folders on changed paths. Every untouched subtree keeps its object id, so writing a new
 * snapshot costs O(changed paths × depth), not O(files in the repository). A folder is read
 * from git once however many lookups wait for it at the same time.
 */
import type { ObjectStore, TreeEntry } from '../git/objectStore';
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
  /** Bumped by reset(): reads started before it must not land in the new state. */
  private generation = 0;
  private readonly oidBytes: number;

  constructor(
    private readonly store: ObjectStore,
    private rootOid: string,
  ) {
    this.oidBytes = store.oidLength / 2;
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
    this.generation++;
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
