/**
 * A rollback may only destroy what it can bring back. Before a path is overwritten or deleted,
 * what stands there on disk (the file or link itself, everything under a folder, or a file or
 * link where a folder must be made) has to be held by the safety checkpoint taken just before,
 * byte for byte, or already be what the rollback writes. Anything else (a nested repository and
 * its history, a file over the snapshot limit, an ignored file, a name that is not UTF-8, a
 * special file, a write that came after the safety checkpoint) is left in place and reported.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ObjectStore } from '../git/objectStore';
import { GITLINK_MODE, TREE_MODE, type SnapshotTree } from '../checkpoints/snapshotTree';
import { DEFAULT_MAX_SNAPSHOT_BYTES } from '../checkpoints/snapshotter';

export interface Target {
  path: string;
  /** What the rollback writes there; undefined for a deletion. */
  to?: { mode: string; oid: string };
}

export class RecoverableCheck {
  constructor(
    private readonly root: string,
    /** The safety checkpoint's tree. */
    private readonly held: SnapshotTree,
    private readonly store: ObjectStore,
    /** Why the checkpoint service could not snapshot a path, when it said so. */
    private readonly knownReason: (rel: string) => string | undefined,
  ) {}

  /** Why writing or deleting `t.path` would lose something no checkpoint holds; undefined when safe. */
  async whyNot(t: Target): Promise<string | undefined> {
    const parts = t.path.split('/');
    // A file or link where a folder must be made is removed by the write: it must be held too.
    if (t.to) {
      for (let i = 1; i < parts.length; i++) {
        const folder = parts.slice(0, i).join('/');
        const st = await this.lstat(folder);
        if (st === undefined) break;
        if (typeof st === 'string') return this.because(folder, st);
        if (st.isDirectory()) continue;
        const why = await this.entryWhyNot(folder, st, undefined);
        return why === undefined ? undefined : this.because(folder, why);
      }
    } else if (!(await this.realParents(parts))) {
      return undefined; // the path is not in the worktree as git sees it: a deletion is a no-op there
    }
    const st = await this.lstat(t.path);
    if (st === undefined) return undefined;
    if (typeof st === 'string') return this.because(t.path, st);
    if (st.isDirectory()) return this.folderWhyNot(t.path);
    const why = await this.entryWhyNot(t.path, st, t.to);
    return why === undefined ? undefined : this.because(t.path, why);
  }

  /** Everything under a folder that a write or deletion would remove. */
  private async folderWhyNot(rel: string): Promise<string | undefined> {
    const entry = await this.held.get(rel);
    if (entry?.mode === GITLINK_MODE) return this.because(rel, NESTED);
    let names: Buffer[];
    try {
      names = await fs.readdir(path.join(this.root, ...rel.split('/')), { encoding: 'buffer' });
    } catch (e) {
      return this.because(rel, `cannot be read (${code(e)})`);
    }
    // Look for a repository first: walking its work would be slow and the answer is the same.
    if (names.some((n) => n.toString('latin1') === '.git')) return this.because(rel, NESTED);
    for (const raw of names) {
      const name = raw.toString('utf8');
      const child = `${rel}/${name}`;
      if (!Buffer.from(name, 'utf8').equals(raw)) return this.because(child, 'its name is not valid UTF-8, so no checkpoint can hold it; rename or move it yourself');
      const st = await this.lstat(child);
      if (st === undefined) continue;
      if (typeof st === 'string') return this.because(child, st);
      const why = st.isDirectory() ? await this.folderWhyNot(child) : await this.entryWhyNot(child, st, undefined);
      if (why !== undefined) return st.isDirectory() ? why : this.because(child, why);
    }
    return undefined;
  }

  /** A file or link on disk: held when the checkpoint (or the rollback's own target) has exactly it. */
  private async entryWhyNot(rel: string, st: Stats, to: Target['to']): Promise<string | undefined> {
    if (!st.isFile() && !st.isSymbolicLink()) return 'not a regular file, folder or link, so no checkpoint can hold it';
    if (st.isFile() && st.size > DEFAULT_MAX_SNAPSHOT_BYTES) {
      return `larger than the ${Math.round(DEFAULT_MAX_SNAPSHOT_BYTES / 2 ** 20)} MB snapshot limit, so no checkpoint holds it; delete or move it yourself`;
    }
    const mode = st.isSymbolicLink() ? '120000' : st.mode & 0o100 ? '100755' : '100644';
    const candidates = [await this.held.get(rel), to].filter((e): e is { mode: string; oid: string } => e !== undefined && e.mode === mode);
    if (candidates.length > 0) {
      const oid = await this.oidOnDisk(rel, st, candidates);
      if (oid !== undefined && candidates.some((c) => c.oid === oid)) return undefined;
    }
    return this.knownReason(rel) ?? 'what is on disk is not in the safety checkpoint (it may have changed after it was taken), so nothing could bring it back';
  }

  /** The blob id of what is on disk, or undefined when its size already rules out every candidate. */
  private async oidOnDisk(rel: string, st: Stats, candidates: { mode: string; oid: string }[]): Promise<string | undefined> {
    const abs = path.join(this.root, ...rel.split('/'));
    if (st.isSymbolicLink()) return blobId(await fs.readlink(abs, { encoding: 'buffer' }), this.store.algo);
    const sizes = await Promise.all(candidates.map(async (c) => (c.mode === TREE_MODE ? -1 : ((await this.store.info(c.oid))?.size ?? -1))));
    if (!sizes.includes(st.size)) return undefined;
    return hashFileBlob(abs, st.size, this.store.algo);
  }

  private because(rel: string, why: string): string {
    return `${rel}: ${why}`;
  }

  /** lstat, or undefined when absent, or the reason it cannot be looked at. */
  private async lstat(rel: string): Promise<Stats | string | undefined> {
    try {
      return await fs.lstat(path.join(this.root, ...rel.split('/')));
    } catch (e) {
      const c = code(e);
      return c === 'ENOENT' || c === 'ENOTDIR' ? undefined : `cannot be read (${c})`;
    }
  }

  private async realParents(parts: string[]): Promise<boolean> {
    for (let i = 1; i < parts.length; i++) {
      const st = await this.lstat(parts.slice(0, i).join('/'));
      if (typeof st !== 'object' || !st.isDirectory()) return false;
    }
    return true;
  }
}

const NESTED = 'a nested git repository: no checkpoint holds its history or its files; move or delete it yourself if it should go';

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'error';
}

function blobId(data: Buffer, algo: 'sha1' | 'sha256'): string {
  return createHash(algo).update(`blob ${data.length}\0`).update(data).digest('hex');
}

/** Hashes a file as a git blob without holding it in memory. */
async function hashFileBlob(abs: string, size: number, algo: 'sha1' | 'sha256'): Promise<string> {
  const h = createHash(algo).update(`blob ${size}\0`);
  let read = 0;
  for await (const chunk of createReadStream(abs)) {
    h.update(chunk as Buffer);
    read += (chunk as Buffer).length;
  }
  // A file that grew or shrank while read is not the one the checkpoint holds.
  return read === size ? h.digest('hex') : 'changed';
}
