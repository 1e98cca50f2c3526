/**
 * A new feature's stat cache, taken from the index git wrote with its files, so the first
 * reconciliation of a big worktree compares stat data instead of hashing every file again.
 *
 * The index holds, per file, the stat data git saw when it wrote or last verified the file and
 * the blob it holds. Those pairs are what the stat cache records itself after hashing. A file
 * changed since has another ctime (which no one can set back), so it is hashed as usual; entries
 * git could not trust either ("racily clean": modified within a second of the index being
 * written) are left out. Only index versions 2 and 3 are read; anything else seeds nothing.
 */
import * as fs from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomicFile';
import { statKeyOf } from './statCache';

/** Writes `cacheFile` from `indexFile` unless it exists; returns the number of entries seeded. */
export async function seedStatCache(indexFile: string, cacheFile: string, oidBytes: 20 | 32): Promise<number> {
  let data: Buffer;
  let indexMtimeMs: number;
  try {
    await fs.access(cacheFile);
    return 0;
  } catch {
    // no cache yet: seed it
  }
  try {
    data = await fs.readFile(indexFile);
    indexMtimeMs = (await fs.stat(indexFile)).mtimeMs;
  } catch {
    return 0;
  }
  const rows = indexRows(data, oidBytes, indexMtimeMs - 1000);
  if (rows.length === 0) return 0;
  await writeFileAtomic(cacheFile, JSON.stringify(rows));
  return rows.length;
}

/** [path, stat key, oid] for each regular file changed before `trustBeforeMs`. */
function indexRows(data: Buffer, oidBytes: number, trustBeforeMs: number): [string, string, string][] {
  if (data.length < 12 || data.toString('latin1', 0, 4) !== 'DIRC') return [];
  const version = data.readUInt32BE(4);
  if (version !== 2 && version !== 3) return [];
  const count = data.readUInt32BE(8);
  const rows: [string, string, string][] = [];
  let at = 12;
  for (let i = 0; i < count; i++) {
    const fixed = 40 + oidBytes + 2;
    if (at + fixed > data.length) return [];
    const u32 = (n: number) => data.readUInt32BE(at + n * 4);
    const ctimeMs = u32(0) * 1e3 + u32(1) / 1e6; // as Node computes Stats.ctimeMs
    const mtimeMs = u32(2) * 1e3 + u32(3) / 1e6;
    const ino = u32(5);
    const mode = u32(6);
    const size = u32(9);
    const oid = data.toString('hex', at + 40, at + 40 + oidBytes);
    const flags = data.readUInt16BE(at + 40 + oidBytes);
    const extended = version === 3 && (flags & 0x4000) !== 0;
    const nameAt = at + fixed + (extended ? 2 : 0);
    const end = data.indexOf(0, nameAt);
    if (end < 0) return [];
    const name = data.toString('utf8', nameAt, end);
    // Entries are padded with 1-8 NULs to a multiple of 8 bytes.
    at += Math.floor((end - at + 8) / 8) * 8;
    const stage = (flags >> 12) & 3;
    const regular = mode === 0o100644 || mode === 0o100755; // links are read again anyway
    if (stage !== 0 || !regular || mtimeMs >= trustBeforeMs || ctimeMs >= trustBeforeMs) continue;
    rows.push([name, statKeyOf({ mtimeMs, ctimeMs, size, ino, mode }), oid]);
  }
  return rows;
}
