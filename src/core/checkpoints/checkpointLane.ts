/**
 * One feature's checkpoints run one at a time. Requests made while one runs merge into the next
 * (their paths joined, full and force if any asked, the most telling trigger), so a burst of
 * watch batches costs one more checkpoint, not one each.
 */
import type { CheckpointRecord, CheckpointTrigger } from '../model/types';
import { AopError, errorMessage } from '../util/errors';
import { SerialQueue } from '../util/async';

export interface CheckpointRequest {
  paths?: Iterable<string>;
  /** Compare the whole worktree (reconciliation). */
  full?: boolean;
  trigger: CheckpointTrigger;
  /** Record a checkpoint even when nothing changed (pre-rollback safety points). */
  force?: boolean;
}

/** Requests merged into one checkpoint. */
export interface MergedRequest {
  paths: Set<string>;
  full: boolean;
  force: boolean;
  trigger: CheckpointTrigger;
}

interface Pending extends MergedRequest {
  waiters: { resolve(r: CheckpointRecord | undefined): void; reject(e: unknown): void }[];
}

export class CheckpointLane {
  private readonly queue = new SerialQueue();
  private pending: Pending | undefined;

  constructor(
    /** Takes the checkpoint (inside the lane). */
    private readonly take: (r: MergedRequest) => Promise<CheckpointRecord | undefined>,
    /** After a failed checkpoint, before its waiters hear of it: start the next one clean. */
    private readonly failed: (err: AopError) => Promise<void>,
  ) {}

  /** Resolves with the record, or undefined when nothing changed. */
  request(req: CheckpointRequest): Promise<CheckpointRecord | undefined> {
    if (!this.pending) {
      this.pending = { paths: new Set(), full: false, force: false, trigger: req.trigger, waiters: [] };
      const p = this.pending;
      void this.queue.run(() => this.runPending(p));
    }
    const p = this.pending;
    for (const x of req.paths ?? []) p.paths.add(x);
    p.full ||= req.full === true;
    p.force ||= req.force === true;
    // The most telling trigger wins when requests merge.
    if (rank(req.trigger) > rank(p.trigger)) p.trigger = req.trigger;
    return new Promise((resolve, reject) => p.waiters.push({ resolve, reject }));
  }

  /** Runs `task` in the lane: no checkpoint runs at the same time. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(task);
  }

  private async runPending(p: Pending): Promise<void> {
    if (this.pending === p) this.pending = undefined;
    try {
      const rec = await this.take(p);
      for (const w of p.waiters) w.resolve(rec);
    } catch (e) {
      const err = AopError.is(e) ? e : new AopError('GIT_FAILED', `Checkpoint failed: ${errorMessage(e)}`, { cause: e });
      await this.failed(err);
      for (const w of p.waiters) w.reject(err);
    }
  }
}

function rank(t: CheckpointTrigger): number {
  return ['watch', 'reconcile', 'turn-end', 'manual', 'rollback', 'pre-rollback', 'final', 'initial', 'setup'].indexOf(t);
}
