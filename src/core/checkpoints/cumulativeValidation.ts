/**
 * The feature's validation against its base, kept up to date one checkpoint at a time: each
 * changed file's verdict is held with the running totals (bytes, files, links), so a checkpoint
 * re-judges only the paths it changed. A feature that has touched 2,400 files does not pay for
 * all of them on every 20-file checkpoint; a new plan (or the first call) judges everything once.
 */
import type { FileChange, Violation } from '../model/types';
import type { BlobContent, FileVerdict, LinkChange, Validator } from '../validation';
import { byPath } from './snapshotTree';

/** The part of the Validator this needs. */
export type IncrementalValidator = Pick<Validator, 'plan' | 'verdicts' | 'symlinkEscapes' | 'featureRules'>;

export interface CumulativeResult {
  violations: Violation[];
  /** Files judged this time (cache hits included). */
  checked: number;
  cacheHits: number;
}

interface Judged {
  change: FileChange;
  verdict: FileVerdict;
}

export class CumulativeValidation {
  /** By the caller's key (a path, or a distinct key for an ignored file at a path). */
  private readonly judged = new Map<string, Judged>();
  private totalBytes = 0;
  /** Keys of symlinks, and of entries whose own verdict has violations. */
  private readonly links = new Set<string>();
  private readonly flagged = new Set<string>();
  private planHash: string | undefined;

  constructor(private readonly validator: IncrementalValidator) {}

  /**
   * Brings the verdicts in line with `all` (every change against the base, tracked and ignored)
   * for the keys in `dirty`; everything when the plan changed since the last call.
   */
  async update(all: ReadonlyMap<string, FileChange>, dirty: Iterable<string>, content?: BlobContent): Promise<CumulativeResult> {
    const planHash = this.validator.plan.planHash;
    let keys: Iterable<string> = dirty;
    if (planHash !== this.planHash) {
      this.judged.clear();
      this.links.clear();
      this.flagged.clear();
      this.totalBytes = 0;
      this.planHash = planHash;
      keys = all.keys();
    }
    const batchKeys: string[] = [];
    const batch: FileChange[] = [];
    for (const k of new Set(keys)) {
      const old = this.judged.get(k);
      if (old) {
        this.judged.delete(k);
        this.totalBytes -= old.verdict.size;
        this.links.delete(k);
        this.flagged.delete(k);
      }
      const change = all.get(k);
      if (change) {
        batchKeys.push(k);
        batch.push(change);
      }
    }
    const { verdicts, cacheHits } = await this.validator.verdicts(batch, content);
    batch.forEach((change, i) => {
      const k = batchKeys[i]!;
      const verdict = verdicts[i]!;
      this.judged.set(k, { change, verdict });
      this.totalBytes += verdict.size;
      if (change.status !== 'D' && verdict.linkTarget !== undefined) this.links.add(k);
      if (verdict.violations.length > 0) this.flagged.add(k);
    });
    return { violations: await this.violations(), checked: batch.length, cacheHits };
  }

  /** Every violation: per file (tracked paths in git's order, then ignored ones), link escapes, then feature-wide rules. */
  private async violations(): Promise<Violation[]> {
    const known = new Map<string, string | undefined>();
    const links: LinkChange[] = [];
    if (this.links.size > 0) {
      for (const j of this.judged.values()) known.set(j.change.path, j.change.status === 'D' ? undefined : j.verdict.linkTarget);
      for (const k of this.links) links.push({ path: this.judged.get(k)!.change.path, target: this.judged.get(k)!.verdict.linkTarget! });
    }
    const escapes = await this.validator.symlinkEscapes(links, known);
    const shown = new Set(this.flagged);
    for (const k of this.links) if (escapes.has(this.judged.get(k)!.change.path)) shown.add(k);
    const flagged = [...shown].map((k) => this.judged.get(k)!);
    flagged.sort((a, b) => Number(a.change.ignored === true) - Number(b.change.ignored === true) || byPath(a.change.path, b.change.path));
    const out: Violation[] = [];
    for (const j of flagged) {
      out.push(...j.verdict.violations);
      const e = j.verdict.linkTarget !== undefined ? escapes.get(j.change.path) : undefined;
      if (e) out.push(e);
    }
    out.push(...this.validator.featureRules(this.judged.size, this.totalBytes));
    return out;
  }
}
