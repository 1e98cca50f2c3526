/**
 * Where a gate may run: inside its feature's worktree, never in the user's checkout. Both are
 * compared by real path, so a symlink the agent planted in its worktree ("pkg" -> the user's
 * repository) cannot send a gate outside.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AopError } from '../util/errors';
import { resolveInside } from '../util/ids';

/** Returns the real, absolute folder a gate with `gateCwd` ('.' or a relative folder) runs in. */
export async function resolveGateCwd(repoRoot: string, worktree: string, gateCwd: string): Promise<string> {
  const realRepo = await real(repoRoot, 'the repository');
  const realWorktree = await real(worktree, "the feature's worktree");
  if (within(realWorktree, realRepo) || within(realRepo, realWorktree)) {
    throw new AopError('INVALID_PATH', `Gates run only in a feature's own worktree, never in your checkout (${realWorktree} overlaps ${realRepo}). Move the worktrees outside the repository (setting aop.worktreesRoot).`);
  }
  const wanted = gateCwd === '.' || gateCwd === './' ? realWorktree : resolveInside(realWorktree, gateCwd);
  const cwd = await real(wanted, `the gate folder "${gateCwd}"`);
  if (!within(cwd, realWorktree)) {
    throw new AopError('INVALID_PATH', `The gate folder "${gateCwd}" leads outside the feature's worktree (to ${cwd}), e.g. through a symlink; refused. Point the gate at a real folder inside the worktree.`);
  }
  if (within(cwd, realRepo)) {
    throw new AopError('INVALID_PATH', `The gate folder "${gateCwd}" is inside your checkout; gates never run there.`);
  }
  const st = await fs.stat(cwd);
  if (!st.isDirectory()) throw new AopError('INVALID_PATH', `The gate folder "${gateCwd}" is not a folder; set the gate's cwd to a folder in the worktree.`);
  return cwd;
}

async function real(p: string, what: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (e) {
    throw new AopError('NOT_FOUND', `${what[0]!.toUpperCase()}${what.slice(1)} does not exist (${p}); create it or fix the gate's cwd in plan.yaml.`, { cause: e });
  }
}

/** True when `p` is `root` or inside it. */
function within(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
