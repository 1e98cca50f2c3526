/**
 * A checkpoint's new objects as one pack (`.pack` + `.idx`, git's pack format version 2 and
 * index version 2), instead of one loose file per object: a 2,000-file checkpoint writes two
 * files, not 2,500. Objects are stored whole (no deltas), each deflated on its own, so packs
 * written here can later be merged by copying their entries byte for byte.
 * Format: git's Documentation/gitformat-pack.txt.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { ObjectType } from './objectStore';

const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
const IDX_MAGIC = 0xff744f63; // "\377tOc"
/** Offsets at or above this go to the index's 64-bit table. */
const LARGE_OFFSET = 0x80000000;

/** One object as it sits in a pack: its id and its entry (header + deflated body). */
export interface PackEntry {
  oid: Buffer;
  raw: Buffer;
  crc: number;
}

/** Encodes an object as a pack entry (type and size header, then the deflated body). */
export function packEntry(oid: Buffer, type: ObjectType, body: Buffer): PackEntry {
  const head: number[] = [];
  let size = body.length;
  let byte = (TYPE_CODE[type] << 4) | (size & 0x0f);
  size = Math.floor(size / 16);
  while (size > 0) {
    head.push(byte | 0x80);
    byte = size & 0x7f;
    size = Math.floor(size / 128);
  }
  head.push(byte);
  const raw = Buffer.concat([Buffer.from(head), compress(type, body)]);
  return { oid, raw, crc: crc32(raw) };
}

/** Trees at least this big are stored without compression (see compress). */
export const STORE_TREES_FROM = 64 * 1024;

/**
 * The zlib stream of an object's body. A big tree (a folder of thousands of entries) is stored
 * uncompressed: it is mostly object ids, which do not compress, and deflating it was most of
 * the cost of a checkpoint that changes one file in a 10,000-entry folder.
 */
export function compress(type: ObjectType, body: Buffer): Buffer {
  return type === 'tree' && body.length >= STORE_TREES_FROM ? zlibStored(body) : deflateSync(body, { level: 1 });
}

/** A zlib stream of stored (uncompressed) deflate blocks: RFC 1950 header, blocks of RFC 1951, Adler-32. */
export function zlibStored(data: Buffer): Buffer {
  const MAX = 0xffff;
  const blocks = Math.max(1, Math.ceil(data.length / MAX));
  const out = Buffer.allocUnsafe(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let at = 2;
  for (let i = 0; i < blocks; i++) {
    const len = Math.min(MAX, data.length - i * MAX);
    out[at] = i === blocks - 1 ? 1 : 0;
    out.writeUInt16LE(len, at + 1);
    out.writeUInt16LE(~len & 0xffff, at + 3);
    data.copy(out, at + 5, i * MAX, i * MAX + len);
    at += 5 + len;
  }
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; ) {
    // 5552 bytes at most between reductions keeps the sums below 2^32 (zlib's NMAX).
    const end = Math.min(data.length, i + 5552);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  out.writeUInt32BE(((b << 16) | a) >>> 0, at);
  return out;
}

/** The pack and its index for these entries (ids unique); `name` is the pack's checksum in hex. */
export function encodePack(entries: readonly PackEntry[], algo: 'sha1' | 'sha256'): { pack: Buffer; idx: Buffer; name: string } {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(entries.length, 8);
  const offsets: number[] = [];
  let at = 12;
  for (const e of entries) {
    offsets.push(at);
    at += e.raw.length;
  }
  const body = Buffer.concat([header, ...entries.map((e) => e.raw)], at);
  const packSum = createHash(algo).update(body).digest();
  const pack = Buffer.concat([body, packSum]);

  const order = entries.map((_, i) => i).sort((a, b) => Buffer.compare(entries[a]!.oid, entries[b]!.oid));
  const fanout = Buffer.alloc(256 * 4);
  const counts = new Uint32Array(256);
  for (const e of entries) counts[e.oid[0]!]!++;
  let sum = 0;
  for (let b = 0; b < 256; b++) fanout.writeUInt32BE((sum += counts[b]!), b * 4);
  const oidBytes = entries[0]?.oid.length ?? (algo === 'sha1' ? 20 : 32);
  const names = Buffer.alloc(entries.length * oidBytes);
  const crcs = Buffer.alloc(entries.length * 4);
  const small = Buffer.alloc(entries.length * 4);
  const large: Buffer[] = [];
  order.forEach((i, j) => {
    entries[i]!.oid.copy(names, j * oidBytes);
    crcs.writeUInt32BE(entries[i]!.crc, j * 4);
    const off = offsets[i]!;
    if (off < LARGE_OFFSET) small.writeUInt32BE(off, j * 4);
    else {
      small.writeUInt32BE((LARGE_OFFSET | large.length) >>> 0, j * 4);
      const big = Buffer.alloc(8);
      big.writeBigUInt64BE(BigInt(off));
      large.push(big);
    }
  });
  const idxHead = Buffer.alloc(8);
  idxHead.writeUInt32BE(IDX_MAGIC, 0);
  idxHead.writeUInt32BE(2, 4);
  const idxBody = Buffer.concat([idxHead, fanout, names, crcs, small, ...large, packSum]);
  const idx = Buffer.concat([idxBody, createHash(algo).update(idxBody).digest()]);
  return { pack, idx, name: packSum.toString('hex') };
}

/**
 * Writes a pack and its index into `packDir` as `pack-<name>.pack` / `.idx`: each to a temporary
 * file first, the pack renamed into place before its index (git finds packs by their index).
 * Returns the index's path.
 */
export function writePackFiles(packDir: string, encoded: { pack: Buffer; idx: Buffer; name: string }): string {
  fs.mkdirSync(packDir, { recursive: true });
  const base = path.join(packDir, `pack-${encoded.name}`);
  const tmp = path.join(packDir, `tmp_pack_aop_${process.pid}_${encoded.name.slice(0, 12)}`);
  try {
    fs.writeFileSync(`${tmp}.pack`, encoded.pack, { mode: 0o444 });
    fs.writeFileSync(`${tmp}.idx`, encoded.idx, { mode: 0o444 });
    fs.renameSync(`${tmp}.pack`, `${base}.pack`);
    fs.renameSync(`${tmp}.idx`, `${base}.idx`);
  } catch (e) {
    // A full disk, say: leave no half-written file behind (a pack without its index is never read).
    fs.rmSync(`${tmp}.pack`, { force: true });
    fs.rmSync(`${tmp}.idx`, { force: true });
    throw e;
  }
  return `${base}.idx`;
}

/**
 * The entries of a pack this module wrote (whole objects, no deltas), read back through its
 * index, so several can be merged into one without inflating anything.
 */
export function readOwnPack(idxFile: string, oidBytes: number): PackEntry[] {
  const idx = fs.readFileSync(idxFile);
  const pack = fs.readFileSync(idxFile.replace(/\.idx$/, '.pack'));
  const count = idx.readUInt32BE(8 + 255 * 4);
  const namesAt = 8 + 1024;
  const crcAt = namesAt + count * oidBytes;
  const offAt = crcAt + count * 4;
  const largeAt = offAt + count * 4;
  const list: { oid: Buffer; crc: number; off: number }[] = [];
  for (let j = 0; j < count; j++) {
    let off = idx.readUInt32BE(offAt + j * 4);
    if (off & LARGE_OFFSET) off = Number(idx.readBigUInt64BE(largeAt + (off & 0x7fffffff) * 8));
    list.push({ oid: Buffer.from(idx.subarray(namesAt + j * oidBytes, namesAt + (j + 1) * oidBytes)), crc: idx.readUInt32BE(crcAt + j * 4), off });
  }
  list.sort((a, b) => a.off - b.off);
  const end = pack.length - oidBytes;
  return list.map((e, i) => ({ oid: e.oid, crc: e.crc, raw: pack.subarray(e.off, i + 1 < list.length ? list[i + 1]!.off : end) }));
}
