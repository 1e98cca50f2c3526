/**
 * Moving something an agent left where it must not be (a file in the user's checkout, a hook
 * planted in the git folder) out of the way without destroying it: it goes to a quarantine
 * folder, under a time-stamped folder that keeps its relative path, where the user can look
 * at it or take it back.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AopError, errorMessage } from './errors';

/** The quarantine next to a repository's worktrees: `<repo>.worktrees/.quarantine`. */
export function quarantineRoot(worktreesRoot: string): string {
  return path.join(worktreesRoot, '.quarantine');
}

/**
 * Moves `abs` to `<root>/<stamp>-<label>/<rel>` and returns where it went. Works across file
 * systems (copy, then remove the original only once the copy is complete).
 */
export async function moveAside(abs: string, root: string, rel: string, label: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const safeRel = rel.split(/[\\/]+/).filter((s) => s !== '' && s !== '.' && s !== '..');
  const dest = path.join(root, `${stamp}-${label.replace(/[^A-Za-z0-9_-]/g, '_')}`, ...safeRel);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  try {
    await fs.rename(abs, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') {
      throw new AopError('CONFLICT', `Could not move ${abs} aside to ${dest}: ${errorMessage(err)}`, { cause: err });
    }
    await fs.cp(abs, dest, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, errorOnExist: true, force: false });
    await fs.rm(abs, { recursive: true, force: true });
  }
  return dest;
}
