/**
 * Differences between two snapshots (commits or trees), from git's own tree diff, which only
 * descends into subtrees whose ids differ: its cost follows what changed.
 */
import type { FileChange, GitMode } from '../model/types';
import { AopError } from '../util/errors';
import { assertRelPath } from '../util/ids';
import { git, runGit } from '../git/gitRunner';

/** Beyond this many bytes a unified diff is cut and marked, never dumped whole. */
export const MAX_UNIFIED_DIFF_BYTES = 4 * 1024 * 1024;

export async function diffTrees(cwd: string, from: string, to: string, opts: { numstat?: boolean } = {}): Promise<FileChange[]> {
  const args = ['diff-tree', '-r', '-z', '--no-renames', '--raw', '--no-ext-diff', '--no-textconv'];
  if (opts.numstat) args.push('--numstat');
  args.push(from, to);
  return parseDiffTreeZ((await runGit(args, { cwd })).stdout.toString('utf8'));
}

/** Parses `diff-tree -z --raw [--numstat]` output into changes (line counts merged in). */
export function parseDiffTreeZ(out: string): FileChange[] {
  const fields = out.split('\0');
  const changes: FileChange[] = [];
  const byPath = new Map<string, FileChange>();
  let i = 0;
  while (i < fields.length) {
    const f = fields[i]!;
    if (f === '') {
      i++;
      continue;
    }
    if (f.startsWith(':')) {
      const [oldMode, newMode, oldOid, newOid, status] = f.slice(1).split(' ');
      const p = fields[i + 1]!;
      i += 2;
      const st = status!.charAt(0) as FileChange['status'];
      const change: FileChange = {
        path: p,
        status: st,
        mode: (st === 'D' ? oldMode : newMode) as GitMode,
      };
      if (st !== 'A') {
        change.oldMode = oldMode as GitMode;
        change.oldOid = oldOid;
      }
      if (st !== 'D') change.oid = newOid;
      changes.push(change);
      byPath.set(p, change);
    } else {
      // numstat: "added\tremoved\t" then the path as its own field
      const [added, removed] = f.split('\t');
      const p = f.split('\t').slice(2).join('\t') || fields[i + 1]!;
      i += f.split('\t').slice(2).join('\t') ? 1 : 2;
      const c = byPath.get(p);
      if (c) {
        if (added === '-') c.binary = true;
        else {
          c.added = Number(added);
          c.removed = Number(removed);
        }
      }
    }
  }
  return changes;
}

/** A unified diff between two snapshots, optionally of one path, with renames detected. */
export async function unifiedDiff(cwd: string, from: string, to: string, relPath?: string): Promise<{ text: string; truncated: boolean }> {
  const args = ['diff', '--no-ext-diff', '--no-textconv', '--no-color', '-M', from, to];
  if (relPath !== undefined) args.push('--', assertRelPath(relPath));
  try {
    const r = await runGit(args, { cwd, maxBuffer: MAX_UNIFIED_DIFF_BYTES });
    return { text: r.stdout.toString('utf8'), truncated: false };
  } catch (e) {
    if (AopError.is(e, 'TOO_LARGE')) {
      const stat = await git(['diff', '--no-ext-diff', '--no-textconv', '--stat', from, to, ...(relPath ? ['--', relPath] : [])], { cwd });
      return { text: `Diff larger than ${MAX_UNIFIED_DIFF_BYTES} bytes; summary only:\n${stat}\n`, truncated: true };
    }
    throw e;
  }
}
