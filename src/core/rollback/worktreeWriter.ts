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
  if (rel.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..') || parts[0] === '.git') {
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
 * Parent folders are made one path at a time per root: two writes under the same planted link
 * would otherwise both see the link, and one would remove the folder the other just made (or
 * fail on it). Checking folders that already exist costs only lstats, so the writes themselves
 * still run in parallel.
 */
const parentLocks = new Map<string, Promise<void>>();

async function ensureRealParents(root: string, rel: string): Promise<void> {
  const prev = parentLocks.get(root) ?? Promise.resolve();
  const mine = prev.then(() => makeRealParents(root, rel));
  const tail = mine.catch(() => undefined);
  parentLocks.set(root, tail);
  try {
    await mine;
  } finally {
    if (parentLocks.get(root) === tail) parentLocks.delete(root);
  }
}

/** Makes sure every folder from the root down to `rel`'s parent is a real folder inside root. */
async function makeRealParents(root: string, rel: string): Promise<void> {
  const parts = rel.split('/').slice(0, -1);
  let cur = root;
  for (const part of parts) {
    cur = path.join(cur, part);
    const st = await lstatOrUndefined(cur);
    if (st?.isDirectory()) continue;
    if (st) await fs.rm(cur, { force: true });
    try {
      await fs.mkdir(cur);
    } catch (e) {
      // Another write of the same rollback may have made it a moment ago: fine if it is a real folder.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !(await lstatOrUndefined(cur))?.isDirectory()) throw e;
    }
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

export async function writeEntry(root: string, rel: string, entry: EntryContent): Promise<void> {
  const abs = insideRoot(root, rel);
  await ensureRealParents(root, rel);
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
}

/** Removes a path and then any folders it leaves empty, up to (not including) the root. */
export async function removeEntry(root: string, rel: string): Promise<void> {
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
