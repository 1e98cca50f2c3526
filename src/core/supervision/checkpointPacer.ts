/**
 * Degradation that recovers: when edit checkpoints run over their time budget
 * (`aop.checkpoints.budgetMs`), the watchdog batches more coarsely (longer quiet and maximum
 * waits, so each checkpoint takes more paths at once and fewer run); when they are fast again
 * it steps back, one level at a time. Only edit checkpoints count: a full rescan is slow by
 * nature and says nothing about the pace of the agent's writes. Pure: the runtime applies the
 * pace to its watchdog and logs each change.
 */
import type { CheckpointTrigger } from '../../shared/vocabulary';

export interface PaceOptions {
  budgetMs: number;
  quietMs: number;
  maxWaitMs: number;
  /** The coarsest factor (default 8). */
  maxFactor?: number;
  /** Checkpoints under half the budget, in a row, before stepping back (default 3). */
  recoverAfter?: number;
}

export interface Pace {
  factor: number;
  quietMs: number;
  maxWaitMs: number;
  reason: string;
}

export class CheckpointPacer {
  private level = 0;
  private fastRun = 0;

  constructor(private opts: PaceOptions) {}

  get factor(): number {
    return 2 ** this.level;
  }

  /** The settings changed (budget or base timings): keeps the level, re-derives the pace. */
  update(opts: PaceOptions): Pace {
    this.opts = opts;
    return this.pace('settings changed');
  }

  private pace(reason: string): Pace {
    const f = this.factor;
    return { factor: f, quietMs: this.opts.quietMs * f, maxWaitMs: this.opts.maxWaitMs * f, reason };
  }

  /** Takes one checkpoint's time; returns the new pace when it changes. */
  observe(trigger: CheckpointTrigger, durationMs: number): Pace | undefined {
    if (trigger !== 'watch') return undefined;
    const { budgetMs } = this.opts;
    const maxLevel = Math.log2(this.opts.maxFactor ?? 8);
    if (durationMs > budgetMs) {
      this.fastRun = 0;
      if (this.level >= maxLevel) return undefined;
      this.level++;
      return this.pace(`a checkpoint took ${Math.round(durationMs)} ms, over the ${budgetMs} ms budget`);
    }
    if (this.level === 0) return undefined;
    if (durationMs <= budgetMs / 2) this.fastRun++;
    else this.fastRun = 0;
    if (this.fastRun < (this.opts.recoverAfter ?? 3)) return undefined;
    this.fastRun = 0;
    this.level--;
    return this.pace(`checkpoints are back under half the ${budgetMs} ms budget`);
  }
}
