/**
 * What waits for the user outside the worktrees, as items for pickers and the surfaces: their
 * shape (shared by the repository guards and the plan/spec changes) and how a git-folder change
 * or a checkout write reads as one.
 */
import type { GitDirFinding } from '../gitdir';
import type { MainCheckoutEntry } from './mainCheckoutWrites';

/** What the user can do about a standing item. */
export type StandingAction = 'restore' | 'acknowledge' | 'moveOut' | 'apply' | 'revert';

/**
 * One thing outside the worktrees waiting for the user: a git-folder change, a file in the
 * checkout (or in `.aop/`), or a plan/spec changed on disk. `path` is the one its violation
 * names (relative to the checkout, or absolute for a git folder elsewhere).
 */
export interface StandingItem {
  area: 'git' | 'checkout' | 'plan';
  path: string;
  features: string[];
  actions: StandingAction[];
  /** One line for lists. */
  title: string;
}

/** A change to the git folder (`label`: its path as the user sees it); restorable when its content before is known. */
export function gitDirItem(f: GitDirFinding, label: string): StandingItem {
  const what = f.role === 'ref' ? 'moved' : !f.before ? 'created' : !f.after ? 'deleted' : 'changed';
  const restorable = !f.before || f.before.data !== undefined;
  return { area: 'git', path: label, features: f.features, actions: restorable ? ['restore', 'acknowledge'] : ['acknowledge'], title: `${label} ${what} while agents ran` };
}

/** A file written or deleted in the user's checkout; a written one can be moved out. */
export function checkoutItem(e: MainCheckoutEntry): StandingItem {
  return { area: 'checkout', path: e.path, features: e.features, actions: e.change === 'written' ? ['moveOut', 'acknowledge'] : ['acknowledge'], title: `${e.path} ${e.change} in your checkout while agents ran` };
}
