/**
 * Disk used on a feature's behalf, and the ways to give it back. Checkpoint stores of other
 * agent tools have grown to tens of gigabytes unnoticed; here each feature's checkpoints (the
 * objects they hold beyond the base), its worktree, and the work kept aside from deleted
 * features (`<worktrees>/.deleted/`) are measured, summed against a quota, and can be pruned.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { git } from '../git/gitRunner';
import { AopError, errorMessage } from '../util/errors';

/** Bytes of git objects reachable from the head checkpoint and not from the base (compressed, as stored). */
export async function checkpointBytes(cwd: string, head: string, base: string): Promise<number> {
  if (head === base) return 0;
  const out = await git(['rev-list', '--objects', '--disk-usage', head, '--not', base], { cwd });
  return Number(out.trim()) || 0;
}

export interface FolderUsage {
  bytes: number;
  files: number;
  /** Entries that could not be read (vanished or unreadable): counted as 0. */
  unreadable: number;
}

/**
 * Space a folder takes on disk (allocated blocks, so sparse files count as what they use), without
 * following links. `skip` names entries of the top folder left out (a worktree's `.git` file).
 */
export async function folderBytes(dir: string, skip: readonly string[] = []): Promise<FolderUsage> {
  const usage: FolderUsage = { bytes: 0, files: 0, unreadable: 0 };
  const queue: string[] = [dir];
  let top = true;
  while (queue.length > 0) {
    const batch = queue.splice(0, 32);
    await Promise.all(
      batch.map(async (d) => {
        let names: string[];
        try {
          names = await fs.readdir(d);
        } catch {
          usage.unreadable++;
          return;
        }
        const isTop = top && d === dir;
        await Promise.all(
          names.map(async (n) => {
            if (isTop && skip.includes(n)) return;
            const p = path.join(d, n);
            try {
              const st = await fs.lstat(p);
              usage.bytes += st.blocks !== undefined ? st.blocks * 512 : st.size;
              if (st.isDirectory()) queue.push(p);
              else usage.files++;
            } catch {
              usage.unreadable++;
            }
          }),
        );
      }),
    );
    top = false;
  }
  return usage;
}

/** The folder where deleting a feature keeps work no checkpoint could hold. */
export function deletedFolder(worktreesRoot: string): string {
  return path.join(worktreesRoot, '.deleted');
}

/** Removes everything kept in `<worktrees>/.deleted/`; what it held is gone for good (the caller confirms first). */
export async function cleanDeleted(worktreesRoot: string): Promise<{ removed: string[]; bytes: number }> {
  const dir = deletedFolder(worktreesRoot);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return { removed: [], bytes: 0 };
  }
  let bytes = 0;
  const removed: string[] = [];
  for (const n of names) {
    const p = path.join(dir, n);
    bytes += (await folderBytes(p)).bytes;
    try {
      await fs.rm(p, { recursive: true, force: true });
      removed.push(n);
    } catch (e) {
      throw new AopError('INVALID_PATH', `Could not remove ${p}: ${errorMessage(e)}. Remove it by hand or check its permissions.`, { cause: e });
    }
  }
  return { removed, bytes };
}

/**
 * Deletes loose objects nothing refers to any more (what retention and deleted features leave).
 * Only objects older than an hour: a checkpoint being written holds its objects for a moment
 * before its ref points at them, and those must never go.
 */
export async function pruneUnreachable(repoRoot: string): Promise<void> {
  await git(['prune', '--expire=1.hour.ago'], { cwd: repoRoot });
}

export interface DiskFigures {
  checkpointBytes: number;
  worktreeBytes: number;
}

export interface DiskTotals {
  /** Checkpoints and worktrees of every feature, plus what `.deleted/` holds. */
  usedBytes: number;
  deletedBytes: number;
  quotaBytes?: number;
  /** Used over quota (0 when no quota). */
  fraction: number;
  over: boolean;
}

export function diskTotals(features: readonly DiskFigures[], deletedBytes: number, quotaBytes: number | undefined): DiskTotals {
  const used = features.reduce((n, f) => n + f.checkpointBytes + f.worktreeBytes, 0) + deletedBytes;
  const quota = quotaBytes !== undefined && quotaBytes > 0 ? quotaBytes : undefined;
  return { usedBytes: used, deletedBytes, ...(quota ? { quotaBytes: quota } : {}), fraction: quota ? used / quota : 0, over: quota !== undefined && used > quota };
}
