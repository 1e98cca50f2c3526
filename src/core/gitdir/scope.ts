/**
 * What in a repository's git folder (the common dir every worktree shares) can turn the next
 * git command into someone else's code, and what is only git's own churn. Paths are relative
 * to the common dir, with '/'.
 *
 * - `guarded`: read by git as configuration or run as code: `config`, hooks, `info/`
 *   (attributes, exclude, grafts), legacy remotes, an in-progress rebase or sequencer (whose
 *   todo list can hold `exec` lines), object alternates, a worktree's `config.worktree` and
 *   the `commondir`/`gitdir` files that redirect it, and the same inside submodules' git
 *   folders. Any change is a finding; the previous bytes are kept to restore.
 * - `ref`: branch and tag pointers (`HEAD`, `refs/`, `packed-refs`, each worktree's `HEAD`).
 *   A change is judged by value: a feature's own branch may move, others may not.
 * - `inert`: objects, reflogs, indexes, pseudo-refs and lock files. Writing them runs nothing.
 */

export type GitPathRole = 'guarded' | 'ref' | 'inert';

const GUARDED_FILES = new Set(['config', 'config.worktree', 'commondir', 'gitdir', 'objects/info/alternates', 'objects/info/http-alternates']);
const GUARDED_DIRS = ['hooks', 'info', 'branches', 'remotes', 'rebase-merge', 'rebase-apply', 'sequencer'];
/** In a worktree's admin folder (`worktrees/<name>/`): what redirects it or configures it. */
const GUARDED_ADMIN_FILES = new Set(['config.worktree', 'commondir', 'gitdir']);

export function gitPathRole(rel: string): GitPathRole {
  if (rel === '' || rel.endsWith('.lock')) return 'inert';
  const parts = rel.split('/');
  const first = parts[0]!;
  if (GUARDED_FILES.has(rel)) return 'guarded';
  if (GUARDED_DIRS.includes(first)) return 'guarded';
  if (rel === 'HEAD' || rel === 'packed-refs' || first === 'refs') return 'ref';
  if (first === 'worktrees' && parts.length >= 3) {
    const inside = parts.slice(2).join('/');
    if (GUARDED_ADMIN_FILES.has(inside)) return 'guarded';
    if (inside === 'HEAD') return 'ref';
    return 'inert';
  }
  if (first === 'modules') return submoduleRole(parts);
  return 'inert';
}

/** `modules/<name...>/` holds each submodule's git folder (nested for nested submodules). */
function submoduleRole(parts: string[]): GitPathRole {
  // Object and ref stores never hold configuration; names inside them are not meaningful.
  if (parts.includes('objects') || parts.includes('refs') || parts.includes('logs')) return 'inert';
  const last = parts[parts.length - 1]!;
  if (last === 'config' || last === 'config.worktree') return 'guarded';
  if (parts.slice(1).some((p) => p === 'hooks' || p === 'info')) return 'guarded';
  return 'inert';
}

/**
 * Whether a folder (relative) can hold anything that is not inert, so a walk need not enter
 * the object store, reflogs or a worktree's private state.
 */
export function mayHoldWatched(relDir: string): boolean {
  if (relDir === '') return true;
  const parts = relDir.split('/');
  const first = parts[0]!;
  if (GUARDED_DIRS.includes(first) || first === 'refs') return true;
  if (first === 'objects') return parts.length === 1 || parts[1] === 'info';
  if (first === 'worktrees') return parts.length <= 2;
  if (first === 'modules') return !['objects', 'refs', 'logs'].includes(parts[parts.length - 1]!);
  return false;
}

/** A worktree admin folder name from a path, when the path is inside one. */
export function adminNameOf(rel: string): string | undefined {
  const parts = rel.split('/');
  return parts[0] === 'worktrees' && parts.length >= 2 ? parts[1] : undefined;
}
