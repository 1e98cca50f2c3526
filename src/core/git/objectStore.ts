/**
 * Reading and writing git objects for the checkpoint engine.
 * - Reads go through one long-lived `git cat-file --batch`.
 * - File blobs are written by one long-lived `git hash-object -w --no-filters --stdin-paths`
 *   (no clean filters: those are repository-configured programs).
 * - Trees, commits, symlink blobs and small files are written in-process, exactly as git writes
 *   them: as loose objects (zlib-deflated "<type> <size>\0<body>", named by its hash), or, between
 *   beginPack() and endPack() (a checkpoint), as one pack of all of them (./packWriter.ts).
 *   The packs written this way are merged from time to time, so they do not pile up.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fsSync from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AopError } from '../util/errors';
import { BatchProcess, lineParser } from './batchProcess';
import { packsOf, type Packs } from './packIndex';
import { STORE_TREES_FROM, compress, encodePack, packEntry, readOwnPack, writePackFiles, type PackEntry } from './packWriter';
import { git, spawnGit } from './gitRunner';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface GitObject {
  oid: string;
  type: ObjectType;
  data: Buffer;
}

export interface TreeEntry {
  mode: string;
  name: string;
  oid: string;
}

/** How many packs of its own a store keeps before merging the smaller ones. */
const MERGE_PACKS_AT = 16;
/** A merge writes at most this much; a pack this big or bigger is left as it is. */
const MERGE_BYTES = 8 * 1024 * 1024;
const FREEZE_BYTES = MERGE_BYTES / 2;

export class ObjectStore {
  private readonly catFile: BatchProcess;
  private readonly catCheck: BatchProcess;
  private readonly hasher: BatchProcess;
  private readonly madeDirs = new Set<string>();
  private readonly packs: Packs;
  /** Objects written since beginPack(), by id: they go to disk as one pack at endPack(). */
  private pending: Map<string, PackEntry> | undefined;
  /** Packs this store wrote that may still be merged (under FREEZE_BYTES): their index files and sizes. */
  private readonly ownPacks: { idx: string; bytes: number }[] = [];

  private constructor(
    readonly cwd: string,
    readonly objectsDir: string,
    readonly algo: 'sha1' | 'sha256',
  ) {
    this.catFile = new BatchProcess(['cat-file', '--batch'], cwd);
    this.catCheck = new BatchProcess(['cat-file', '--batch-check'], cwd);
    this.hasher = new BatchProcess(['hash-object', '-w', '--no-filters', '--stdin-paths'], cwd);
    this.packs = packsOf(objectsDir, algo === 'sha1' ? 20 : 32);
  }

  /** Opens the object store of the repository that contains `cwd` (a worktree or the main checkout). */
  static async open(cwd: string): Promise<ObjectStore> {
    const out = await git(['rev-parse', '--git-common-dir', '--show-object-format'], { cwd });
    const [common, format] = out.split('\n');
    const commonDir = path.resolve(cwd, common!);
    const algo = format === 'sha256' ? 'sha256' : 'sha1';
    return new ObjectStore(cwd, path.join(commonDir, 'objects'), algo);
  }

  get oidLength(): number {
    return this.algo === 'sha1' ? 40 : 64;
  }

  get zeroOid(): string {
    return '0'.repeat(this.oidLength);
  }

  /** Reads an object; undefined when it does not exist. */
  read(rev: string): Promise<GitObject | undefined> {
    if (rev.includes('\n')) throw new AopError('INVALID_INPUT', 'object name contains a newline');
    if (this.pending?.has(rev)) this.flushPending();
    return this.catFile.request(rev + '\n', (buf) => {
      const nl = buf.indexOf(10);
      if (nl < 0) return undefined;
      const header = buf.subarray(0, nl).toString('utf8');
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) return { value: undefined, used: nl + 1 };
      const [oid, type, sizeText] = header.split(' ');
      const size = Number(sizeText);
      if (buf.length < nl + 1 + size + 1) return { need: nl + 1 + size + 1 };
      const data = Buffer.from(buf.subarray(nl + 1, nl + 1 + size));
      return { value: { oid: oid!, type: type as ObjectType, data }, used: nl + 1 + size + 1 };
    });
  }

  /**
   * The first `max` bytes of a blob, without reading the rest: a big blob is streamed from its own
   * `git cat-file blob` and the stream is dropped once `max` bytes are in. Undefined when missing.
   */
  async readPrefix(oid: string, max: number): Promise<Buffer | undefined> {
    if (!/^[0-9a-f]+$/.test(oid)) throw new AopError('INVALID_INPUT', `not an object id: ${JSON.stringify(oid.slice(0, 80))}`);
    const meta = await this.info(oid);
    if (!meta) return undefined;
    if (meta.size <= max) return (await this.read(oid))?.data;
    const child = spawnGit(['cat-file', 'blob', oid], this.cwd);
    const parts: Buffer[] = [];
    let have = 0;
    try {
      for await (const chunk of child.stdout) {
        parts.push(chunk as Buffer);
        have += (chunk as Buffer).length;
        if (have >= max) break;
      }
    } finally {
      child.kill();
    }
    if (have < max) throw new AopError('GIT_FAILED', `git cat-file blob ${oid} ended after ${have} of ${meta.size} bytes`);
    return Buffer.concat(parts, have).subarray(0, max);
  }

  /** Type and size without the content; undefined when missing. */
  info(rev: string): Promise<{ oid: string; type: ObjectType; size: number } | undefined> {
    if (this.pending?.has(rev)) this.flushPending();
    return this.catCheck.request(rev + '\n', (buf) => {
      const r = lineParser(buf);
      if (!r) return undefined;
      if (r.value.endsWith(' missing') || r.value.endsWith(' ambiguous')) return { value: undefined, used: r.used };
      const [oid, type, size] = r.value.split(' ');
      return { value: { oid: oid!, type: type as ObjectType, size: Number(size) }, used: r.used };
    });
  }

  /** Writes the file at `relPath` (relative to cwd) as a blob; returns its id. */
  async hashFile(relPath: string): Promise<string> {
    if (relPath.includes('\n') || relPath.startsWith('"')) {
      // --stdin-paths cannot carry these names: read and write in-process instead.
      return this.writeObject('blob', await fs.readFile(path.join(this.cwd, relPath)));
    }
    const line = await this.hasher.request(relPath + '\n', lineParser);
    if (!/^[0-9a-f]+$/.test(line)) throw new AopError('GIT_FAILED', `hash-object answered ${JSON.stringify(line.slice(0, 200))}`);
    return line;
  }

  /** Hashes and writes an object as a loose object, unless it already exists. */
  writeObject(type: ObjectType, body: Buffer): Promise<string> {
    try {
      return Promise.resolve(this.writeObjectSync(type, body));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * The same, synchronously. A checkpoint writes many small objects (trees, commits, links,
   * small files): done in place they cost a few microseconds each, where every asynchronous
   * file call costs a trip through the thread pool.
   */
  writeObjectSync(type: ObjectType, body: Buffer): string {
    const header = Buffer.from(`${type} ${body.length}\0`);
    const oid = createHash(this.algo).update(header).update(body).digest('hex');
    const dir = path.join(this.objectsDir, oid.slice(0, 2));
    const file = path.join(dir, oid.slice(2));
    // A pack may hold it already (a first scan hashes every file of the checkout). A loose blob
    // often exists too (content restored); a new tree or commit rarely does, so for those the
    // file check is skipped and an existing copy simply replaced.
    if (this.packs.has(oid)) return oid;
    if (this.pending?.has(oid)) return oid;
    if (type === 'blob' && fsSync.existsSync(file)) return oid;
    // A big tree goes loose even then: it changes with nearly every checkpoint of its folder,
    // and in a pack each old version would be copied again by every merge.
    if (this.pending && !(type === 'tree' && body.length >= STORE_TREES_FROM)) {
      this.pending.set(oid, packEntry(Buffer.from(oid, 'hex'), type, body));
      return oid;
    }
    if (!this.madeDirs.has(dir)) {
      fsSync.mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const tmp = path.join(dir, `tmp_obj_aop_${randomBytes(6).toString('hex')}`);
    fsSync.writeFileSync(tmp, compress(type, Buffer.concat([header, body])), { mode: 0o444 });
    try {
      fsSync.renameSync(tmp, file);
    } catch (e) {
      fsSync.rmSync(tmp, { force: true });
      // Where an existing read-only object cannot be replaced (Windows), it is the same object.
      if (!fsSync.existsSync(file)) throw e;
    }
    return oid;
  }

  /**
   * From now until endPack(), objects written in-process are kept and written as one pack: a
   * checkpoint's blobs, trees and commit become two files instead of one file each. Nothing
   * outside this store can read them before endPack() (or a read here that asks for one).
   */
  beginPack(): void {
    this.flushPending();
    this.pending = new Map();
  }

  /** Runs `task` between beginPack() and endPack() (endPack() may also come earlier, from inside). */
  async packing<T>(task: () => Promise<T>): Promise<T> {
    this.beginPack();
    try {
      return await task();
    } finally {
      this.endPack();
    }
  }

  /** Writes what was kept since beginPack() as one pack, and writes loose objects again. */
  endPack(): void {
    try {
      this.flushPending();
    } finally {
      this.pending = undefined;
    }
  }

  private flushPending(): void {
    if (!this.pending || this.pending.size === 0) return;
    const entries = [...this.pending.values()];
    this.pending.clear();
    const encoded = encodePack(entries, this.algo);
    const idx = writePackFiles(path.join(this.objectsDir, 'pack'), encoded);
    this.packs.added(idx);
    if (encoded.pack.length < FREEZE_BYTES) this.ownPacks.push({ idx, bytes: encoded.pack.length });
    if (this.ownPacks.length >= MERGE_PACKS_AT) this.mergeOwnPacks();
  }

  /**
   * Merges the smallest of this store's packs into one, at most MERGE_BYTES of them, so a long
   * session leaves a pack per MERGE_BYTES or so written, not one per checkpoint. The cost of a
   * merge is bounded: a pack of FREEZE_BYTES or more is never merged again (a checkpoint that
   * rewrites a 2 MB folder tree each time would otherwise copy every old version again and
   * again). The merged pack is in place before the old ones go; a reader that had them open
   * keeps its copy, and git looks for a vanished object again.
   */
  private mergeOwnPacks(): void {
    const packs = this.ownPacks.sort((a, b) => a.bytes - b.bytes);
    let n = 0;
    let total = 0;
    while (n < packs.length && total + packs[n]!.bytes <= MERGE_BYTES) total += packs[n++]!.bytes;
    if (n < 2) return;
    const merging = packs.slice(0, n);
    const seen = new Set<string>();
    const entries: PackEntry[] = [];
    for (const p of merging) {
      for (const e of readOwnPack(p.idx, this.oidLength / 2)) {
        const key = e.oid.toString('hex');
        if (!seen.has(key)) {
          seen.add(key);
          entries.push(e);
        }
      }
    }
    const encoded = encodePack(entries, this.algo);
    const idx = writePackFiles(path.join(this.objectsDir, 'pack'), encoded);
    this.packs.added(idx);
    for (const p of merging) {
      if (p.idx === idx) continue;
      this.packs.removed(p.idx);
      fsSync.rmSync(p.idx, { force: true });
      fsSync.rmSync(p.idx.replace(/\.idx$/, '.pack'), { force: true });
    }
    this.ownPacks.splice(0, n);
    if (encoded.pack.length < FREEZE_BYTES) this.ownPacks.push({ idx, bytes: encoded.pack.length });
  }

  close(): void {
    try {
      this.endPack();
    } catch {
      // nothing refers to objects a checkpoint did not finish
    }
    this.catFile.close();
    this.catCheck.close();
    this.hasher.close();
  }
}
