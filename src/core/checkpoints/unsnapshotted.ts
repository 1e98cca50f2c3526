/**
 * Paths on disk that no checkpoint holds, and why (unreadable, too large, a nested repository, a
 * name that is not UTF-8...), as the snapshot applies reported them. Kept apart from the
 * CheckpointService: the summary, accept and rollback ask for it, the checkpoint only feeds it.
 */
import type { SnapshotUpdate } from './snapshotter';

export class UnsnapshottedPaths {
  private readonly reasons = new Map<string, string>();

  get size(): number {
    return this.reasons.size;
  }

  /** What an apply reported: a path seen again loses its old reason; a full scan lists afresh. */
  note(up: SnapshotUpdate, full: boolean): void {
    for (const g of up.ignoredGone) this.reasons.delete(g);
    for (const t of up.touched) this.reasons.delete(t);
    if (full) this.reasons.clear();
    for (const n of up.notSnapshotted) this.reasons.set(n.path, n.reason);
  }

  reason(rel: string): string | undefined {
    return this.reasons.get(rel);
  }

  list(): { path: string; reason: string }[] {
    return [...this.reasons].map(([p, reason]) => ({ path: p, reason }));
  }
}
