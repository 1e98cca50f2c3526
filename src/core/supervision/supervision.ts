/**
 * Supervision of one repository's features: for each, the folds of its log (what waits for
 * the person, health), its budgets at work and its review threads; across them, the permission
 * requests held for the person and the "Needs you" queue. The orchestrator feeds it each
 * feature as it opens and each log event as it is appended, and answers for it through the
 * small port below; nothing here knows how a feature is stored or run.
 */
import * as path from 'node:path';
import type { PermissionQuery } from '../agents';
import type { AopEvent, EventInput } from '../events/schema';
import type { Violation } from '../model/types';
import type { PlanBudget } from '../plan';
import { Emitter, type Disposable } from '../util/emitter';
import { AopError, errorMessage } from '../util/errors';
import { stableJson } from '../util/stableJson';
import type { NeedsYouItem } from '../../shared/needsYou';
import type { ReviewThread } from '../../shared/review';
import type { BudgetKind } from '../../shared/vocabulary';
import { AttentionFold } from './attentionFold';
import { budgetLimits } from './budgets';
import { BudgetWatch, type BudgetChoice, type BudgetStatus } from './budgetWatch';
import { checkpointBytes, folderBytes } from './diskUsage';
import { HealthFold, type FeatureHealthFigures } from './health';
import { dismissalKey, needsYouItems } from './needsYou';
import { PermissionBroker, type PermissionAnswer } from './permissionBroker';
import { ReviewThreads } from './reviewThreads';

/** What supervision needs of a feature. */
export interface SupervisedFeature {
  id: string;
  worktree: string;
  /** The feature's private runtime folder (review threads are kept there). */
  runtimeDir: string;
  events(): Promise<AopEvent[]>;
  onEvent(listener: (e: AopEvent) => void): Disposable;
  log(e: EventInput): Promise<void>;
  planBudget(): PlanBudget | undefined;
  head(): { seq: number; commit: string };
  baseCommit: string;
  /** A file as checkpoint `seq` holds it (0: the base). */
  readAt(seq: number, relPath: string): Promise<Buffer | undefined>;
  /** Takes a full checkpoint now; the head's number after it. */
  checkpointNow(): Promise<number>;
  /** Files changed against the base at the head checkpoint. */
  filesChanged(): Promise<number>;
  /** The agent's standing now, and the violations and breaker standing on the feature. */
  standing(): { agentState?: string; violations: readonly Violation[]; breaker: { open: boolean; errors: readonly string[] } };
  watcher(): { alive: boolean; backend?: string };
  /** Pauses the running agent; false when there is none or it cannot be paused. */
  pauseAgent(reason: string): boolean;
  /** Resumes the agent when nothing else holds it (no critical violation, breaker closed). */
  resumeAgent(reason: string): boolean;
  stopAgent(reason: string): Promise<void>;
  /** Hands text to the agent as a message: to the live session, or queued for its next one. */
  sendMessage(text: string): Promise<{ id: string; state: 'queued' | 'delivered' | 'acknowledged' | 'undelivered' }>;
}

export interface SupervisionSettings {
  /** Budget defaults (the `aop.budgets` setting); a plan's `budget:` keys win. */
  budgets: PlanBudget;
}

export type SupervisionChange =
  /** Something in "Needs you" may have changed. */
  | { kind: 'needsYou'; featureId?: string }
  /** A feature's review threads changed. */
  | { kind: 'review'; featureId: string }
  /** A feature's budgets or their usage changed. */
  | { kind: 'budget'; featureId: string };

interface Entry {
  f: SupervisedFeature;
  attention: AttentionFold;
  health: HealthFold;
  budget: BudgetWatch;
  review: ReviewThreads;
  subs: Disposable[];
  disk?: { checkpointBytes: number; worktreeBytes: number; at: string };
}

/** Log events that can change "Needs you". */
const ATTENTION_EVENTS = new Set<AopEvent['t']>(['agent.state', 'agent.update', 'message', 'gate', 'budget', 'breaker', 'violation.critical', 'checkpoint', 'attention']);

export class Supervision {
  readonly permissions = new PermissionBroker();
  private readonly entries = new Map<string, Entry>();
  private readonly opening = new Map<string, Promise<void>>();
  private readonly changed = new Emitter<SupervisionChange>();
  readonly onDidChange = this.changed.event;

  constructor(
    readonly repoRoot: string,
    private readonly settings: () => SupervisionSettings,
  ) {
    this.permissions.onDidChange(() => this.changed.fire({ kind: 'needsYou' }));
  }

  /**
   * Starts supervising a feature: its log so far is folded, and every event appended from now
   * on (events appended while the history is read are applied once, not twice).
   */
  open(f: SupervisedFeature): Promise<void> {
    const p = this.doOpen(f).finally(() => this.opening.delete(f.id));
    this.opening.set(f.id, p);
    return p;
  }

  /** Resolves once the feature is supervised (its history folded); at once for one already open. */
  async whenOpen(id: string): Promise<void> {
    await this.opening.get(id);
  }

  private async doOpen(f: SupervisedFeature): Promise<void> {
    const early: AopEvent[] = [];
    const opened: { entry?: Entry } = {};
    const sub = f.onEvent((e) => (opened.entry ? this.apply(opened.entry, e) : early.push(e)));
    const history = await f.events();
    // Read back through the schema, an event's keys come in another order: compare them sorted.
    const seen = new Set(history.slice(-early.length - 16).map((e) => stableJson(e)));
    const attention = new AttentionFold();
    const health = new HealthFold();
    const budget = new BudgetWatch(
      {
        limits: () => budgetLimits(f.planBudget(), this.settings().budgets),
        log: (e) => f.log(e),
        checkpoint: () => f.checkpointNow(),
        pause: (reason) => f.pauseAgent(reason),
        resume: (reason) => f.resumeAgent(reason),
        stop: (reason) => f.stopAgent(reason),
        measure: async () => ({ filesChanged: await f.filesChanged(), checkpointBytes: await checkpointBytes(f.worktree, f.head().commit, f.baseCommit) }),
      },
      history,
    );
    for (const e of history) {
      attention.apply(e);
      health.apply(e);
    }
    const review = await ReviewThreads.open({
      file: path.join(f.runtimeDir, 'review-threads.json'),
      headSeq: () => f.head().seq,
      readAt: (seq, p) => f.readAt(seq, p),
      send: (text) => f.sendMessage(text),
      warn: (message) => void f.log({ t: 'warning', message }).catch(() => undefined),
    });
    const entry: Entry = { f, attention, health, budget, review, subs: [sub] };
    this.entries.set(f.id, entry);
    entry.subs.push(review.onDidChange(() => this.changed.fire({ kind: 'review', featureId: f.id })));
    for (const e of early) if (!seen.has(stableJson(e))) this.apply(entry, e);
    opened.entry = entry;
    void budget.measureNow();
    this.changed.fire({ kind: 'needsYou', featureId: f.id });
  }

  private apply(entry: Entry, e: AopEvent): void {
    entry.attention.apply(e);
    entry.health.apply(e);
    entry.budget.apply(e);
    if (e.t === 'message') void entry.review.onMessage(e.id, e.state).catch(() => undefined);
    if (e.t === 'checkpoint') void entry.review.onCheckpoint(e).catch(() => undefined);
    if (e.t === 'agent.usage' || e.t === 'budget' || e.t === 'agent.state') this.changed.fire({ kind: 'budget', featureId: entry.f.id });
    if (ATTENTION_EVENTS.has(e.t)) this.changed.fire({ kind: 'needsYou', featureId: entry.f.id });
  }

  /** Stops supervising a feature (deleted or closed); its held permission requests are denied. */
  close(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    for (const s of entry.subs) s.dispose();
    entry.budget.dispose();
    entry.review.dispose();
    this.permissions.denyAll(id);
    this.changed.fire({ kind: 'needsYou', featureId: id });
  }

  private entry(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new AopError('NOT_FOUND', `Feature "${String(id).slice(0, 64)}" is not active; there is nothing to supervise.`);
    return e;
  }

  /** Asks the person about a request the plan left open (held until answered, or the agent's deadline). */
  askHuman(query: PermissionQuery & { rule?: string }, signal: AbortSignal, alsoAsk?: (q: PermissionQuery, s: AbortSignal) => Promise<PermissionAnswer>): Promise<PermissionAnswer> {
    return this.permissions.ask(query, signal, alsoAsk);
  }

  /** Everything of this repository that waits for the person, most urgent first. */
  needsYou(): NeedsYouItem[] {
    const features = [...this.entries.values()].map((e) => ({ repoRoot: this.repoRoot, featureId: e.f.id, ...e.f.standing(), facts: e.attention.facts() }));
    return needsYouItems(
      features,
      this.permissions.pending().map((p) => ({ ...p, repoRoot: this.repoRoot })),
    );
  }

  answerPermission(requestId: string, answer: PermissionAnswer): boolean {
    return this.permissions.answer(requestId, answer);
  }

  /** Drops an item from "Needs you" for good (recorded in the feature's log). */
  async dismiss(item: Pick<NeedsYouItem, 'id' | 'featureId' | 'actions'>): Promise<void> {
    await this.whenOpen(item.featureId);
    if (!item.actions.includes('dismiss')) throw new AopError('INVALID_INPUT', 'This item cannot be dismissed; act on it instead.');
    await this.entry(item.featureId).f.log({ t: 'attention', dismissed: dismissalKey(item) });
  }

  /** Sends an undelivered message again (a new message with the same text); the old one leaves the queue. */
  async resend(id: string, messageId: string): Promise<{ id: string }> {
    await this.whenOpen(id);
    const e = this.entry(id);
    const m = e.attention.facts().undelivered.get(messageId);
    if (!m) throw new AopError('NOT_FOUND', `Message ${String(messageId).slice(0, 100)} is not waiting to be sent again.`);
    const sent = await e.f.sendMessage(m.text);
    await e.f.log({ t: 'attention', dismissed: m.key });
    return { id: sent.id };
  }

  budgets(id: string): BudgetStatus[] {
    return this.entries.get(id)?.budget.status() ?? [];
  }

  /** Budgets reached on the feature that wait for the person's answer. */
  budgetAsks(id: string): BudgetKind[] {
    return this.entries.get(id)?.budget.openAsks() ?? [];
  }

  async resolveBudget(id: string, kind: BudgetKind, choice: BudgetChoice): Promise<void> {
    await this.whenOpen(id);
    return this.entry(id).budget.resolve(kind, choice);
  }

  /** The feature's review threads (waits for a feature still opening). */
  async review(id: string): Promise<ReviewThreads> {
    await this.whenOpen(id);
    return this.entry(id).review;
  }

  /** The threads as they stand (none while the feature is still opening). */
  threads(id: string): ReviewThread[] {
    return this.entries.get(id)?.review.list() ?? [];
  }

  /** Health from the log, the live watcher, and disk measured now (at most every few seconds). */
  async health(id: string, o: { measureDisk?: boolean } = {}): Promise<FeatureHealthFigures & { watch: { alive: boolean; backend?: string }; disk?: Entry['disk'] }> {
    await this.whenOpen(id);
    const e = this.entry(id);
    if (o.measureDisk) {
      try {
        const [cp, wt] = await Promise.all([checkpointBytes(e.f.worktree, e.f.head().commit, e.f.baseCommit), folderBytes(e.f.worktree, ['.git'])]);
        e.disk = { checkpointBytes: cp, worktreeBytes: wt.bytes, at: new Date().toISOString() };
      } catch (err) {
        await e.f.log({ t: 'warning', message: `Health: could not measure disk use: ${errorMessage(err)}` }).catch(() => undefined);
      }
    }
    return { ...e.health.figures(), watch: e.f.watcher(), ...(e.disk ? { disk: { ...e.disk } } : {}) };
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  dispose(): void {
    for (const id of [...this.entries.keys()]) this.close(id);
    this.permissions.dispose();
    this.changed.dispose();
  }
}
