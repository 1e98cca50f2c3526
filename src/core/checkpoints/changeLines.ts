/** Line counts of one checkpoint's changes from bytes in hand, so git need not read every changed blob again. */
import type { ObjectStore } from '../git/objectStore';
import type { FileChange } from '../model/types';
import { countLines, type LineCounts } from './lineCounts';
import type { RecentBlobs } from './recentBlobs';
import { INLINE_HASH_BYTES } from './snapshotter';

/** Checkpoints changing more files than this have their lines counted by git. */
const MAX_COUNTED_FILES = 5000;

export interface LineSources {
  /** Blobs this checkpoint hashed, by id. */
  fresh: ReadonlyMap<string, Buffer>;
  /** Blobs of recent checkpoints. */
  recent: Pick<RecentBlobs, 'get'>;
  /** A blob's size when already known. */
  knownSize(oid: string): number | undefined;
  store: Pick<ObjectStore, 'read'>;
}

/**
 * Fills in each change's line counts (or binary) in place; false when git must count instead.
 * New bytes come from this checkpoint's hashing, old ones from recent checkpoints or git.
 */
export async function countChangeLines(changes: FileChange[], src: LineSources): Promise<boolean> {
  const { fresh } = src;
  const bytes = async (oid: string | undefined, mode: string | undefined): Promise<Buffer | undefined | false> => {
    if (oid === undefined || mode === '160000') return undefined;
    const known = fresh.get(oid) ?? src.recent.get(oid);
    if (known) return known;
    const size = src.knownSize(oid);
    if (size !== undefined && size > INLINE_HASH_BYTES) return false;
    const obj = await src.store.read(oid);
    if (!obj || obj.data.length > INLINE_HASH_BYTES) return false;
    return obj.data;
  };
  if (changes.length > MAX_COUNTED_FILES) return false;
  const sides = await Promise.all(
    changes.map(async (c) => [await bytes(c.status === 'A' ? undefined : c.oldOid, c.oldMode), await bytes(c.status === 'D' ? undefined : c.oid, c.mode)] as const),
  );
  const counts: (LineCounts | undefined)[] = [];
  for (let i = 0; i < changes.length; i++) {
    const [before, after] = sides[i]!;
    if (before === false || after === false) return false;
    const n = countLines(changes[i]!, before, after);
    if (!n) return false;
    counts.push(n);
    if (i % 256 === 255) await new Promise((r) => setImmediate(r));
  }
  changes.forEach((c, i) => {
    const n = counts[i]!;
    if ('binary' in n) c.binary = true;
    else {
      c.added = n.added;
      c.removed = n.removed;
    }
  });
  return true;
}
