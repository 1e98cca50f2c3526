/**
 * Validation of names and paths that come from outside (users, plans, agents, webview
 * messages). Everything here refuses rather than repairs, with a message that says what to do.
 */
import * as path from 'node:path';
import { LIMITS } from '../../shared/limits';
import { isInGitDir } from '../../shared/paths';
import { AopError } from './errors';

/** Control characters (C0, DEL, C1), which never belong in ids, refs or paths. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const FEATURE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** A feature id: `[a-z0-9][a-z0-9-_]{0,63}`. Refuses `..`, `/`, a leading `-`, spaces, unicode. */
export function assertFeatureId(id: unknown): string {
  if (typeof id !== 'string' || !FEATURE_ID.test(id)) {
    throw new AopError(
      'INVALID_ID',
      `Invalid feature id ${JSON.stringify(typeof id === 'string' ? id.slice(0, 80) : id)}: use 1-64 lowercase letters, digits, '-' or '_', starting with a letter or digit.`,
    );
  }
  return id;
}

export function isFeatureId(id: unknown): id is string {
  return typeof id === 'string' && FEATURE_ID.test(id);
}

/**
 * A ref or revision given by a person or a plan (e.g. a base branch). Refused: a leading `-`
 * (it would be read as a git option), control characters, spaces, `..`, `@{`, and the other
 * shapes `git check-ref-format` forbids. Commit ids pass.
 */
export function assertRefName(ref: unknown): string {
  const bad = (why: string): never => {
    throw new AopError(
      'INVALID_REF',
      `Invalid git ref ${JSON.stringify(typeof ref === 'string' ? ref.slice(0, 80) : ref)}: ${why}. Give a branch, tag or commit id such as "main".`,
    );
  };
  if (typeof ref !== 'string' || ref.length === 0) return bad('it is empty');
  if (ref.length > 255) return bad('it is longer than 255 characters');
  if (ref.startsWith('-')) return bad('it begins with "-" and would be read as a git option');
  if (CONTROL.test(ref)) return bad('it contains control characters');
  if (/[\s~^:?*[\\]/.test(ref)) return bad('it contains a space or one of ~ ^ : ? * [ \\');
  if (ref.includes('..') || ref.includes('@{') || ref.includes('//')) return bad('it contains "..", "@{" or "//"');
  if (ref.startsWith('/') || ref.endsWith('/') || ref.endsWith('.') || ref.endsWith('.lock') || ref === '@') {
    return bad('it has a malformed start or end');
  }
  if (ref.split('/').some((part) => part.startsWith('.'))) return bad('a component begins with "."');
  return ref;
}

/**
 * A path relative to a worktree, in git's form (forward slashes). Refused: absolute paths,
 * `..` components, empty components, control characters, and anything under `.git`.
 * Returns the normalised path.
 */
export function assertRelPath(p: unknown, what = 'path'): string {
  const bad = (why: string): never => {
    throw new AopError(
      'INVALID_PATH',
      `Invalid ${what} ${JSON.stringify(typeof p === 'string' ? p.slice(0, 200) : p)}: ${why}. Give a path inside the feature's worktree, relative to its root.`,
    );
  };
  if (typeof p !== 'string' || p.length === 0) return bad('it is empty');
  if (p.length > LIMITS.pathLength) return bad(`it is longer than ${LIMITS.pathLength} characters`);
  if (p.includes('\0')) return bad('it contains a NUL character');
  if (path.isAbsolute(p) || /^[a-zA-Z]:/.test(p) || p.startsWith('\\')) return bad('it is absolute');
  // A backslash separates folders only on Windows; elsewhere it is a legal character in a name.
  const norm = process.platform === 'win32' ? p.replace(/\\/g, '/') : p;
  const parts = norm.split('/');
  if (parts.some((s) => s === '..')) return bad('it climbs out with ".."');
  const clean = parts.filter((s) => s !== '' && s !== '.');
  if (clean.length === 0) return bad('it names the worktree root');
  if (isInGitDir(clean[0]!)) return bad('it is inside .git');
  return clean.join('/');
}

/** Resolves a relative path inside `root`, refusing anything that would land outside it. */
export function resolveInside(root: string, rel: string): string {
  const clean = assertRelPath(rel);
  const abs = path.resolve(root, clean);
  const r = path.resolve(root);
  if (abs !== r && !abs.startsWith(r + path.sep)) {
    throw new AopError('INVALID_PATH', `Path ${JSON.stringify(rel)} resolves outside the worktree; refused.`);
  }
  return abs;
}

/** Converts an absolute path under root to git's relative form, or undefined when outside. */
export function toRelPath(root: string, abs: string): string | undefined {
  const rel = path.relative(root, abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}
