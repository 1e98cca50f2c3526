/**
 * Which objects the repository's packs hold, read from their `.idx` files (version 2: a fan-out
 * table, then the sorted object ids). Writing a blob in-process must not duplicate an object a
 * pack already has as a loose file: a first scan of 100,000 files would write 100,000 copies.
 * `git hash-object -w` checks the same way. One view per objects folder, shared by every
 * feature of the repository; reloaded when the pack folder changes (a gc, a fetch).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const MAGIC = 0xff744f63; // "\377tOc"
/** How often at most the pack folder is looked at for new or removed packs. */
const RECHECK_MS = 1000;

interface Idx {
  /** Object ids, sorted, `oidBytes` each. */
  oids: Buffer;
  /** fanout[b]: how many ids start with a byte <= b. */
  fanout: Uint32Array;
  count: number;
}

class PackSet {
  /** The index files read so far, by file name (each read once: a pack never changes). */
  private idxs = new Map<string, Idx>();
  private stamp = '';
  private checkedAt = 0;

  constructor(
    private readonly packDir: string,
    private readonly oidBytes: number,
  ) {}

  /** Reads new index files and forgets removed ones when the pack folder changed (checked at most once a second). */
  private refresh(): void {
    const now = Date.now();
    if (now - this.checkedAt < RECHECK_MS) return;
    this.checkedAt = now;
    let stamp: string;
    let names: string[];
    try {
      stamp = String(fs.statSync(this.packDir).mtimeMs);
      if (stamp === this.stamp) return;
      names = fs.readdirSync(this.packDir).filter((n) => n.endsWith('.idx'));
    } catch {
      this.idxs.clear();
      this.stamp = '';
      return;
    }
    const next = new Map<string, Idx>();
    for (const n of names) {
      const idx = this.idxs.get(n) ?? readIdx(path.join(this.packDir, n), this.oidBytes);
      if (idx) next.set(n, idx);
    }
    this.idxs = next;
    this.stamp = stamp;
  }

  /** A pack just written here (so its objects count at once, not after the next look at the folder). */
  added(idxFile: string): void {
    const idx = readIdx(idxFile, this.oidBytes);
    if (idx) this.idxs.set(path.basename(idxFile), idx);
  }

  /** A pack just removed here (merged into another). */
  removed(idxFile: string): void {
    this.idxs.delete(path.basename(idxFile));
  }

  has(oidHex: string): boolean {
    this.refresh();
    if (this.idxs.size === 0) return false;
    const want = Buffer.from(oidHex, 'hex');
    for (const idx of this.idxs.values()) if (find(idx, want, this.oidBytes)) return true;
    return false;
  }
}

/** What the object store needs of the pack view. */
export interface Packs {
  has(oidHex: string): boolean;
  added(idxFile: string): void;
  removed(idxFile: string): void;
}

function readIdx(file: string, oidBytes: number): Idx | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  // Version 2 only (git's default for fifteen years); anything else is simply not consulted.
  if (buf.length < 8 + 1024 || buf.readUInt32BE(0) !== MAGIC || buf.readUInt32BE(4) !== 2) return undefined;
  const fanout = new Uint32Array(256);
  for (let i = 0; i < 256; i++) fanout[i] = buf.readUInt32BE(8 + 4 * i);
  const count = fanout[255]!;
  const start = 8 + 1024;
  if (buf.length < start + count * oidBytes) return undefined;
  // A copy, so the offsets and checksums that follow are not kept in memory.
  return { oids: Buffer.from(buf.subarray(start, start + count * oidBytes)), fanout, count };
}

function find(idx: Idx, want: Buffer, oidBytes: number): boolean {
  const first = want[0]!;
  let lo = first === 0 ? 0 : idx.fanout[first - 1]!;
  let hi = idx.fanout[first]!;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = idx.oids.compare(want, 0, oidBytes, mid * oidBytes, (mid + 1) * oidBytes);
    if (c === 0) return true;
    if (c > 0) hi = mid;
    else lo = mid + 1;
  }
  return false;
}

const shared = new Map<string, PackSet>();

/** The packs of an objects folder (one shared view per folder). */
export function packsOf(objectsDir: string, oidBytes: number): Packs {
  let set = shared.get(objectsDir);
  if (!set) shared.set(objectsDir, (set = new PackSet(path.join(objectsDir, 'pack'), oidBytes)));
  return set;
}
