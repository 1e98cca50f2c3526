/**
 * Budgets per feature: the limits (plan `budget:` over the `aop.budgets` defaults), the usage so
 * far folded from the event log (tokens and cost over every session, running time without the
 * paused stretches), and the ledger of what the person decided when one was reached: extended
 * to a new limit, or the agent stopped (with the work accepted as it is, or left for review).
 * Pure; budgetWatch.ts acts on it.
 */
import type { AopEvent } from '../events/schema';
import type { PlanBudget } from '../plan';
import { BUDGET_KINDS, type BudgetKind } from '../../shared/vocabulary';

/** Limits in the ledger's units (tokens, US dollars, seconds, files, bytes); a kind left out has no budget. */
export type BudgetLimits = Partial<Record<BudgetKind, number>>;
export type BudgetUsage = Partial<Record<BudgetKind, number>>;

const MB = 1024 * 1024;

/** The limits in force: each plan key over its default; 0 (in either) means no budget of that kind. */
export function budgetLimits(plan: PlanBudget | undefined, defaults: PlanBudget = {}): BudgetLimits {
  const pick = <K extends keyof PlanBudget>(k: K): number | undefined => {
    const v = plan?.[k] ?? defaults[k];
    return v === undefined || v <= 0 ? undefined : v;
  };
  const out: BudgetLimits = {};
  const tokens = pick('tokens');
  const cost = pick('costUsd');
  const minutes = pick('wallTimeMinutes');
  const files = pick('filesChanged');
  const mb = pick('checkpointMB');
  if (tokens !== undefined) out.tokens = tokens;
  if (cost !== undefined) out.costUsd = cost;
  if (minutes !== undefined) out.wallTimeSec = minutes * 60;
  if (files !== undefined) out.filesChanged = files;
  if (mb !== undefined) out.checkpointBytes = Math.round(mb * MB);
  return out;
}

/**
 * Tokens, cost and running time over every session of a feature, from its log. Each session
 * reports its own running totals (agent.usage); a new session starts from zero, so the totals of
 * the sessions before it are carried.
 */
export class UsageFold {
  private carried = { tokens: 0, costUsd: 0 };
  private session = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  private runSec = 0;
  private runningSince: number | undefined;

  apply(e: AopEvent): void {
    if (e.t === 'agent.usage') {
      if (e.inputTokens !== undefined) this.session.inputTokens = e.inputTokens;
      if (e.outputTokens !== undefined) this.session.outputTokens = e.outputTokens;
      if (e.costUsd !== undefined) this.session.costUsd = e.costUsd;
    } else if (e.t === 'agent.state') {
      const at = Date.parse(e.ts);
      if (e.from === 'none') {
        this.carried.tokens += this.session.inputTokens + this.session.outputTokens;
        this.carried.costUsd += this.session.costUsd;
        this.session = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
      }
      if (this.runningSince !== undefined && e.to !== 'running') {
        this.runSec += Math.max(0, (at - this.runningSince) / 1000);
        this.runningSince = undefined;
      }
      if (e.to === 'running' && this.runningSince === undefined) this.runningSince = at;
    }
  }

  /** True while the agent runs (its running time grows). */
  get running(): boolean {
    return this.runningSince !== undefined;
  }

  usage(now = Date.now()): Required<Pick<BudgetUsage, 'tokens' | 'costUsd' | 'wallTimeSec'>> {
    const live = this.runningSince !== undefined ? Math.max(0, (now - this.runningSince) / 1000) : 0;
    return {
      tokens: this.carried.tokens + this.session.inputTokens + this.session.outputTokens,
      costUsd: Math.round((this.carried.costUsd + this.session.costUsd) * 1e6) / 1e6,
      wallTimeSec: this.runSec + live,
    };
  }
}

/** What the person decided about each budget, from the log's `budget` events. */
export class BudgetLedger {
  private readonly extended = new Map<BudgetKind, number>();
  private readonly open = new Map<BudgetKind, { used: number; limit: number }>();

  apply(e: AopEvent): void {
    if (e.t !== 'budget') return;
    if (e.state === 'reached') this.open.set(e.kind, { used: e.used, limit: e.limit });
    else this.open.delete(e.kind);
    if (e.state === 'extended') this.extended.set(e.kind, Math.max(this.extended.get(e.kind) ?? 0, e.limit));
  }

  /** The plan's limits raised by the person's extensions. */
  effective(base: BudgetLimits): BudgetLimits {
    const out: BudgetLimits = {};
    for (const k of BUDGET_KINDS) {
      const b = base[k];
      if (b !== undefined) out[k] = Math.max(b, this.extended.get(k) ?? 0);
    }
    return out;
  }

  /** Kinds whose usage reached the limit and that nobody has been asked about yet. */
  newlyReached(usage: BudgetUsage, base: BudgetLimits): BudgetKind[] {
    const limits = this.effective(base);
    return BUDGET_KINDS.filter((k) => {
      const limit = limits[k];
      const used = usage[k];
      return limit !== undefined && used !== undefined && used >= limit && !this.open.has(k);
    });
  }

  /** Marks a kind as asked at once (its `budget` event is appended a moment later). */
  markOpen(kind: BudgetKind, used: number, limit: number): void {
    this.open.set(kind, { used, limit });
  }

  isOpen(kind: BudgetKind): boolean {
    return this.open.has(kind);
  }

  openKinds(): BudgetKind[] {
    return [...this.open.keys()];
  }

  openAsk(kind: BudgetKind): { used: number; limit: number } | undefined {
    return this.open.get(kind);
  }
}

/** How much "extend" adds when the person does not say: the budget again (at least one unit). */
export function defaultExtension(kind: BudgetKind, limit: number): number {
  return kind === 'costUsd' ? Math.max(0.01, limit) : Math.max(1, Math.round(limit));
}
