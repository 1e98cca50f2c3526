/** A feature as the surfaces list it: assembled from its runtime, its agent and the cross-feature results. */
import { detectSandbox, type AgentSession } from '../agents';
import type { ConfirmedKind } from '../features/confirmedFiles';
import type { Collision } from '../collisions';
import type { FeatureRuntime } from './featureRuntime';
import { sandboxStatusOf } from './sandboxStatus';
import type { ArchivedInfo, FeatureSummary } from './types';

export function activeSummary(
  repoRoot: string,
  rt: FeatureRuntime,
  session: AgentSession | undefined,
  queuePosition: number | undefined,
  collisions: Collision[],
  pendingConfirmation: ConfirmedKind[] | undefined,
): FeatureSummary {
  const records = rt.history.list();
  const last = records[records.length - 1];
  return {
    id: rt.id,
    repoRoot,
    status: 'active',
    branch: rt.state.branch,
    baseRef: rt.state.baseRef,
    baseCommit: rt.state.baseCommit,
    worktree: rt.worktree,
    provider: rt.state.provider?.provider,
    agentState: (session?.state ?? rt.state.agentState) as FeatureSummary['agentState'],
    queuePosition,
    capabilities: session?.capabilities,
    usage: session?.usage,
    breaker: rt.breaker.state,
    watch: rt.watching,
    lastCheckpoint: last ? { seq: last.seq, time: last.time } : undefined,
    checkpointCount: records.length,
    violations: rt.violations.all,
    collisions,
    notSnapshotted: rt.checkpoints.notSnapshottedPaths,
    planError: rt.planError,
    sandbox: sandboxStatusOf(rt.state.sandbox, rt.state.provider?.sandbox, session?.sandbox, () => detectSandbox()),
    pendingConfirmation,
  };
}

/** A feature with a spec but no worktree (yet, or any more), or one that could not be opened. */
export function draftSummary(repoRoot: string, id: string, error: string | undefined): FeatureSummary {
  return { id, repoRoot, status: 'draft', error, breaker: { open: false, failures: 0, errors: [] }, watch: { alive: false }, checkpointCount: 0, violations: [], collisions: [], notSnapshotted: [] };
}

/** A feature that was accepted or deleted: how it ended, nothing live. */
export function archivedSummary(repoRoot: string, id: string, archived: ArchivedInfo): FeatureSummary {
  return { id, repoRoot, status: 'archived', archived, breaker: { open: false, failures: 0, errors: [] }, watch: { alive: false }, checkpointCount: 0, violations: [], collisions: [], notSnapshotted: [] };
}
