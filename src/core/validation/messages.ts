/** Wording of violation messages: each says what happened and what to do about it. */
import { formatBytes } from '../../shared/format';

export { formatBytes };

/** The first few globs of a list, for a message. */
export function formatGlobs(globs: readonly string[], max = 3): string {
  const shown = globs.slice(0, max).join(', ');
  return globs.length > max ? `${shown}, … (${globs.length} in all)` : shown;
}

export const msg = {
  outsideWorktree: (path: string, why: string) =>
    `${JSON.stringify(path)} lies outside the worktree (${why}). Nothing should write there: stop the agent and check what produced this path.`,
  gitDir: (path: string) =>
    `${path} is inside a .git folder. Agents must never write git metadata (hooks, config, objects): roll it back and check the agent's commands.`,
  forbidden: (path: string, glob: string) =>
    `${path} matches the plan's forbidden pattern ${glob}. Roll it back; the plan forbids touching it.`,
  outOfScope: (path: string, allowed: readonly string[], deleted: boolean) =>
    `${path} is outside the plan's allowed areas (${formatGlobs(allowed)})${deleted ? ' and was deleted' : ''}. Roll it back or widen \`allowed\` in plan.yaml.`,
  symlinkBlocked: (path: string) =>
    `${path} is a symlink, and symlinks are blocked by policy. Replace it with a regular file or set policy.blockSymlinks: false in plan.yaml.`,
  symlinkEscape: (path: string, why: string) =>
    `${path} is a symlink that leads outside the worktree: ${why}. Remove it; links must stay inside the feature's worktree.`,
  executable: (path: string, blocked: boolean) =>
    blocked
      ? `${path} was made executable, which the plan blocks. Remove the executable bit (chmod -x) or set policy.blockExecutables: false in plan.yaml.`
      : `${path} was made executable. Check that it should be.`,
  tooLarge: (path: string, size: number, max: number) =>
    `${path} is ${formatBytes(size)}, over the plan's limit of ${formatBytes(max)} per file. Remove it (or keep it out of the worktree) or raise limits.maxFileBytes in plan.yaml.`,
  quota: (total: number, max: number) =>
    `The feature's added and modified files total ${formatBytes(total)}, over the plan's quota of ${formatBytes(max)}. Remove large files or raise limits.quotaBytes in plan.yaml.`,
  tooMany: (count: number, max: number) =>
    `The feature changes ${count} files, more than the plan's limit of ${max}. Roll back unrelated changes or raise limits.maxChangedFiles in plan.yaml.`,
  secret: (path: string, label: string, line: number) =>
    `Possible ${label} in ${path} at line ${line}. Remove it, rotate the credential, and load it from the environment or a secret store instead.`,
};
