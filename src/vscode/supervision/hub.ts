/**
 * Supervision across the window's repositories: "Needs you" merged from every orchestrator and
 * kept in urgency order, and each action routed to the repository that owns the item. Only
 * translates: each orchestrator's façade holds the state and does the work.
 */
import * as vscode from 'vscode';
import type { BulkAgentResult, Orchestrator } from '../../core/orchestrator';
import type { BudgetChoice, NewComment } from '../../core/supervision';
import { compareNeedsYou, type NeedsYouItem } from '../../shared/needsYou';
import type { ReviewThread } from '../../shared/review';
import type { BudgetKind } from '../../shared/vocabulary';
import type { FeatureRef, Registry } from '../workspace/registry';

export class SupervisionHub implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** "Needs you" may have changed (debounced). */
  readonly onDidChange = this.changed.event;
  private readonly reviewChanged = new vscode.EventEmitter<FeatureRef>();
  /** A feature's review threads changed. */
  readonly onDidChangeReview = this.reviewChanged.event;
  private readonly subs: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly registry: Registry) {
    this.subs.push(
      registry.onDidChange(({ repoRoot, change }) => {
        if (change.kind === 'review') this.reviewChanged.fire({ repoRoot, featureId: change.featureId });
        if (change.kind === 'needsYou' || change.kind === 'violations' || change.kind === 'agent' || change.kind === 'feature' || change.kind === 'features') this.schedule();
      }),
      registry.onDidChangeRepositories(() => this.schedule()),
    );
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.changed.fire();
    }, 50);
  }

  /** Everything that waits for the person, in every repository, most urgent first. */
  items(): NeedsYouItem[] {
    return this.registry
      .repositories()
      .flatMap((o) => o.supervision.needsYou())
      .sort(compareNeedsYou);
  }

  private orch(ref: { repoRoot: string; featureId: string }): Orchestrator {
    return this.registry.resolve(ref);
  }

  answerPermission(item: NeedsYouItem, answer: 'allow' | 'deny'): boolean {
    if (item.open.kind !== 'permission') return false;
    return this.orch(item).supervision.answerPermission(item.open.requestId, answer);
  }

  dismiss(item: NeedsYouItem): Promise<void> {
    return this.orch(item).supervision.dismiss(item);
  }

  resolveBudget(ref: FeatureRef, kind: BudgetKind, choice: BudgetChoice): Promise<void> {
    return this.orch(ref).supervision.resolveBudget(ref.featureId, kind, choice);
  }

  /** Pause, resume or stop every agent of every repository; what could not be done says why. */
  async all(action: 'pause' | 'resume' | 'stop'): Promise<BulkAgentResult> {
    const results = await Promise.all(
      this.registry.repositories().map((o) => (action === 'pause' ? Promise.resolve(o.supervision.pauseAll()) : action === 'resume' ? Promise.resolve(o.supervision.resumeAll()) : o.supervision.stopAll())),
    );
    return { done: results.flatMap((r) => r.done), skipped: results.flatMap((r) => r.skipped) };
  }

  threads(ref: FeatureRef): ReviewThread[] {
    return this.orch(ref).supervision.reviewThreads(ref.featureId);
  }

  addComment(ref: FeatureRef, c: NewComment): Promise<ReviewThread> {
    return this.orch(ref).supervision.addReviewComment(ref.featureId, c);
  }

  reply(ref: FeatureRef, threadId: string, body: string): Promise<ReviewThread> {
    return this.orch(ref).supervision.replyReview(ref.featureId, threadId, body);
  }

  send(ref: FeatureRef, threadIds?: readonly string[]): Promise<{ messageId: string; threads: ReviewThread[] }> {
    return this.orch(ref).supervision.sendReview(ref.featureId, threadIds);
  }

  resolve(ref: FeatureRef, threadId: string, resolved: boolean): Promise<ReviewThread> {
    return this.orch(ref).supervision.resolveReviewThread(ref.featureId, threadId, resolved);
  }

  discard(ref: FeatureRef, threadId: string): Promise<void> {
    return this.orch(ref).supervision.discardReviewThread(ref.featureId, threadId);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
    this.reviewChanged.dispose();
  }
}
