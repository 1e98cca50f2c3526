/**
 * The façade's supervision topic (`orchestrator.supervision`): "Needs you", permission answers,
 * budgets, review threads, health and disk, and pause / resume / stop all. Each feature is
 * handed to core/supervision through a small port built here from its runtime and its agent.
 */
import * as path from 'node:path';
import { defaultWorktreePath } from '../features/featurePaths';
import { cleanDeleted, deletedFolder, diskTotals, folderBytes, pruneUnreachable, type BudgetChoice, type BudgetStatus, type DiskTotals, type FeatureHealthFigures, type NewComment, type PermissionAnswer, type SupervisedFeature, type Supervision } from '../supervision';
import { mapLimit } from '../util/async';
import type { NeedsYouItem } from '../../shared/needsYou';
import type { ReviewThread } from '../../shared/review';
import type { BudgetKind } from '../../shared/vocabulary';
import type { BulkAgentResult, FeatureAgents } from './featureAgents';
import type { FeatureLifecycle } from './featureLifecycle';
import type { FeatureRuntime } from './featureRuntime';
import { readFileAt } from './snapshots';
import type { OrchestratorSettings } from './types';

/** What supervision sees of a feature: its log, checkpoints and agent, through the runtime. */
export function supervisedFeature(rt: FeatureRuntime, agents: FeatureAgents): SupervisedFeature {
  return {
    id: rt.id,
    worktree: rt.worktree,
    runtimeDir: rt.paths.runtime,
    baseCommit: rt.state.baseCommit,
    events: async () => (await rt.log.read()).events,
    onEvent: (l) => rt.log.onEvent(l),
    log: async (e) => void (await rt.log.append(e)),
    planBudget: () => rt.plan.budget,
    head: () => ({ seq: rt.checkpoints.head.seq, commit: rt.checkpoints.head.commit }),
    readAt: (seq, p) => readFileAt(rt, seq === 0 ? 'base' : seq, p),
    checkpointNow: async () => (await rt.checkpointNow())?.seq ?? rt.checkpoints.head.seq,
    filesChanged: async () => (await rt.checkpoints.cumulativeChanges()).length,
    standing: () => ({ agentState: agents.session(rt.id)?.state ?? rt.state.agentState, violations: rt.violations.all, breaker: rt.breaker.state }),
    watcher: () => rt.watching,
    pauseAgent: (reason) => agents.pauseIfRunning(rt.id, reason),
    resumeAgent: (reason) => agents.resumeIfFree(rt.id, reason),
    stopAgent: (reason) => agents.stop(rt.id, reason),
    sendMessage: (text) => agents.sendOrQueue(rt.id, text),
  };
}

export interface FeatureDisk {
  featureId: string;
  checkpointBytes: number;
  worktreeBytes: number;
}

export class SupervisionFacade {
  constructor(
    private readonly o: {
      repoRoot: string;
      supervision: Supervision;
      features: FeatureLifecycle;
      agents: FeatureAgents;
      settings: () => OrchestratorSettings;
    },
  ) {}

  /** What waits for the person in this repository, most urgent first. */
  needsYou(): NeedsYouItem[] {
    return this.o.supervision.needsYou();
  }

  /** Answers a held permission request (allow once / deny); false when it no longer waits. */
  answerPermission(requestId: string, answer: PermissionAnswer): boolean {
    return this.o.supervision.answerPermission(requestId, answer);
  }

  dismiss(item: Pick<NeedsYouItem, 'id' | 'featureId' | 'actions'>): Promise<void> {
    return this.o.supervision.dismiss(item);
  }

  resendMessage(id: string, messageId: string): Promise<{ id: string }> {
    return this.o.supervision.resend(this.o.features.feature(id).id, messageId);
  }

  /** Each budget in force on the feature, with its usage so far. */
  budgets(id: string): BudgetStatus[] {
    return this.o.supervision.budgets(this.o.features.feature(id).id);
  }

  /** The person's answer to a reached budget: extend (and resume), accept the work as it is, or stop. */
  resolveBudget(id: string, kind: BudgetKind, choice: BudgetChoice): Promise<void> {
    return this.o.supervision.resolveBudget(this.o.features.feature(id).id, kind, choice);
  }

  reviewThreads(id: string): ReviewThread[] {
    return this.o.supervision.threads(this.o.features.feature(id).id);
  }

  private review(id: string) {
    return this.o.supervision.review(this.o.features.feature(id).id);
  }

  async addReviewComment(id: string, c: NewComment): Promise<ReviewThread> {
    return (await this.review(id)).add(c);
  }

  async replyReview(id: string, threadId: string, body: string): Promise<ReviewThread> {
    return (await this.review(id)).reply(threadId, body);
  }

  /** "Send review": the drafts (all, or those named) to the agent as one message. */
  async sendReview(id: string, threadIds?: readonly string[]): Promise<{ messageId: string; threads: ReviewThread[] }> {
    return (await this.review(id)).send(threadIds);
  }

  async resolveReviewThread(id: string, threadId: string, resolved = true): Promise<ReviewThread> {
    return (await this.review(id)).resolve(threadId, resolved);
  }

  async discardReviewThread(id: string, threadId: string): Promise<void> {
    return (await this.review(id)).discard(threadId);
  }

  /** The feature's health; disk is measured when asked (a walk of its worktree and objects). */
  health(id: string, o: { measureDisk?: boolean } = {}): ReturnType<Supervision['health']> {
    return this.o.supervision.health(this.o.features.feature(id).id, o);
  }

  /** Where deleted features' leftovers are kept for this repository. */
  private worktreesRoot(): string {
    return path.dirname(defaultWorktreePath(this.o.repoRoot, 'x', this.o.settings().worktreesRoot));
  }

  /** Disk used by every feature of this repository and by `.deleted/`, against the quota. */
  async disk(): Promise<DiskTotals & { features: FeatureDisk[] }> {
    const ids = this.o.features.active().map((rt) => rt.id);
    const features = await mapLimit(ids, 2, async (id) => {
      const h = await this.o.supervision.health(id, { measureDisk: true });
      return { featureId: id, checkpointBytes: h.disk?.checkpointBytes ?? 0, worktreeBytes: h.disk?.worktreeBytes ?? 0 };
    });
    const deleted = (await folderBytes(deletedFolder(this.worktreesRoot()))).bytes;
    return { ...diskTotals(features, deleted, this.o.settings().diskQuotaBytes), features };
  }

  /** Drops old checkpoints of every feature now (the retention setting), instead of waiting for the next batch. */
  async applyRetention(): Promise<{ featureId: string; pruned: number }[]> {
    const out: { featureId: string; pruned: number }[] = [];
    for (const rt of this.o.features.active()) out.push({ featureId: rt.id, pruned: (await rt.checkpoints.applyRetention()).pruned.length });
    return out;
  }

  /** Deletes unreachable objects older than an hour (what retention and deleted features leave). */
  prune(): Promise<void> {
    return pruneUnreachable(this.o.repoRoot);
  }

  /** Removes the work kept aside from deleted features (`<worktrees>/.deleted/`). */
  cleanDeleted(): Promise<{ removed: string[]; bytes: number }> {
    return cleanDeleted(this.worktreesRoot());
  }

  pauseAll(): BulkAgentResult {
    return this.o.agents.pauseAll();
  }

  resumeAll(): BulkAgentResult {
    return this.o.agents.resumeAll();
  }

  stopAll(): Promise<BulkAgentResult> {
    return this.o.agents.stopAll();
  }
}

export type { FeatureHealthFigures };
