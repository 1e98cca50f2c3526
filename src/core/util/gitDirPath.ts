/**
 * The worktree's own git folder as the file system sees it, for what watches and snapshots the
 * disk: `.git` exactly, or in any case where the file system ignores case (`.GIT/HEAD` is
 * `.git/HEAD` there). Requests and validation use the stricter any-case rules of
 * src/shared/paths.ts (`isInGitDir`, `hasGitComponent`): what they refuse is never acted on,
 * while here a `.GIT` folder on Linux is an ordinary folder that is checkpointed (and flagged).
 */
const FS_IGNORES_CASE = process.platform === 'darwin' || process.platform === 'win32';

export function isGitDirOnDisk(rel: string): boolean {
  const first = rel.split('/', 1)[0]!;
  return first === '.git' || (FS_IGNORES_CASE && first.toLowerCase() === '.git');
}
