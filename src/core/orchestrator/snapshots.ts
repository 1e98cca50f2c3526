/**
 * Reading a feature's snapshots: a file as a checkpoint (or the base) holds it, diffs and
 * changed files between two sides, and the violations standing at a side. 'worktree' means the
 * latest checkpoint once every write seen so far is in it (no full rescan).
 */
import { diffTrees, unifiedDiff } from '../checkpoints/treeDiff';
import type { FileChange, Violation } from '../model/types';
import { assertRelPath } from '../util/ids';
import type { FeatureRuntime } from './featureRuntime';

/** A side of a diff: a checkpoint number (0 is the base), 'base', or 'worktree'. */
export type DiffSide = number | 'base' | 'worktree';

export async function commitAt(rt: FeatureRuntime, side: DiffSide): Promise<string> {
  if (side === 'base') return rt.state.baseCommit;
  if (side === 'worktree') {
    await rt.flush();
    return rt.checkpoints.head.commit;
  }
  return rt.checkpoints.commitOf(side);
}

export async function readFileAt(rt: FeatureRuntime, side: number | 'base', relPath: string): Promise<Buffer | undefined> {
  const clean = assertRelPath(relPath);
  const obj = await rt.checkpoints.store.read(`${await commitAt(rt, side)}:${clean}`);
  return obj?.type === 'blob' ? obj.data : undefined;
}

export async function diffBetween(rt: FeatureRuntime, from: DiffSide, to: DiffSide, relPath?: string): Promise<{ text: string; truncated: boolean }> {
  return unifiedDiff(rt.worktree, await commitAt(rt, from), await commitAt(rt, to), relPath);
}

export async function changedFilesBetween(rt: FeatureRuntime, from: DiffSide, to: DiffSide): Promise<FileChange[]> {
  return diffTrees(rt.worktree, await commitAt(rt, from), await commitAt(rt, to), { numstat: true });
}

/** Now for 'worktree'; else what that checkpoint recorded (none at the base). */
export function violationsAt(rt: FeatureRuntime, side: DiffSide): Violation[] {
  if (side === 'worktree') return rt.violations.all;
  if (side === 'base' || side === 0) return [];
  return rt.history.list().find((c) => c.seq === side)?.violations ?? [];
}
