/**
 * Writes snapshot entries into a worktree, and nowhere else. Every parent folder on the way is
 * checked with lstat: a symlink or file where a folder should be (an agent's trick to redirect a
 * write outside the worktree) is removed, never followed; removing and verifying never look
 * through one either. Files are written to a temp file in the same folder and renamed into place.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AopError } from '../util/errors';
import { resolveInside } from '../util/ids';
import { isInGitDir } from '../../shared/paths';

export interface EntryContent {
  mode: string;
  data: Buffer;
}

/**
 * Where a snapshot path lives under root. These paths come from git trees: '/' separates, and on
 * POSIX a backslash is part of a name (as for git), never a separator to normalise away.
 */
function insideRoot(root: string, rel: string): string {
  if (process.platform === 'win32') return resolveInside(root, rel);
  const parts = rel.split('/');
  if (rel.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..') || isInGitDir(rel)) {
    throw new AopError('INVALID_PATH', `Refused ${JSON.stringify(rel.slice(0, 200))}: not a path inside the worktree.`);
  }
  return path.join(root, ...parts);
}

async function lstatOrUndefined(p: string) {
  try {
    return await fs.lstat(p);
  } catch {
    return undefined;
  }
}

/**
 * True when every folder from the root down to `rel`'s parent is a real folder. When one is a
 * link (or a file), `rel` does not exist as git sees the worktree, and nothing under it is ours.
 */
async function realParents(root: string, rel: string): Promise<boolean> {
  let cur = root;
  for (const part of rel.split('/').slice(0, -1)) {
    cur = path.join(cur, part);
    if (!(await lstatOrUndefined(cur))?.isDirectory()) return false;
  }
  return true;
}

/** Temp files are named `.aop-restore-<12 hex>` beside their target until renamed into place. */
const RESTORE_TEMP_PREFIX = '.aop-restore-';
const RESTORE_TEMP = /^\.aop-restore-[0-9a-f]{12}$/;

/**
 * Removes the temp files a rollback killed mid-write left in the folders of `rels` (written, not
 * yet renamed). Only folders that resolve inside the root are looked at: a planted link to
 * somewhere else is not followed.
 */
export async function removeRestoreTemps(root: string, rels: readonly string[]): Promise<void> {
  const realRoot = await fs.realpath(root);
  const dirs = new Set(rels.map((r) => path.dirname(insideRoot(root, r))));
  for (const dir of dirs) {
    const real = await fs.realpath(dir).catch(() => undefined);
    if (real === undefined || (real !== realRoot && !real.startsWith(realRoot + path.sep))) continue;
    for (const name of await fs.readdir(dir)) {
      if (RESTORE_TEMP.test(name)) await fs.rm(path.join(dir, name), { force: true });
    }
  }
}

/** Writes and removes snapshot entries under one root, for one rollback. */
export interface WorktreeWriter {
  write(rel: string, entry: EntryContent): Promise<void>;
  /** Removes a path and then any folders it leaves empty, up to (not including) the root. */
  remove(rel: string): Promise<void>;
}

/**
 * The writer a rollback uses. Writes run several at once, and many share parent folders: each
 * folder is made ready (a link or file standing there removed, the folder made) exactly once,
 * by the first write that needs it; the others wait for that. Two writes preparing the same
 * folder at once could remove the folder the other had just made, and with it its new file.
 */
export function worktreeWriter(root: string): WorktreeWriter {
  const folders = new Map<string, Promise<void>>();
  const ensureFolder = (rel: string): Promise<void> => {
    let ready = folders.get(rel);
    if (!ready) {
      ready = (async () => {
        const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
        if (parent !== '') await ensureFolder(parent);
        const abs = path.join(root, ...rel.split('/'));
        const st = await lstatOrUndefined(abs);
        if (st?.isDirectory()) return;
        if (st) await fs.rm(abs, { force: true });
        await fs.mkdir(abs);
      })();
      folders.set(rel, ready);
    }
    return ready;
  };
  return {
    async write(rel, entry) {
      const abs = insideRoot(root, rel);
      if (rel.includes('/')) await ensureFolder(rel.slice(0, rel.lastIndexOf('/')));
      const st = await lstatOrUndefined(abs);
      if (st?.isDirectory()) await fs.rm(abs, { recursive: true, force: true });
      if (entry.mode === '120000') {
        if (st && !st.isDirectory()) await fs.rm(abs, { force: true });
        await fs.symlink(entry.data.toString('utf8'), abs);
        return;
      }
      if (entry.mode !== '100644' && entry.mode !== '100755') {
        throw new AopError('ROLLBACK_FAILED', `${rel}: cannot restore an entry of mode ${entry.mode} (nested repository)`);
      }
      const tmp = path.join(path.dirname(abs), `${RESTORE_TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
      await fs.writeFile(tmp, entry.data, { mode: entry.mode === '100755' ? 0o755 : 0o644 });
      await fs.chmod(tmp, entry.mode === '100755' ? 0o755 : 0o644); // umask must not decide the mode
      await fs.rename(tmp, abs);
    },
    async remove(rel) {
      const abs = insideRoot(root, rel);
      // Under a link the agent planted where a folder was, the path is not in the worktree: deleting
      // it would delete through the link, outside.
      if (!(await realParents(root, rel))) return;
      await fs.rm(abs, { recursive: true, force: true });
      let dir = path.dirname(abs);
      const r = path.resolve(root);
      while (dir !== r && dir.startsWith(r + path.sep)) {
        try {
          await fs.rmdir(dir);
        } catch {
          break; // not empty (or not ours): stop climbing
        }
        dir = path.dirname(dir);
      }
    },
  };
}

/** What is on disk at `rel`, as a git (mode, oid) pair, or undefined when absent (as git sees it: not through a link). */
export async function entryOnDisk(root: string, rel: string, algo: 'sha1' | 'sha256'): Promise<{ mode: string; oid: string } | undefined> {
  const abs = insideRoot(root, rel);
  const st = (await realParents(root, rel)) ? await lstatOrUndefined(abs) : undefined;
  if (!st) return undefined;
  let data: Buffer;
  let mode: string;
  if (st.isSymbolicLink()) {
    data = await fs.readlink(abs, { encoding: 'buffer' });
    mode = '120000';
  } else if (st.isFile()) {
    data = await fs.readFile(abs);
    mode = st.mode & 0o100 ? '100755' : '100644';
  } else {
    return { mode: st.isDirectory() ? '040000' : 'other', oid: '' };
  }
  const oid = createHash(algo).update(`blob ${data.length}\0`).update(data).digest('hex');
  return { mode, oid };
}
