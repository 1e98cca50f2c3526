/**
 * Git inside the sandbox: the agent may commit to its own branch and nothing else.
 *
 * A worktree's `.git` file leads into the repository's shared git folder. Inside bubblewrap:
 * - `objects/` is writable (new commits need their objects), except `objects/info/` (alternates);
 * - the worktree's own admin folder `worktrees/<name>/` is writable (its index, HEAD, logs,
 *   ORIG_HEAD...), except `commondir`, `gitdir` and `config.worktree`, which redirect or
 *   configure it;
 * - the feature's branch folder `refs/heads/aop/` (and its reflog folder) is replaced by a
 *   private folder holding only this feature's branch. git updates a ref by writing
 *   `<ref>.lock` beside it and renaming, so a writable folder is needed, and the shared one
 *   would let the agent move its peers' branches. The BranchMirror copies the agent's branch
 *   back to the real ref, after checking it names a commit;
 * - everything else (`config`, hooks, `info/`, other branches, tags, `packed-refs`, the main
 *   checkout) stays read-only.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { git } from '../git/gitRunner';
import { AopError } from '../util/errors';

export interface GitSandboxInput {
  /** The repository's common git folder (trusted: from the orchestrator, not the worktree's `.git` file). */
  gitDir: string;
  /** The feature's branch, e.g. `aop/f1`. */
  branch: string;
  worktree: string;
  /** The session's private folder (not writable by the agent). */
  privateDir: string;
}

export interface GitSandbox {
  writable: string[];
  overlays: [string, string][];
  readOnly: string[];
  /** The private file the agent's commits move, and the real ref it mirrors. */
  mirror: { file: string; ref: string; gitDir: string; initial: string | undefined };
  adminDir: string;
}

/** The worktree's admin folder, found by its back-pointer (the `.git` file itself is the agent's to rewrite). */
export async function findAdminDir(gitDir: string, worktree: string): Promise<string | undefined> {
  const target = path.join(await fs.realpath(worktree), '.git');
  let names: string[];
  try {
    names = await fs.readdir(path.join(gitDir, 'worktrees'));
  } catch {
    return undefined;
  }
  for (const name of names) {
    const admin = path.join(gitDir, 'worktrees', name);
    try {
      const back = (await fs.readFile(path.join(admin, 'gitdir'), 'utf8')).trim();
      if (path.resolve(back) === target || (await fs.realpath(back).catch(() => back)) === target) return admin;
    } catch {
      // not a worktree admin folder
    }
  }
  return undefined;
}

export async function prepareGitSandbox(i: GitSandboxInput): Promise<GitSandbox> {
  const gitDir = await fs.realpath(i.gitDir);
  const adminDir = await findAdminDir(gitDir, i.worktree);
  if (!adminDir) throw new AopError('NOT_FOUND', `${i.worktree} is not registered as a worktree of ${gitDir}; git cannot be made writable for it.`);
  const ref = `refs/heads/${i.branch}`;
  const leaf = path.basename(ref);
  const refFolder = path.join(gitDir, ...path.dirname(ref).split('/'));
  const logFolder = path.join(gitDir, 'logs', ...path.dirname(ref).split('/'));
  // Mount points must exist; git would make these folders itself on the first branch or reflog.
  await fs.mkdir(refFolder, { recursive: true });
  await fs.mkdir(logFolder, { recursive: true });
  await fs.mkdir(path.join(gitDir, 'objects', 'info'), { recursive: true });
  const privRefs = path.join(i.privateDir, 'git-refs');
  const privLogs = path.join(i.privateDir, 'git-logs');
  await fs.mkdir(privRefs, { recursive: true });
  await fs.mkdir(privLogs, { recursive: true });
  const initial = await currentValue(gitDir, ref);
  if (initial) await fs.writeFile(path.join(privRefs, leaf), `${initial}\n`);
  await fs.copyFile(path.join(logFolder, leaf), path.join(privLogs, leaf)).catch(() => undefined);
  return {
    writable: [path.join(gitDir, 'objects'), adminDir],
    overlays: [
      [privRefs, refFolder],
      [privLogs, logFolder],
    ],
    readOnly: [path.join(gitDir, 'objects', 'info'), ...['commondir', 'gitdir', 'config.worktree'].map((f) => path.join(adminDir, f))],
    mirror: { file: path.join(privRefs, leaf), ref, gitDir, initial },
    adminDir,
  };
}

async function currentValue(gitDir: string, ref: string): Promise<string | undefined> {
  const out = await git(['rev-parse', '-q', '--verify', '--end-of-options', ref], { cwd: gitDir, okCodes: [1] });
  return /^[0-9a-f]{40,64}$/.test(out) ? out : undefined;
}
