/** Feature branches and worktrees, made and removed with git, never touching the user's checkout. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { git } from '../git/gitRunner';
import { withSealedGit } from '../git/sealedGit';
import type { SpareWorktrees } from './spareWorktree';
import { AopError } from '../util/errors';
import { assertFeatureId, assertRefName } from '../util/ids';
import { EXCLUDE_LINES } from './featurePaths';

export function featureBranch(id: string): string {
  return `aop/${assertFeatureId(id)}`;
}

/** The top folder of the repository containing `dir` (the main checkout, not a worktree). */
export async function repoRootOf(dir: string): Promise<string> {
  const common = await git(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: dir });
  const top = await git(['rev-parse', '--show-toplevel'], { cwd: dir });
  // For a worktree, the main checkout is the parent of the common .git folder.
  return path.basename(common) === '.git' ? path.dirname(common) : top;
}

/** Resolves a user-given ref to a commit id, refusing anything that could be read as an option. */
export async function resolveCommit(repoRoot: string, ref: string): Promise<string> {
  assertRefName(ref);
  try {
    return await git(['rev-parse', '--verify', '-q', '--end-of-options', `${ref}^{commit}`], { cwd: repoRoot });
  } catch (e) {
    throw new AopError('NOT_FOUND', `"${ref}" is not a branch, tag or commit of this repository. Pick an existing base.`, { cause: e });
  }
}

export interface AddedWorktree {
  /** The files came from a spare prepared ahead. */
  fromSpare: boolean;
  /** Whether a spare is worth preparing for the next feature (this one used one, or is big). */
  wantsSpare: boolean;
  /** The worktree's index, as git wrote it with the files. */
  indexFile: string;
}

/**
 * Makes branch `aop/<id>` at `baseCommit` and its worktree. The files come from a spare prepared
 * ahead when there is one for this commit, else are written now.
 */
export async function addWorktree(repoRoot: string, id: string, worktree: string, baseCommit: string, spare?: SpareWorktrees): Promise<AddedWorktree> {
  if (!/^[0-9a-f]{40,64}$/.test(baseCommit)) throw new AopError('INVALID_REF', `not a commit id: ${baseCommit}`);
  const inside = path.relative(repoRoot, worktree);
  if (!inside.startsWith('..') && !path.isAbsolute(inside)) {
    throw new AopError('INVALID_PATH', `The worktree folder ${worktree} is inside the repository; choose a folder outside it (setting aop.worktreesRoot).`);
  }
  try {
    await fs.access(worktree);
    throw new AopError('ALREADY_EXISTS', `${worktree} already exists; remove it or choose another feature id.`);
  } catch (e) {
    if (AopError.is(e)) throw e;
  }
  await fs.mkdir(path.dirname(worktree), { recursive: true });
  // No checkout here: it would run the smudge filters and hooks the repository names.
  await git(['worktree', 'add', '-q', '--no-checkout', '-b', featureBranch(id), '--', worktree, baseCommit], { cwd: repoRoot });
  try {
    const indexFile = path.join(await git(['rev-parse', '--absolute-git-dir'], { cwd: worktree }), 'index');
    const fromSpare = spare ? await spare.take(baseCommit, worktree, indexFile) : false;
    if (!fromSpare) await fillWorktree(worktree, baseCommit, indexFile);
    return { fromSpare, indexFile, wantsSpare: spare !== undefined && (fromSpare || (await indexEntries(indexFile)) >= spare.minFiles) };
  } catch (e) {
    await git(['worktree', 'remove', '--force', '--force', '--', worktree], { cwd: repoRoot }).catch(() => undefined);
    await git(['branch', '-D', '--', featureBranch(id)], { cwd: repoRoot, okCodes: [1] }).catch(() => undefined);
    throw e;
  }
}

/**
 * Writes the files of `commit` into a worktree made with --no-checkout, and its index, with git's
 * own checkout in the sealed context: line endings and encodings as the user's checkout would
 * have them (built-in conversions from the attributes), but no filter, hook or fsmonitor, since
 * none is configured there. The index keeps the files' stat data, so `git status` there is clean.
 */
async function fillWorktree(worktree: string, commit: string, indexFile: string): Promise<void> {
  await withSealedGit(worktree, (s) => s.run(['read-tree', '--reset', '-u', commit], { workTree: worktree, indexFile }));
}

/** The number of entries an index file holds (its header: "DIRC", version, count). */
async function indexEntries(indexFile: string): Promise<number> {
  const fh = await fs.open(indexFile, 'r');
  try {
    const head = Buffer.alloc(12);
    const { bytesRead } = await fh.read(head, 0, 12, 0);
    return bytesRead === 12 && head.toString('latin1', 0, 4) === 'DIRC' ? head.readUInt32BE(8) : 0;
  } finally {
    await fh.close();
  }
}

export async function removeWorktree(repoRoot: string, worktree: string): Promise<void> {
  try {
    await git(['worktree', 'remove', '--force', '--force', '--', worktree], { cwd: repoRoot });
  } catch {
    // Already gone or not registered: remove the folder, then let git forget it.
    await fs.rm(worktree, { recursive: true, force: true });
  }
  await git(['worktree', 'prune'], { cwd: repoRoot });
}

export async function deleteBranch(repoRoot: string, id: string): Promise<void> {
  await git(['branch', '-D', '--', featureBranch(id)], { cwd: repoRoot, okCodes: [1] });
}

/** Keeps runtime files out of git through `.git/info/exclude`, never the user's .gitignore. */
export async function ensureExcludes(repoRoot: string): Promise<void> {
  const gitDir = await git(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: repoRoot });
  const file = path.join(gitDir, 'info', 'exclude');
  let text = '';
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    await fs.mkdir(path.dirname(file), { recursive: true });
  }
  const missing = EXCLUDE_LINES.filter((l) => !text.split('\n').includes(l));
  if (missing.length === 0) return;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  await fs.appendFile(file, `${sep}# Agent Orchestrator runtime files\n${missing.join('\n')}\n`);
}
