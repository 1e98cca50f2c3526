/**
 * Figure 6: the first reconciliation after a restart. After figure 1, its feature is opened as
 * the orchestrator opens one (FeatureRuntime with the native watcher) and started: that is
 * "restart, no watcher snapshot" (the stat cache comes from disk). It is then stopped as the
 * extension stops it, the writer changes 20 files while nothing watches, and the feature is
 * opened and started again: "restart", timed from open until the 20 files are checkpointed.
 * Compared with figure 1's warm reconciliation of the same worktree.
 */
import { openRuntime } from '../lib/runtime';
import type { BenchRepo, Worktree } from '../lib/repos';
import { round } from '../lib/stats';
import { AgentWriter } from '../lib/writer';

export interface RestartFigure {
  repo: string;
  label: string;
  files: number;
  /** Open + start when no watcher snapshot exists (first start after this change, or after a crash). */
  noSnapshotMs: number;
  /** Open + start + catch up with 20 files changed while stopped. */
  restartMs: number;
  /** Of that, opening the feature (its records, plan, object store): no file of the worktree is looked at. */
  openMs?: number;
  /** Of that, the first reconciliation: starting the watcher until what changed while stopped is checkpointed. */
  catchUpMs?: number;
  changedWhileStopped: number;
  /** Of those, how many the first checkpoint after the restart recorded. */
  recorded: number;
  /** How the restart caught up (from the event log's reconcile reason or the watcher event). */
  how: string;
}

export async function restartFigure(repo: BenchRepo, wt: Worktree, note: (s: string) => void): Promise<RestartFigure> {
  const id = `bench-${repo.kind}`;
  const open = () => openRuntime({ worktree: wt.dir, scratch: wt.scratch, baseCommit: repo.commit, id, settings: { reconcileIntervalMs: 0 } });
  let t = performance.now();
  const a = await open();
  try {
    await a.startWatching();
    await a.flush();
  } finally {
    await a.dispose();
  }
  const noSnapshotMs = performance.now() - t;
  note(`  ${repo.label}: start with no watcher snapshot ${Math.round(noSnapshotMs)} ms`);

  const writer = new AgentWriter(wt.dir, repo.spreadFiles, repo.seed ^ 0x7e57);
  const changed = writer.changeFresh(20);
  t = performance.now();
  const b = await open();
  const openMs = performance.now() - t;
  try {
    const seqBefore = b.checkpoints.head.seq;
    await b.startWatching();
    await b.flush();
    const restartMs = performance.now() - t;
    const catchUpMs = restartMs - openMs;
    const got = new Set(b.listCheckpoints().filter((r) => r.seq > seqBefore).flatMap((r) => r.files.map((f) => f.path)));
    const recorded = changed.filter((p) => got.has(p)).length;
    const { events } = await b.log.read();
    const last = events.filter((e) => e.t === 'reconcile' || (e.t === 'watcher' && 'catchUp' in e)).at(-1) as { reason?: string; catchUp?: string } | undefined;
    const how = last?.catchUp ?? last?.reason ?? '?';
    note(`  ${repo.label}: restart with 20 files changed while stopped ${Math.round(restartMs)} ms: open ${Math.round(openMs)} ms, catch-up ${Math.round(catchUpMs)} ms (${recorded} of 20 recorded; ${how})`);
    return { repo: repo.kind, label: repo.label, files: repo.files.length, noSnapshotMs: round(noSnapshotMs), restartMs: round(restartMs), openMs: round(openMs), catchUpMs: round(catchUpMs), changedWhileStopped: changed.length, recorded, how };
  } finally {
    await b.dispose();
  }
}
