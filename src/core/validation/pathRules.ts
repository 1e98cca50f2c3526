/**
 * The rules that judge a path alone (outside_worktree, git_dir_write, forbidden_path,
 * out_of_scope) under one plan. Apart from the Validator because they run on their own, before
 * a write lands (checkPath, checkProposedWrite) and before anything in a watch batch is read.
 */
import type { Violation, ViolationKind } from '../model/types';
import type { Plan } from '../plan';
import { hasGitComponent } from '../../shared/paths';
import { GlobSet } from './globs';
import { msg } from './messages';
import { createViolation } from './severity';

export class PathRules {
  private readonly allowed: GlobSet;
  private readonly forbidden: GlobSet;

  constructor(private readonly plan: Plan) {
    this.allowed = new GlobSet(plan.allowed);
    this.forbidden = new GlobSet(plan.forbidden);
  }

  check(path: string, deleted: boolean): Violation[] {
    const outside = outsideReason(path);
    if (outside) return [this.violation('outside_worktree', path, msg.outsideWorktree(path, outside))];
    // A .git write says it all; scope rules on top would only bury it.
    if (hasGitComponent(path)) return [this.violation('git_dir_write', path, msg.gitDir(path))];
    if (this.forbidden.size > 0 && this.forbidden.test(path)) {
      return [this.violation('forbidden_path', path, msg.forbidden(path, this.forbidden.which(path) ?? '?'))];
    }
    if (this.allowed.size > 0 && !this.allowed.test(path)) {
      return [this.violation('out_of_scope', path, msg.outOfScope(path, this.plan.allowed, deleted))];
    }
    return [];
  }

  private violation(kind: ViolationKind, path: string, message: string): Violation {
    return createViolation(this.plan, kind, path, message);
  }
}

/** Why a change path is not a plain worktree-relative path, or undefined when it is one. */
export function outsideReason(path: string): string | undefined {
  if (path === '') return 'the path is empty';
  if (path.includes('\0')) return 'the path contains a NUL character';
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path)) return 'the path is absolute';
  if (path.split(/[\\/]/).includes('..')) return 'the path climbs out with ".."';
  return undefined;
}
