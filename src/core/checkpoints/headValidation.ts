/**
 * The feature's verdict as its checkpoints see it: the head validated against the base (only
 * what a checkpoint changed is judged again, ./cumulativeValidation.ts), another checkpoint
 * validated whole, and each outcome recorded (the standing list, listeners, the event log).
 * Apart from the CheckpointService, which decides when to validate, not how an outcome is kept.
 */
import type { EventLog } from '../events/eventLog';
import type { FileChange, Violation } from '../model/types';
import { Emitter } from '../util/emitter';
import type { BlobContent } from '../validation';
import { CumulativeValidation, type IncrementalValidator } from './cumulativeValidation';
import type { VerdictKeeper } from './restartState';
import { elapsedMs } from './stageClock';

/** What the service needs of the feature's Validator: whole-set validation and per-file verdicts. */
export interface CheckpointValidator extends IncrementalValidator, VerdictKeeper {
  validate(changes: FileChange[]): Promise<{ violations: Violation[]; checked: number; cacheHits: number }>;
}

export type ValidationOutcome = Awaited<ReturnType<CheckpointValidator['validate']>> & { durationMs: number };

export class HeadValidation {
  private cumulative: CumulativeValidation;
  private last: Violation[] = [];
  private readonly validated = new Emitter<readonly Violation[]>();
  /** Fires after each validation of the whole feature, with or without a new checkpoint. */
  readonly onValidated = this.validated.event;

  constructor(
    private readonly validator: CheckpointValidator,
    private readonly log: EventLog,
  ) {
    this.cumulative = new CumulativeValidation(validator);
  }

  /** The violations of the last recorded outcome. */
  get violations(): readonly Violation[] {
    return this.last;
  }

  /** Judges everything again at the next validation (a failed checkpoint may have left verdicts half-updated). */
  reset(): void {
    this.cumulative = new CumulativeValidation(this.validator);
  }

  /** Validates the head's changes (timed from the moment they are asked for), re-judging only `dirty` keys (all when undefined). */
  async head(changes: () => Promise<ReadonlyMap<string, FileChange>>, dirty: readonly string[] | undefined, content: BlobContent): Promise<ValidationOutcome> {
    const started = performance.now();
    const map = await changes();
    const r = await this.cumulative.update(map, dirty ?? map.keys(), content);
    return { ...r, durationMs: elapsedMs(started) };
  }

  /** Validates a checkpoint other than the head, whole. */
  async whole(changes: () => Promise<FileChange[]>): Promise<ValidationOutcome> {
    const started = performance.now();
    const r = await this.validator.validate(await changes());
    return { ...r, durationMs: elapsedMs(started) };
  }

  /** Records the outcome of validating checkpoint `seq`. */
  async record(seq: number, r: ValidationOutcome): Promise<Violation[]> {
    this.last = r.violations;
    this.validated.fire(r.violations);
    await this.log.append({ t: 'validation', seq, durationMs: r.durationMs, checked: r.checked, cacheHits: r.cacheHits, violations: r.violations.length });
    return r.violations;
  }

  dispose(): void {
    this.validated.dispose();
  }
}
