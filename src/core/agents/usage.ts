/**
 * Token and cost totals for one session, from whatever the agent reports (ACP usage updates and
 * prompt responses, Claude's stream-json results, the scripted agent's USAGE lines), with an
 * optional budget: crossing it is reported once, and the session pauses the agent.
 */
import type { EventInput } from '../events/schema';
import type { UsageTotals } from './types';

export interface Budget {
  maxCostUsd?: number;
  maxTokens?: number;
}

/** A report: `delta` adds to the totals, `cumulative` replaces a figure the agent already sums. */
export interface UsageReport {
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  /** True when the figures are session totals (ACP usage_update cost), false for per-turn deltas. */
  cumulative?: boolean;
  /** Tokens in the model's context now, and its size (ACP usage_update): a level, not a sum. */
  context?: { used: number; size: number };
}

export class UsageTracker {
  private totals: UsageTotals = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  private exceeded = false;

  constructor(
    private readonly log: (e: EventInput) => void,
    private readonly budget: Budget | undefined,
    private readonly onBudgetReached: (why: string) => void,
  ) {}

  get current(): UsageTotals {
    return { ...this.totals };
  }

  get budgetReached(): boolean {
    return this.exceeded;
  }

  report(r: UsageReport): void {
    const t = this.totals;
    if (r.context) {
      t.contextTokens = r.context.used;
      t.contextWindow = r.context.size;
    }
    if (r.inputTokens === undefined && r.outputTokens === undefined && r.costUsd === undefined) return;
    if (r.cumulative) {
      if (r.inputTokens !== undefined) t.inputTokens = Math.max(t.inputTokens, r.inputTokens);
      if (r.outputTokens !== undefined) t.outputTokens = Math.max(t.outputTokens, r.outputTokens);
      if (r.costUsd !== undefined) t.costUsd = Math.max(t.costUsd, r.costUsd);
    } else {
      t.inputTokens += r.inputTokens ?? 0;
      t.outputTokens += r.outputTokens ?? 0;
      t.costUsd += r.costUsd ?? 0;
    }
    this.log({
      t: 'agent.usage',
      ...(r.inputTokens !== undefined ? { inputTokens: t.inputTokens } : {}),
      ...(r.outputTokens !== undefined ? { outputTokens: t.outputTokens } : {}),
      ...(r.costUsd !== undefined ? { costUsd: round(t.costUsd) } : {}),
    });
    this.check();
  }

  private check(): void {
    if (this.exceeded || !this.budget) return;
    const t = this.totals;
    const tokens = t.inputTokens + t.outputTokens;
    let why: string | undefined;
    if (this.budget.maxCostUsd !== undefined && t.costUsd >= this.budget.maxCostUsd) {
      why = `cost $${round(t.costUsd)} reached the budget of $${this.budget.maxCostUsd}`;
    } else if (this.budget.maxTokens !== undefined && tokens >= this.budget.maxTokens) {
      why = `${tokens} tokens reached the budget of ${this.budget.maxTokens}`;
    }
    if (why) {
      this.exceeded = true;
      this.log({ t: 'agent.update', kind: 'budget', data: { ...t, budget: this.budget, reason: why } });
      this.log({ t: 'warning', message: `Agent budget reached: ${why}. The agent was paused; raise the budget or resume it to continue.` });
      this.onBudgetReached(why);
    }
  }
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
