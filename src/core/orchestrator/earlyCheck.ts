/**
 * The quick look at a batch before its checkpoint: only the rules that need no file content
 * (paths, links, executables, sizes: the validator's `precheck`, from lstat), so that a critical
 * finding pauses the agent before thousands of files are hashed. One per feature runtime; the
 * checkpoint's full validation has the last word.
 */
import type { CheckpointService } from '../checkpoints/checkpointService';
import { SnapshotTree } from '../checkpoints/snapshotTree';
import type { EventLog } from '../events/eventLog';
import { errorMessage } from '../util/errors';
import type { Validator } from '../validation';
import type { ViolationLedger } from './violationLedger';

export class EarlyCheck {
  /** The base's tree, for the modes files had before the feature (read lazily, never changes). */
  private baseTree: SnapshotTree | undefined;

  constructor(private readonly o: { checkpoints: CheckpointService; validator: Validator; log: EventLog; violations: ViolationLedger }) {}

  /**
   * The cheap rules first: a critical finding in a batch (a link out, a write into .git) pauses
   * the agent before the batch's files are hashed and read, which for a batch holding thousands
   * of files or a 60 MB one takes seconds. The checkpoint's full validation then has the last word.
   */
  async run(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    try {
      this.baseTree ??= new SnapshotTree(this.o.checkpoints.store, this.o.checkpoints.base.tree);
      const base = this.baseTree;
      const critical = (await this.o.validator.precheck(paths, async (p) => (await base.get(p))?.mode)).filter((v) => v.severity === 'critical');
      if (critical.length === 0) return;
      await this.o.log.append({ t: 'violation.critical', violations: critical });
      this.o.violations.preview(critical);
    } catch (e) {
      // Only an early warning: the checkpoint validates the same paths fully.
      await this.o.log.append({ t: 'warning', message: `Quick check of changed files failed (the checkpoint validates them): ${errorMessage(e)}` }).catch(() => undefined);
    }
  }
}
