/**
 * Browser-safe validation of ids and paths that arrive in webview messages. Mirrors the rules
 * of core's `assertRelPath`/`isFeatureId` (src/core/util/ids.ts, which needs node:path) but is
 * stricter: it accepts only paths already in git's canonical form, so what the webview asks
 * for is exactly what the host acts on. A test checks that every path accepted here is
 * accepted unchanged by core.
 */
import { LIMITS } from './limits';

const FEATURE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Inside the worktree's own git metadata: the first component is `.git`, in any case (on a
 * case-insensitive file system `.GIT/config` is `.git/config`). Requests, rollbacks and checks
 * of a path all refuse these.
 */
export function isInGitDir(relPath: string): boolean {
  return relPath.split('/', 1)[0]!.toLowerCase() === '.git';
}

/** Any component is `.git` (any case): the worktree's metadata or a nested repository's. */
export function hasGitComponent(relPath: string): boolean {
  return relPath.split('/').some((part) => part.toLowerCase() === '.git');
}

export function isFeatureId(id: unknown): id is string {
  return typeof id === 'string' && FEATURE_ID.test(id);
}

/** Why `p` is not a canonical worktree-relative path, or undefined when it is one. */
export function relPathProblem(p: unknown): string | undefined {
  if (typeof p !== 'string' || p.length === 0) return 'it is empty';
  if (p.length > LIMITS.pathLength) return `it is longer than ${LIMITS.pathLength} characters`;
  if (CONTROL.test(p)) return 'it contains control characters';
  if (p.includes('\\')) return 'it contains a backslash (use forward slashes)';
  if (p.startsWith('/') || /^[a-zA-Z]:/.test(p)) return 'it is absolute';
  const parts = p.split('/');
  if (parts.some((s) => s === '..')) return 'it climbs out with ".."';
  if (parts.some((s) => s === '' || s === '.')) return 'it has an empty or "." component';
  if (isInGitDir(p)) return 'it is inside .git';
  return undefined;
}

export function isRelWorktreePath(p: unknown): p is string {
  return relPathProblem(p) === undefined;
}
