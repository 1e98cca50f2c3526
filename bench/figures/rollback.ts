/**
 * Figure 4: rollback, on a feature running as the orchestrator runs it (FeatureRuntime with a
 * live native watcher). The writer changes 1,000 files (checkpoint A), then changes them again
 * (checkpoint B); we time RollbackService.toCheckpoint(A), which restores the 1,000 files, and
 * then undo(), which puts B's content back. Smart: the plan forbids 10 of the 1,000 files;
 * after a checkpoint with those 10 violations, smart() reverts only them. Each operation is the
 * whole user-visible call: the pre-rollback safety checkpoint, the writes, their verification,
 * and the checkpoint recording the result; the watcher's own checkpoint of the rollback's writes
 * follows untimed. "Without a watcher" is the same rollback when the safety checkpoint must scan
 * the whole worktree.
 */
import * as fs from 'node:fs';
import { RollbackService } from '../../src/core/rollback/rollbackService';
import { benchFeaturePaths, openRuntime } from '../lib/runtime';
import type { BenchRepo, Worktree } from '../lib/repos';
import { summarize, timed, type Summary } from '../lib/stats';
import { AgentWriter } from '../lib/writer';

export interface RollbackFigure {
  repo: string;
  label: string;
  files: number;
  restored: number;
  toCheckpoint: Summary;
  /** The same rollback when no live watcher vouches for the head: full-scan safety checkpoint. */
  toCheckpointFullScan: Summary;
  undo: Summary;
  smartViolating: number;
  smart: Summary;
}

export async function rollbackFigure(repo: BenchRepo, wt: Worktree, runs: number, note: (s: string) => void): Promise<RollbackFigure> {
  const writer = new AgentWriter(wt.dir, repo.spreadFiles, repo.seed ^ 0xb0b);
  const thousand = writer.pick(1000);
  const forbidden = thousand.slice(0, 10);
  // The same feature id as figure 1 when run after it: its stat cache is warm, as in a live session.
  const id = `bench-${repo.kind}`;
  const paths = benchFeaturePaths(wt.scratch, id);
  fs.writeFileSync(paths.plan, `version: 1\nforbidden:\n${forbidden.map((f) => `  - ${JSON.stringify(f)}\n`).join('')}limits:\n  maxChangedFiles: 1000000\n`);
  const rt = await openRuntime({ worktree: wt.dir, scratch: wt.scratch, baseCommit: repo.commit, id, settings: { reconcileIntervalMs: 0 } });
  const unwatched = new RollbackService({ worktree: wt.dir, checkpoints: rt.checkpoints, log: rt.log, journalFile: paths.rollbackJournal });
  const toCp: number[] = [];
  const toCpScan: number[] = [];
  const undo: number[] = [];
  const smart: number[] = [];
  let restored = 0;
  let smartViolating = 0;
  const settle = async (): Promise<void> => {
    // Let the watcher's events for what was just written arrive, then checkpoint them. On a loaded
    // machine some arrive later than any fixed wait: a reconciliation records them all, so each
    // rollback starts from the same known state (a write the watcher has not reported yet would be
    // left in place by the rollback, rightly, and the two rollbacks would not compare).
    await new Promise((r) => setTimeout(r, 300));
    await rt.flush();
    await rt.reconcile('bench: settle');
    await rt.flush();
  };
  try {
    await rt.startWatching();
    for (let r = 0; r < runs; r++) {
      writer.change(1000);
      await settle();
      const a = rt.checkpoints.head.seq;
      writer.change(1000);
      await settle();
      let res: Awaited<ReturnType<RollbackService['toCheckpoint']>> | undefined;
      toCp.push(await timed(async () => (res = await rt.rollback.toCheckpoint(a))));
      restored = res!.paths.length;
      await settle();
      undo.push(await timed(() => rt.rollback.undo()));
      await settle();

      // Smart: 10 forbidden files among the 1,000 just changed.
      writer.change(1000);
      await settle();
      smartViolating = new Set(rt.checkpoints.violations.filter((v) => v.path !== '').map((v) => v.path)).size;
      let sres: Awaited<ReturnType<RollbackService['smart']>> | undefined;
      smart.push(await timed(async () => (sres = await rt.rollback.smart())));
      if (sres!.paths.length !== smartViolating) throw new Error(`smart rollback restored ${sres!.paths.length} files, expected ${smartViolating}`);
      await settle();

      // The same 1,000-file rollback, its safety checkpoint scanning the whole worktree.
      const before = rt.checkpoints.head.seq;
      writer.change(1000);
      await settle();
      let scanned: Awaited<ReturnType<RollbackService['toCheckpoint']>> | undefined;
      toCpScan.push(await timed(async () => (scanned = await unwatched.toCheckpoint(before))));
      if (scanned!.paths.length !== restored) throw new Error(`full-scan rollback restored ${scanned!.paths.length} files, expected ${restored}`);
      await settle();
      note(
        `  ${repo.label} rollback run ${r + 1}: ${restored} files ${Math.round(toCp[r]!)} ms (full scan ${Math.round(toCpScan[r]!)} ms), ` +
          `undo ${Math.round(undo[r]!)} ms, smart (${smartViolating} of 1000) ${Math.round(smart[r]!)} ms`,
      );
    }
    return {
      repo: repo.kind,
      label: repo.label,
      files: repo.files.length,
      restored,
      toCheckpoint: summarize(toCp),
      toCheckpointFullScan: summarize(toCpScan),
      undo: summarize(undo),
      smartViolating,
      smart: summarize(smart),
    };
  } finally {
    await rt.dispose();
    fs.rmSync(paths.plan, { force: true });
  }
}
