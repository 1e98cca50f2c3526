/** Which checkpoint to restore a file from so that its violations go away. */
import type { CheckpointRecord } from '../model/types';

/**
 * The newest checkpoint after which `relPath` had no violation standing, or 0 (the base) when
 * every checkpoint had one. Records are the feature's checkpoints in any order.
 */
export function lastCleanSeq(records: readonly Pick<CheckpointRecord, 'seq' | 'violations'>[], relPath: string): number {
  const sorted = [...records].sort((a, b) => b.seq - a.seq);
  for (const r of sorted) if (!r.violations.some((v) => v.path === relPath)) return r.seq;
  return 0;
}
