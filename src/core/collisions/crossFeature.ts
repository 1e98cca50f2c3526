/**
 * Rules across features: two features changing the same file (a collision, flagged on both),
 * and a feature changing a file inside another feature's exclusive area (an `exclusive_area`
 * violation for the one that trespassed). The pure functions take each feature's cumulative
 * changes against its own base; the orchestrator-facing ones gather those from the runtimes.
 */
import type { FileChange, Violation } from '../model/types';
import type { Plan } from '../plan';
import { GlobSet } from '../validation/globs';
import { severityFor } from '../validation/severity';
import { describePlanOverlap, planOverlap, type PlanOverlap } from './planOverlap';

export interface FeatureChangeSet {
  id: string;
  plan: Pick<Plan, 'exclusive' | 'severity' | 'policy'>;
  changes: readonly Pick<FileChange, 'path' | 'status' | 'ignored'>[];
}

export interface Collision {
  path: string;
  otherFeature: string;
  /** How this feature changed the path, and how the other did. */
  status: FileChange['status'];
  otherStatus: FileChange['status'];
}

/**
 * Per feature, the paths another feature changed too. Every feature gets an entry (empty when it
 * collides with nobody). Ignored files (build output) are not part of a branch and never collide.
 */
export function fileCollisions(sets: readonly FeatureChangeSet[]): Map<string, Collision[]> {
  const byPath = new Map<string, { id: string; status: FileChange['status'] }[]>();
  for (const s of sets) {
    for (const c of s.changes) {
      if (c.ignored) continue;
      let list = byPath.get(c.path);
      if (!list) byPath.set(c.path, (list = []));
      list.push({ id: s.id, status: c.status });
    }
  }
  const out = new Map<string, Collision[]>(sets.map((s) => [s.id, []]));
  for (const [path, list] of byPath) {
    if (list.length < 2) continue;
    for (const mine of list) {
      for (const other of list) {
        if (other.id !== mine.id) out.get(mine.id)!.push({ path, otherFeature: other.id, status: mine.status, otherStatus: other.status });
      }
    }
  }
  for (const list of out.values()) list.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : x.otherFeature < y.otherFeature ? -1 : 1));
  return out;
}

/** Per feature, its changes inside areas other features hold exclusively. Every feature gets an entry. */
export function exclusiveAreaViolations(sets: readonly FeatureChangeSet[]): Map<string, Violation[]> {
  const out = new Map<string, Violation[]>(sets.map((s) => [s.id, []]));
  const owners = sets.filter((s) => s.plan.exclusive.length > 0).map((s) => ({ id: s.id, areas: new GlobSet(s.plan.exclusive) }));
  if (owners.length === 0) return out;
  for (const s of sets) {
    const severity = severityFor(s.plan, 'exclusive_area');
    for (const c of s.changes) {
      if (c.ignored) continue;
      for (const o of owners) {
        if (o.id === s.id || !o.areas.test(c.path)) continue;
        out.get(s.id)!.push({
          kind: 'exclusive_area',
          severity,
          path: c.path,
          message: `${c.path} is in "${o.areas.which(c.path) ?? '?'}", an area feature "${o.id}" holds exclusively. Revert the change here, or release the area in "${o.id}"'s plan.`,
        });
      }
    }
  }
  return out;
}

// ---- over an orchestrator ---------------------------------------------------------------

/** The features of one repository, as the orchestrator's lifecycle keeps them. */
export interface CrossFeatureHost {
  list(): { id: string; status: string }[];
  feature(id: string): CrossFeatureRuntime;
}

export interface CrossFeatureRuntime {
  readonly plan: Plan;
  readonly checkpoints: {
    cumulativeChanges(): Promise<FileChange[]>;
    exclusive<T>(task: () => Promise<T>): Promise<T>;
    request(req: { full: boolean; trigger: 'reconcile' }): Promise<unknown>;
  };
  flush(): Promise<void>;
}

export interface GatherOptions {
  /** Checkpoint every feature's worktree first (a full scan each); otherwise use each head checkpoint. */
  fresh?: boolean;
}

/** Each active feature's plan and cumulative changes against its base, as of its head checkpoint. */
export async function gatherChangeSets(host: CrossFeatureHost, o: GatherOptions = {}): Promise<FeatureChangeSet[]> {
  const ids = host.list().filter((f) => f.status === 'active').map((f) => f.id);
  return Promise.all(
    ids.map(async (id) => {
      const rt = host.feature(id);
      if (o.fresh) {
        await rt.flush();
        await rt.checkpoints.request({ full: true, trigger: 'reconcile' });
      }
      // In the feature's lane, so a checkpoint cannot move the head halfway through.
      const changes = await rt.checkpoints.exclusive(() => rt.checkpoints.cumulativeChanges());
      return { id, plan: rt.plan, changes };
    }),
  );
}

export async function findCollisions(host: CrossFeatureHost, o: GatherOptions = {}): Promise<Map<string, Collision[]>> {
  return fileCollisions(await gatherChangeSets(host, o));
}

export async function findExclusiveViolations(host: CrossFeatureHost, o: GatherOptions = {}): Promise<Map<string, Violation[]>> {
  return exclusiveAreaViolations(await gatherChangeSets(host, o));
}

export interface PlanOverlapWarning {
  otherFeature: string;
  overlap: PlanOverlap;
  message: string;
}

/** For a feature just created: the other active features whose plans overlap its plan. */
export function planOverlapWarnings(host: CrossFeatureHost, id: string): PlanOverlapWarning[] {
  const mine = host.feature(id).plan;
  const out: PlanOverlapWarning[] = [];
  for (const f of host.list()) {
    if (f.id === id || f.status !== 'active') continue;
    const overlap = planOverlap(host.feature(f.id).plan, mine);
    const message = describePlanOverlap(f.id, id, overlap);
    if (message) out.push({ otherFeature: f.id, overlap, message });
  }
  return out;
}
