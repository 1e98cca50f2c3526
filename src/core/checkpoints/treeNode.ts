/**
 * One folder of a snapshot: its entries in git's order, and its encoded tree object kept in
 * step with them. Changing the id of an existing entry (a modified file, a rewritten sub-folder)
 * patches the id bytes in place, so a folder of 40,000 entries is re-encoded in O(1); only
 * additions, removals and type changes re-encode it, merging the few new names into the sorted
 * ones in one linear pass (git sorts by name, a folder's name compared as if it ended with '/').
 */
import { AopError } from '../util/errors';
import type { TreeEntry } from '../git/objectStore';

export const TREE_MODE = '040000';

const SURROGATE = /[\ud800-\udfff]/;
const isTreeMode = (mode: string): boolean => mode === TREE_MODE;

function sortKey(name: string, mode: string): string {
  return isTreeMode(mode) ? name + '/' : name;
}

/**
 * git's order: bytewise on the UTF-8 names. JavaScript compares UTF-16 code units, which gives
 * the same order unless a surrogate pair (a character above U+FFFF) is involved.
 */
export function compareKeys(a: string, b: string): number {
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  return a < b ? -1 : a > b ? 1 : 0;
}

export class TreeNode {
  /** Object id as last read or written; undefined while changed since. */
  oid: string | undefined;
  private entries: Map<string, TreeEntry>;
  /** Names added (or turned into / out of folders) since the last encoding: not yet in order. */
  private readonly unsorted = new Set<string>();
  /** The encoded tree while it matches `entries` (ids patched in place), and where each id sits. */
  private raw: Buffer | undefined;
  private offsets: Map<string, number> | undefined;

  private constructor(
    oid: string | undefined,
    entries: Map<string, TreeEntry>,
    raw: Buffer | undefined,
    offsets: Map<string, number> | undefined,
    private readonly oidBytes: number,
  ) {
    this.oid = oid;
    this.entries = entries;
    this.raw = raw;
    this.offsets = offsets;
  }

  static empty(oidBytes: number): TreeNode {
    return new TreeNode(undefined, new Map(), Buffer.alloc(0), new Map(), oidBytes);
  }

  /** Parses a tree object's body (entries arrive in git's order). */
  static parse(oid: string, data: Buffer, oidBytes: number): TreeNode {
    const entries = new Map<string, TreeEntry>();
    const offsets = new Map<string, number>();
    let i = 0;
    while (i < data.length) {
      const sp = data.indexOf(32, i);
      const nul = data.indexOf(0, sp);
      if (sp < 0 || nul < 0 || nul + 1 + oidBytes > data.length) throw new AopError('GIT_FAILED', `tree ${oid} is malformed`);
      const mode = data.toString('latin1', i, sp);
      const name = data.toString('utf8', sp + 1, nul);
      entries.set(name, { mode: mode === '40000' ? TREE_MODE : mode, name, oid: data.toString('hex', nul + 1, nul + 1 + oidBytes) });
      offsets.set(name, nul + 1);
      i = nul + 1 + oidBytes;
    }
    return new TreeNode(oid, entries, data, offsets, oidBytes);
  }

  get size(): number {
    return this.entries.size;
  }

  get(name: string): TreeEntry | undefined {
    return this.entries.get(name);
  }

  values(): IterableIterator<TreeEntry> {
    return this.entries.values();
  }

  /** Sets an entry; returns false when it was already exactly that. */
  set(entry: TreeEntry): boolean {
    const old = this.entries.get(entry.name);
    if (old && old.mode === entry.mode && old.oid === entry.oid) return false;
    this.entries.set(entry.name, entry);
    this.oid = undefined;
    if (old && old.mode === entry.mode && this.raw && this.offsets) {
      const at = this.offsets.get(entry.name);
      if (at !== undefined && entry.oid.length === this.oidBytes * 2 && this.raw.write(entry.oid, at, this.oidBytes, 'hex') === this.oidBytes) return true;
    }
    this.drop();
    if (!old || isTreeMode(old.mode) !== isTreeMode(entry.mode)) this.unsorted.add(entry.name);
    return true;
  }

  delete(name: string): boolean {
    if (!this.entries.delete(name)) return false;
    this.unsorted.delete(name);
    this.oid = undefined;
    this.drop();
    return true;
  }

  private drop(): void {
    this.raw = undefined;
    this.offsets = undefined;
  }

  /** The tree object's body for the current entries. */
  encode(): Buffer {
    if (this.raw) return this.raw;
    if (this.unsorted.size > 0) this.restoreOrder();
    let length = 0;
    for (const e of this.entries.values()) length += (isTreeMode(e.mode) ? 5 : e.mode.length) + 2 + Buffer.byteLength(e.name, 'utf8') + this.oidBytes;
    const buf = Buffer.allocUnsafe(length);
    const offsets = new Map<string, number>();
    let at = 0;
    for (const e of this.entries.values()) {
      at += buf.write(isTreeMode(e.mode) ? '40000' : e.mode, at, 'latin1');
      buf[at++] = 32;
      at += buf.write(e.name, at, 'utf8');
      buf[at++] = 0;
      offsets.set(e.name, at);
      if (e.oid.length !== this.oidBytes * 2 || buf.write(e.oid, at, this.oidBytes, 'hex') !== this.oidBytes) {
        throw new AopError('INVALID_INPUT', `bad object id for ${e.name}`);
      }
      at += this.oidBytes;
    }
    this.raw = buf;
    this.offsets = offsets;
    return buf;
  }

  /** Merges the names added since the last encoding into the sorted rest, in one pass. */
  private restoreOrder(): void {
    const added = [...this.unsorted].map((n) => this.entries.get(n)!).filter(Boolean);
    added.sort((a, b) => compareKeys(sortKey(a.name, a.mode), sortKey(b.name, b.mode)));
    const next = new Map<string, TreeEntry>();
    let j = 0;
    for (const e of this.entries.values()) {
      if (this.unsorted.has(e.name)) continue;
      const key = sortKey(e.name, e.mode);
      while (j < added.length && compareKeys(sortKey(added[j]!.name, added[j]!.mode), key) < 0) next.set(added[j]!.name, added[j++]!);
      next.set(e.name, e);
    }
    while (j < added.length) next.set(added[j]!.name, added[j++]!);
    this.entries = next;
    this.unsorted.clear();
  }
}
