/**
 * One feature's budgets at work: follows its log (usage, agent states, decisions), measures what
 * the log does not say (files changed, checkpoint disk) after checkpoints, and when a budget is
 * reached pauses the agent, takes a checkpoint and asks: an `budget reached` event that "Needs
 * you" shows with extend / accept as is / stop. Nothing is killed without the person's answer.
 */
import type { AopEvent, EventInput } from '../events/schema';
import { AopError, errorMessage } from '../util/errors';
import { BUDGET_LABEL, formatBudgetValue } from '../../shared/words';
import type { BudgetKind } from '../../shared/vocabulary';
import { BudgetLedger, defaultExtension, UsageFold, type BudgetLimits, type BudgetUsage } from './budgets';

export interface BudgetHost {
  /** The limits in force now (plan over settings). */
  limits(): BudgetLimits;
  log(e: EventInput): Promise<void>;
  /** Takes a checkpoint of the worktree now; its number (or the head's when nothing changed). */
  checkpoint(): Promise<number>;
  /** Pauses a running agent; false when there is none or it cannot be paused. */
  pause(reason: string): boolean;
  /** Resumes an agent this watch paused, when nothing else holds it; false otherwise. */
  resume(reason: string): boolean;
  stop(reason: string): Promise<void>;
  /** Files the feature changed against its base, and bytes its checkpoints hold. */
  measure(): Promise<{ filesChanged: number; checkpointBytes: number }>;
  now?(): number;
}

export type BudgetChoice = { choice: 'extend'; by?: number } | { choice: 'accept' } | { choice: 'stop' };

export interface BudgetStatus {
  kind: BudgetKind;
  used: number;
  limit: number;
  reached: boolean;
}

/** Disk and file counts are measured at most this often (each costs a git walk). */
export const MEASURE_INTERVAL_MS = 15_000;

export class BudgetWatch {
  private readonly usageFold = new UsageFold();
  private readonly ledger = new BudgetLedger();
  private measured: { filesChanged?: number; checkpointBytes?: number } = {};
  private measuring: Promise<void> | undefined;
  private lastMeasure = 0;
  private measureTimer: NodeJS.Timeout | undefined;
  private wallTimer: NodeJS.Timeout | undefined;
  private reaching: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly host: BudgetHost,
    history: readonly AopEvent[] = [],
  ) {
    for (const e of history) this.fold(e);
  }

  private now(): number {
    return this.host.now?.() ?? Date.now();
  }

  private fold(e: AopEvent): void {
    this.usageFold.apply(e);
    this.ledger.apply(e);
  }

  /** Feeds one appended log event; usage and agent moves are checked at once. */
  apply(e: AopEvent): void {
    this.fold(e);
    if (this.disposed) return;
    if (e.t === 'agent.usage' || e.t === 'agent.state') this.check();
    if (e.t === 'agent.state') this.armWallTimer();
    if (e.t === 'checkpoint' || e.t === 'retention') this.scheduleMeasure();
  }

  /** Usage so far (what is measured lazily may lag by MEASURE_INTERVAL_MS). */
  usage(): BudgetUsage {
    return { ...this.usageFold.usage(this.now()), ...this.measured };
  }

  /** Each budget in force with its usage, for the feature's summary. */
  status(): BudgetStatus[] {
    const limits = this.ledger.effective(this.host.limits());
    const usage = this.usage();
    return (Object.keys(limits) as BudgetKind[]).map((kind) => ({ kind, used: usage[kind] ?? 0, limit: limits[kind]!, reached: this.ledger.isOpen(kind) }));
  }

  /** Kinds reached and waiting for the person. */
  openAsks(): BudgetKind[] {
    return this.ledger.openKinds();
  }

  /** Measures files and disk now (also used by tests and the health view). */
  async measureNow(): Promise<void> {
    if (this.measuring) return this.measuring;
    this.measuring = (async () => {
      try {
        this.measured = await this.host.measure();
        this.lastMeasure = this.now();
      } catch (e) {
        await this.host.log({ t: 'warning', message: `Budget: could not measure files and checkpoint disk: ${errorMessage(e)}` }).catch(() => undefined);
      } finally {
        this.measuring = undefined;
      }
    })();
    await this.measuring;
    this.check();
  }

  private scheduleMeasure(): void {
    const limits = this.host.limits();
    if (limits.filesChanged === undefined && limits.checkpointBytes === undefined) return;
    if (this.measureTimer) return;
    const wait = Math.max(0, this.lastMeasure + MEASURE_INTERVAL_MS - this.now());
    this.measureTimer = setTimeout(() => {
      this.measureTimer = undefined;
      void this.measureNow();
    }, wait);
    this.measureTimer.unref?.();
  }

  /** While the agent runs, wakes up when its running time would reach the budget. */
  private armWallTimer(): void {
    if (this.wallTimer) clearTimeout(this.wallTimer);
    this.wallTimer = undefined;
    const limit = this.ledger.effective(this.host.limits()).wallTimeSec;
    if (limit === undefined || !this.usageFold.running || this.ledger.isOpen('wallTimeSec')) return;
    const left = limit - this.usageFold.usage(this.now()).wallTimeSec;
    // The fired timer is forgotten first: a check that finds the budget not yet reached (timers and
    // the wall clock drift apart by a few ms) then arms a new one instead of waiting forever.
    this.wallTimer = setTimeout(() => {
      this.wallTimer = undefined;
      this.check();
    }, Math.max(50, Math.ceil(left * 1000)));
    this.wallTimer.unref?.();
  }

  /** Asks about every budget newly reached (one ask per kind until the person answers). */
  check(): void {
    if (this.disposed) return;
    const base = this.host.limits();
    const usage = this.usage();
    const reached = this.ledger.newlyReached(usage, base);
    if (reached.length === 0) {
      if (this.usageFold.running && !this.wallTimer) this.armWallTimer();
      return;
    }
    const limits = this.ledger.effective(base);
    for (const k of reached) this.ledger.markOpen(k, usage[k]!, limits[k]!);
    this.reaching = this.reaching.then(() => this.reach(reached, usage, limits)).catch(() => undefined);
  }

  /** Pause first (nothing more is written), then the checkpoint that holds the work, then the ask. */
  private async reach(kinds: BudgetKind[], usage: BudgetUsage, limits: BudgetLimits): Promise<void> {
    const words = kinds.map((k) => `${BUDGET_LABEL[k].toLowerCase()} ${formatBudgetValue(k, usage[k]!)} of ${formatBudgetValue(k, limits[k]!)}`).join(', ');
    const paused = this.host.pause(`budget reached: ${words}`);
    let seq: number | undefined;
    try {
      seq = await this.host.checkpoint();
    } catch (e) {
      await this.host.log({ t: 'warning', message: `Budget reached, but the checkpoint failed: ${errorMessage(e)}` });
    }
    for (const k of kinds) await this.record({ t: 'budget', kind: k, state: 'reached', used: usage[k]!, limit: limits[k]!, ...(seq !== undefined ? { seq } : {}) });
    if (!paused) await this.host.log({ t: 'warning', message: `Budget reached (${words}), but the agent could not be paused (not running, or pausing is not supported here): it keeps running until you answer.` });
  }

  /** Logs a decision and applies it here at once (the log's echo of it changes nothing more). */
  private async record(e: Extract<EventInput, { t: 'budget' }>): Promise<void> {
    await this.host.log(e);
    this.ledger.apply({ ...e, ts: new Date(this.now()).toISOString(), feature: '' });
  }

  /** Waits for pending asks to be recorded (tests, shutdown). */
  settled(): Promise<void> {
    return this.reaching;
  }

  /**
   * The person's answer to a reached budget: extend (by `by`, default the budget again) and
   * resume; accept the work as it is (the agent stops; the caller goes on to Accept); or stop.
   */
  async resolve(kind: BudgetKind, answer: BudgetChoice): Promise<void> {
    await this.reaching;
    const ask = this.ledger.openAsk(kind);
    if (!ask) throw new AopError('NOT_FOUND', `No ${BUDGET_LABEL[kind].toLowerCase()} budget is waiting for an answer on this feature.`);
    const used = this.usage()[kind] ?? ask.used;
    if (answer.choice === 'extend') {
      const by = answer.by ?? defaultExtension(kind, ask.limit);
      if (!(by > 0) || !Number.isFinite(by)) throw new AopError('INVALID_INPUT', 'Extend the budget by a positive amount.');
      const limit = Math.max(ask.limit, used) + by;
      await this.record({ t: 'budget', kind, state: 'extended', used, limit });
      if (this.ledger.openKinds().length === 0) this.host.resume(`budget extended: ${BUDGET_LABEL[kind].toLowerCase()} now ${formatBudgetValue(kind, limit)}`);
      this.armWallTimer();
      this.check();
      return;
    }
    await this.record({ t: 'budget', kind, state: answer.choice === 'accept' ? 'accepted' : 'stopped', used, limit: ask.limit });
    await this.host.stop(answer.choice === 'accept' ? `budget reached: work accepted as it is` : `budget reached: stopped`);
  }

  dispose(): void {
    this.disposed = true;
    if (this.measureTimer) clearTimeout(this.measureTimer);
    if (this.wallTimer) clearTimeout(this.wallTimer);
  }
}
