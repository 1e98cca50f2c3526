/**
 * Every violation standing on one feature, from every producer, in one place:
 *  - `checkpoint`: the last validation of the whole feature (replaced each time);
 *  - `crossFeature`: exclusive areas claimed by another feature (replaced on each recompute);
 *  - `observed`: what watchers saw happen in the worktree's own `.git` file, kept until a
 *    rollback or a breaker reset clears them;
 *  - `standing`: what a rollback cannot answer, kept per producer until its producer says it
 *    is resolved: a git-folder change (restored or acknowledged), a file left in the main
 *    checkout (gone, moved out or acknowledged), a plan or spec changed behind the user's back
 *    (confirmed or reverted).
 * Producers hand over kind, path and message; the ledger makes the violation with the severity
 * the plan gives that kind (`createViolation`), so no producer hard-codes one. Adding a kind is
 * one entry in VIOLATION_KINDS and DEFAULT_SEVERITY; a new watcher calls FeatureRuntime.report.
 */
import type { Violation, ViolationKind } from '../model/types';
import type { Plan } from '../plan';
import { Emitter } from '../util/emitter';
import { createViolation } from '../validation/severity';

export type ViolationSource = 'checkpoint' | 'crossFeature' | 'observed';

/** The producers of standing violations. */
export type StandingProducer = 'gitDir' | 'mainCheckout' | 'aopFiles';

export interface ViolationsChanged {
  featureId: string;
  /** Everything standing now. */
  violations: readonly Violation[];
  /** The critical violations this update reported (they pause the agent). */
  raised: readonly Violation[];
}

export interface Observation {
  kind: ViolationKind;
  path: string;
  message: string;
}

/** Observed violations kept per feature (the newest win). */
const OBSERVED_CAP = 50;

export class ViolationLedger {
  private readonly bySource: Record<ViolationSource, readonly Violation[]> = { checkpoint: [], crossFeature: [], observed: [] };
  private readonly standingBy = new Map<StandingProducer, readonly Violation[]>();
  private readonly changed = new Emitter<ViolationsChanged>();
  readonly onDidChange = this.changed.event;

  constructor(
    readonly featureId: string,
    private readonly plan: () => Pick<Plan, 'severity' | 'policy'>,
  ) {}

  get all(): Violation[] {
    return [...this.bySource.checkpoint, ...this.bySource.crossFeature, ...this.bySource.observed, ...this.standing];
  }

  /** What no rollback clears (see the file comment). */
  get standing(): Violation[] {
    return [...this.standingBy.values()].flat();
  }

  /**
   * Replaces what one producer holds standing. Critical violations it did not hold before are
   * raised (they pause the agent); ones it still holds are not raised again.
   */
  setStanding(producer: StandingProducer, violations: readonly Violation[]): void {
    const before = this.standingBy.get(producer) ?? [];
    if (violations.length === 0) this.standingBy.delete(producer);
    else this.standingBy.set(producer, violations);
    const held = new Set(before.map(standingKey));
    const raised = violations.filter((v) => v.severity === 'critical' && !held.has(standingKey(v)));
    if (raised.length > 0 || !sameViolations(before, violations)) this.fire(raised);
  }

  /** What watchers saw (no checkpoint records it). */
  get observed(): readonly Violation[] {
    return this.bySource.observed;
  }

  /**
   * Replaces what a source found. `raise`: this update is a fresh verdict whose critical
   * violations pause the agent even when they stood before (each checkpoint is one).
   */
  replace(source: 'checkpoint' | 'crossFeature', violations: readonly Violation[], opts: { raise?: boolean } = {}): void {
    const before = this.bySource[source];
    this.bySource[source] = violations;
    const raised = opts.raise ? violations.filter((v) => v.severity === 'critical') : [];
    if (raised.length > 0 || !sameViolations(before, violations)) this.fire(raised);
  }

  /**
   * Critical violations the cheap rules found in a watch batch ahead of its checkpoint: they
   * pause the agent now and stand with the checkpoint's until its verdict replaces them.
   */
  preview(found: readonly Violation[]): void {
    const key = (v: Violation) => `${v.kind}\0${v.path}`;
    const standing = new Set(this.bySource.checkpoint.map(key));
    const fresh = found.filter((v) => !standing.has(key(v)));
    if (fresh.length > 0) this.bySource.checkpoint = [...this.bySource.checkpoint, ...fresh];
    this.fire(found.filter((v) => v.severity === 'critical'));
  }

  /** Violations for what a watcher saw, with the severities of the current plan (not yet recorded). */
  create(observations: readonly Observation[]): Violation[] {
    const plan = this.plan();
    return observations.map((o) => createViolation(plan, o.kind, o.path, o.message));
  }

  /** Records observed violations; they stand until `clearObserved`. */
  add(observed: readonly Violation[]): void {
    if (observed.length === 0) return;
    this.bySource.observed = [...this.bySource.observed, ...observed].slice(-OBSERVED_CAP);
    this.fire(observed.filter((v) => v.severity === 'critical'));
  }

  /** A rollback or a breaker reset answers what the watchers saw. */
  clearObserved(): void {
    if (this.bySource.observed.length === 0) return;
    this.bySource.observed = [];
    this.fire([]);
  }

  dispose(): void {
    this.changed.dispose();
  }

  private fire(raised: readonly Violation[]): void {
    this.changed.fire({ featureId: this.featureId, violations: this.all, raised });
  }
}

function standingKey(v: Violation): string {
  return `${v.kind}\0${v.path}`;
}

function sameViolations(a: readonly Violation[], b: readonly Violation[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((v, i) => {
    const w = b[i];
    return v.kind === w.kind && v.severity === w.severity && v.path === w.path && v.message === w.message && v.line === w.line;
  });
}
