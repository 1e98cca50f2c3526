/**
 * Where a feature's files live (see README "On disk"):
 *   <repo>/.aop/features/<id>/spec.md, plan.yaml      user-written, may be committed
 *   <repo>/.aop/features/<id>/state.json, events.jsonl runtime, kept out of git by .git/info/exclude
 *   <repo>/.aop/features/<id>/.runtime/               private caches and journals
 *   <repo>.worktrees/<id>/                             the worktree, outside the repository folder
 */
import * as path from 'node:path';
import { assertFeatureId, isFeatureId } from '../util/ids';

export interface FeaturePaths {
  dir: string;
  spec: string;
  plan: string;
  agentScript: string;
  state: string;
  events: string;
  runtime: string;
  statCache: string;
  rollbackJournal: string;
}

export function featuresDir(repoRoot: string): string {
  return path.join(repoRoot, '.aop', 'features');
}

export function featurePaths(repoRoot: string, id: string): FeaturePaths {
  const dir = path.join(featuresDir(repoRoot), assertFeatureId(id));
  const runtime = path.join(dir, '.runtime');
  return {
    dir,
    spec: path.join(dir, 'spec.md'),
    plan: path.join(dir, 'plan.yaml'),
    agentScript: path.join(dir, 'agent.yaml'),
    state: path.join(dir, 'state.json'),
    events: path.join(dir, 'events.jsonl'),
    runtime,
    statCache: path.join(runtime, 'stat-cache.json'),
    rollbackJournal: path.join(runtime, 'rollback-journal.json'),
  };
}

/**
 * The repository and feature of a plan file's absolute path (`<repo>/.aop/features/<id>/plan.yaml`),
 * or undefined for any other file.
 */
export function planFileOwner(file: string): { repoRoot: string; featureId: string } | undefined {
  const m = /^(.*)[\\/]\.aop[\\/]features[\\/]([^\\/]+)[\\/]plan\.yaml$/.exec(file);
  if (!m || !isFeatureId(m[2])) return undefined;
  return { repoRoot: m[1]!, featureId: m[2]! };
}

/** Default worktree location: a sibling folder `<repo>.worktrees/<id>`. */
export function defaultWorktreePath(repoRoot: string, id: string, worktreesRoot?: string): string {
  const root = worktreesRoot ?? `${path.resolve(repoRoot)}.worktrees`;
  return path.join(root, assertFeatureId(id));
}

/** Lines added to `.git/info/exclude` so runtime files never show up as changes. */
export const EXCLUDE_LINES = ['/.aop/features/*/state.json', '/.aop/features/*/events.jsonl', '/.aop/features/*/.runtime/'];
