/**
 * Where an accepted feature lands: the branch its base names, where (if anywhere) that branch is
 * checked out, and its tip now. A branch checked out in a working tree is never moved by us:
 * moving it under the tree would make every file look changed back to the old state.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { git } from '../git/gitRunner';
import { AopError } from '../util/errors';
import { assertRefName } from '../util/ids';
import { resolveCommitOf } from './gitPlumbing';

export interface WorktreeEntry {
  path: string;
  head?: string;
  /** Full ref, e.g. refs/heads/main; absent when detached or bare. */
  branch?: string;
  detached: boolean;
  bare: boolean;
  /** The main working tree (git lists it first). */
  main: boolean;
}

/** Parses `git worktree list --porcelain -z`: NUL-separated fields, an empty field ends a record. */
export function parseWorktreeList(out: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let cur: WorktreeEntry | undefined;
  for (const field of out.split('\0')) {
    if (field === '') {
      if (cur) entries.push(cur);
      cur = undefined;
      continue;
    }
    const sp = field.indexOf(' ');
    const key = sp < 0 ? field : field.slice(0, sp);
    const value = sp < 0 ? '' : field.slice(sp + 1);
    if (key === 'worktree') {
      if (cur) entries.push(cur);
      cur = { path: value, detached: false, bare: false, main: entries.length === 0 };
    } else if (cur) {
      if (key === 'HEAD') cur.head = value;
      else if (key === 'branch') cur.branch = value;
      else if (key === 'detached') cur.detached = true;
      else if (key === 'bare') cur.bare = true;
    }
  }
  if (cur) entries.push(cur);
  return entries;
}

export async function listWorktrees(repo: string): Promise<WorktreeEntry[]> {
  return parseWorktreeList(await git(['worktree', 'list', '--porcelain', '-z'], { cwd: repo }));
}

export interface AcceptTarget {
  /** What the person named: the feature's base ref, or the branch they chose. */
  label: string;
  /** The branch to land on (refs/heads/...), when the label names a local branch. */
  ref?: string;
  /** The commit the label resolves to now. */
  tip: string;
  /** Where that branch is checked out, if anywhere. */
  checkedOut?: { path: string; main: boolean };
}

export async function resolveTarget(repo: string, baseRef: string, branch?: string): Promise<AcceptTarget> {
  const label = assertRefName(branch ?? baseRef);
  // No --end-of-options here: git 2.39 echoes it with --symbolic-full-name. assertRefName has
  // already refused a label starting with "-".
  const full = await git(['rev-parse', '--symbolic-full-name', label], { cwd: repo }).catch(() => '');
  const ref = full.startsWith('refs/heads/') ? full : undefined;
  if (branch !== undefined && !ref) {
    throw new AopError('INVALID_REF', `"${branch}" is not a local branch; choose a branch to land the feature on.`);
  }
  const tip = await resolveCommitOf(repo, ref ?? label);
  if (!tip) throw new AopError('NOT_FOUND', `The base "${label}" no longer exists; choose a branch to land the feature on.`);
  const target: AcceptTarget = { label, ref, tip };
  if (ref) {
    const wt = (await listWorktrees(repo)).find((w) => w.branch === ref);
    if (wt) target.checkedOut = { path: wt.path, main: wt.main || (await samePath(wt.path, repo)) };
  }
  return target;
}

async function samePath(a: string, b: string): Promise<boolean> {
  try {
    return (await fs.realpath(a)) === (await fs.realpath(b));
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}
