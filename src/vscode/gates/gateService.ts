/**
 * Gates for the VS Code surfaces, across the open repositories: each call names a feature by
 * `{ repoRoot, featureId }` and goes to that repository's core FeatureGates (results cache,
 * runs, running set). Only translation here: FeatureRef in, repository + id out, and the
 * repositories' change events merged into one FeatureRef event.
 */
import type { FeatureGates, GateEvent, GateRun, GateRunner, GateSnapshot, GateStatus } from '../../core/gates';
import type { Orchestrator } from '../../core/orchestrator';
import { Emitter, type Disposable } from '../../core/util';
import type { FeatureRef } from '../workspace/registry';

export type { GateSnapshot } from '../../core/gates';

/** The part of the Registry this needs. */
export interface GateRegistry {
  resolve(ref: FeatureRef): Orchestrator;
  repositories(): Orchestrator[];
  onDidChangeRepositories(listener: () => void): Disposable;
}

export class GateService implements Disposable {
  private readonly changed = new Emitter<FeatureRef>();
  /** A feature's gate results or running set changed. */
  readonly onDidChange = this.changed.event;
  private readonly followed = new Map<FeatureGates, Disposable>();
  private readonly subs: Disposable[] = [];

  constructor(private readonly registry: GateRegistry) {
    this.follow();
    this.subs.push(registry.onDidChangeRepositories(() => this.follow()));
  }

  /** Every open repository's gate events, as FeatureRefs (a closed repository's are dropped). */
  private follow(): void {
    const open = new Set(this.registry.repositories().map((o) => o.gates));
    for (const [g, sub] of [...this.followed]) {
      if (open.has(g)) continue;
      sub.dispose();
      this.followed.delete(g);
    }
    for (const orch of this.registry.repositories()) {
      if (this.followed.has(orch.gates)) continue;
      this.followed.set(orch.gates, orch.gates.onDidChange((featureId) => this.changed.fire({ repoRoot: orch.repoRoot, featureId })));
    }
  }

  private of(ref: FeatureRef): FeatureGates {
    return this.registry.resolve(ref).gates;
  }

  runner(ref: FeatureRef): GateRunner {
    return this.of(ref).runner;
  }

  plannedGates(ref: FeatureRef): Promise<GateStatus[]> {
    return this.of(ref).planned(ref.featureId);
  }

  run(ref: FeatureRef, names: readonly string[], o: { signal?: AbortSignal } = {}): Promise<GateRun[]> {
    return this.of(ref).run(ref.featureId, names, o);
  }

  statuses(ref: FeatureRef): Promise<GateSnapshot> {
    return this.of(ref).statuses(ref.featureId);
  }

  peek(ref: FeatureRef): GateSnapshot | undefined {
    return this.of(ref).peek(ref.featureId);
  }

  lastRun(ref: FeatureRef, name: string, seq?: number): Promise<GateEvent | undefined> {
    return this.of(ref).lastRun(ref.featureId, name, seq);
  }

  dispose(): void {
    for (const s of [...this.subs, ...this.followed.values()]) s.dispose();
    this.followed.clear();
    this.changed.dispose();
  }
}
