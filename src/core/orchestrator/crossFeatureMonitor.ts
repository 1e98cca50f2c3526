/**
 * Rules across the features of one repository: exclusive areas (violations, into each
 * feature's ledger) and files two features both change (collisions, kept here). Recomputed
 * shortly after checkpoints settle, once for a burst of them.
 */
import { exclusiveAreaViolations, fileCollisions, gatherChangeSets, type Collision, type CrossFeatureHost, type GatherOptions } from '../collisions';
import type { Violation } from '../model/types';
import type { FeatureLifecycle } from './featureLifecycle';

const SETTLE_MS = 200;

export class CrossFeatureMonitor {
  private collisions = new Map<string, Collision[]>();
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly features: FeatureLifecycle,
    /** A feature's collisions changed (its exclusive-area violations announce themselves through its ledger). */
    private readonly collisionsChanged: (featureId: string) => void,
  ) {}

  collisionsOf(id: string): Collision[] {
    return this.collisions.get(id) ?? [];
  }

  schedule(): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.update().catch(() => undefined);
    }, SETTLE_MS);
    this.timer.unref();
  }

  /** Recomputes now, from each feature's head checkpoint. */
  async update(): Promise<void> {
    if (this.disposed) return;
    const { violations, collisions } = await this.check();
    const moved = this.features.active().filter((rt) => JSON.stringify(this.collisionsOf(rt.id)) !== JSON.stringify(collisions.get(rt.id) ?? []));
    this.collisions = collisions;
    for (const rt of this.features.active()) rt.violations.replace('crossFeature', violations.get(rt.id) ?? []);
    for (const rt of moved) this.collisionsChanged(rt.id);
  }

  /** The results without keeping them; `fresh` checkpoints every worktree first (a full scan each). */
  async check(o: GatherOptions = {}): Promise<{ violations: Map<string, Violation[]>; collisions: Map<string, Collision[]> }> {
    const sets = await gatherChangeSets(this.features as CrossFeatureHost, o);
    return { violations: exclusiveAreaViolations(sets), collisions: fileCollisions(sets) };
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
