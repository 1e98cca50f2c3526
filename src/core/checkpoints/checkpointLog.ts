/**
 * What the checkpoint service writes to the event log about its checkpoints: each record, a
 * failure, a checkpoint over its time budget. A record's fsync follows at once in the log's lane,
 * but its checkpoint does not wait for the disk (the ref, made before, is what a restart
 * trusts): the next checkpoint does, so a failing disk fails that one. Apart from the service so
 * this rule of durability is in one place.
 */
import type { EventLog } from '../events/eventLog';
import type { CheckpointRecord } from '../model/types';
import type { AopError } from '../util/errors';

export class CheckpointLog {
  /** The last record's fsync, awaited by the next checkpoint and by dispose. */
  private synced: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: EventLog,
    /** A checkpoint slower than this is reported as degraded. */
    private readonly budgetMs: number | undefined,
  ) {}

  /** Waits until the previous record is on disk; rejects when its fsync failed (once). */
  async previousSynced(): Promise<void> {
    const synced = this.synced;
    this.synced = Promise.resolve();
    await synced;
  }

  /** Appends the record; its fsync runs on without being waited for here. */
  async record(record: CheckpointRecord): Promise<void> {
    const { featureId: _f, ...logged } = record;
    await this.log.append({ t: 'checkpoint', ...logged });
    this.synced = this.log.sync();
    this.synced.catch(() => undefined);
  }

  /** Reports a checkpoint that took longer than the budget (the watchdog then batches coarser). */
  async overBudget(durationMs: number): Promise<void> {
    if (this.budgetMs !== undefined && durationMs > this.budgetMs) {
      await this.log.append({ t: 'checkpoint.degraded', reason: `took ${durationMs} ms, over the ${this.budgetMs} ms budget`, durationMs });
    }
  }

  /** Notes a failed checkpoint; a log that cannot take it is no second failure. */
  async failed(err: AopError): Promise<void> {
    await this.log.append({ t: 'checkpoint.failed', error: err.message, code: err.code }).catch(() => undefined);
  }

  /** Resolves once the last record's fsync is over, however it went. */
  settled(): Promise<void> {
    return this.synced.catch(() => undefined);
  }
}
