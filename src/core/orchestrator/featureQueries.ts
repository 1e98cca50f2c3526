/**
 * The façade's read-only questions about a feature: its plan, checkpoints, diffs and files at a
 * side, the violations standing at a side, its event log, the agent settings it was started with,
 * and where a new feature can start from. Each is answered by the feature's runtime (or the
 * repository); the Orchestrator extends this so its own file keeps the commands and the wiring.
 */
import type { ProviderConfigInput } from '../agents';
import { lastCleanSeq } from '../checkpoints/lastClean';
import { readEventFile } from '../events/eventLog';
import type { AopEvent } from '../events/schema';
import { baseRefCandidates, type BaseRefCandidate } from '../features/baseRefs';
import { featurePaths } from '../features/featurePaths';
import type { CheckpointRecord, FileChange, Violation } from '../model/types';
import type { Plan } from '../plan';
import { assertFeatureId } from '../util/ids';
import type { FeatureLifecycle } from './featureLifecycle';
import { changedFilesBetween, diffBetween, readFileAt, violationsAt, type DiffSide } from './snapshots';

export abstract class FeatureQueries {
  abstract readonly repoRoot: string;
  protected abstract readonly features: FeatureLifecycle;

  /** The feature's plan as last read (plan.yaml, or allow-all). */
  plan(id: string): Readonly<Plan> {
    return this.features.feature(id).plan;
  }

  /** Reads plan.yaml again (a broken one keeps the last good plan and is reported in the summary). */
  reloadPlan(id: string): Promise<Readonly<Plan>> {
    return this.features.feature(id).reloadPlan();
  }

  listCheckpoints(id: string): CheckpointRecord[] {
    return this.features.feature(id).history.list();
  }

  /** The newest checkpoint to restore `relPath` from so its violations go away (0: the base). */
  lastCleanSeq(id: string, relPath: string): number {
    return lastCleanSeq(this.features.feature(id).history.list(), relPath);
  }

  /** The feature's latest checkpoint number (0: none yet, the base). */
  headSeq(id: string): number {
    return this.features.feature(id).checkpoints.head.seq;
  }

  /** Everything the feature differs from its base in, as of its latest checkpoint (ignored files included). */
  cumulativeChanges(id: string): Promise<FileChange[]> {
    return this.features.feature(id).checkpoints.cumulativeChanges();
  }

  /** Reads a file as a checkpoint (or the base) recorded it; undefined when absent there. */
  readFileAt(id: string, side: number | 'base', relPath: string): Promise<Buffer | undefined> {
    return readFileAt(this.features.feature(id), side, relPath);
  }

  diff(id: string, from: DiffSide, to: DiffSide, relPath?: string): Promise<{ text: string; truncated: boolean }> {
    return diffBetween(this.features.feature(id), from, to, relPath);
  }

  /** Files that differ between two snapshots of a feature, with status and line counts. */
  changedFiles(id: string, from: DiffSide, to: DiffSide): Promise<FileChange[]> {
    return changedFilesBetween(this.features.feature(id), from, to);
  }

  /** The violations standing at a side: now for 'worktree', else those its checkpoint recorded. */
  violationsAt(id: string, side: DiffSide): Violation[] {
    return violationsAt(this.features.feature(id), side);
  }

  /** Reads the feature's event log (torn lines skipped); works for drafts too. */
  async events(id: string): Promise<AopEvent[]> {
    const rt = this.features.get(id);
    if (rt) return (await rt.log.read()).events;
    return (await readEventFile(featurePaths(this.repoRoot, assertFeatureId(id)).events)).events;
  }

  /** The agent settings the feature was last started with (or created with). */
  providerConfig(id: string): ProviderConfigInput | undefined {
    return this.features.feature(id).state.provider as ProviderConfigInput | undefined;
  }

  /** Branches and tags a new feature can start from (the checked-out branch first). */
  baseRefCandidates(): Promise<BaseRefCandidate[]> {
    return baseRefCandidates(this.repoRoot);
  }
}
