/**
 * Figure 4: rollback. A feature's writer changes 1,000 files (checkpoint A), then changes them
 * again (checkpoint B); we time RollbackService.toCheckpoint(A), which restores the 1,000 files,
 * and then undo(), which puts B's content back. Smart: the plan forbids 10 of the 1,000 files;
 * after a checkpoint with those 10 violations, smart() reverts only them. Each operation is the
 * whole user-visible call: the pre-rollback safety checkpoint, the writes, their verification,
 * and the checkpoint recording the result.
 * As in the product with a live watchdog (`watched`), the safety checkpoint re-reads only the
 * paths the rollback touches; "without a watcher" is the same rollback when the safety
 * checkpoint must scan the whole worktree.
 */
import * as path from 'node:path';
import { makePlan } from '../../src/core/plan';
import { RollbackService } from '../../src/core/rollback/rollbackService';
import { openFeature } from '../lib/feature';
import type { GeneratedRepo, Worktree } from '../lib/repos';
import { summarize, timed, type Summary } from '../lib/stats';
import { AgentWriter } from '../lib/writer';

export interface RollbackFigure {
  repo: string;
  files: number;
  restored: number;
  toCheckpoint: Summary;
  /** The same rollback when no live watcher vouches for the head: full-scan safety checkpoint. */
  toCheckpointFullScan: Summary;
  undo: Summary;
  smartViolating: number;
  smart: Summary;
}

export async function rollbackFigure(repo: GeneratedRepo, wt: Worktree, runs: number, note: (s: string) => void): Promise<RollbackFigure> {
  const writer = new AgentWriter(wt.dir, repo.files, repo.seed ^ 0xb0b);
  const thousand = writer.pick(1000);
  const forbidden = thousand.slice(0, 10);
  const plan = makePlan({ version: 1, forbidden, limits: { maxChangedFiles: 1_000_000 } });
  // The same feature id as figure 1 when run after it: its stat cache is warm, as in a live session.
  const feature = await openFeature({ worktree: wt.dir, scratch: wt.scratch, baseCommit: repo.commit, id: `bench-${repo.size}`, plan });
  const options = { worktree: wt.dir, checkpoints: feature.svc, log: feature.log, journalFile: path.join(wt.scratch, 'rollback-journal.json') };
  // Every write below is checkpointed before a rollback starts: what a flushed live watchdog guarantees.
  const rollback = new RollbackService({ ...options, watched: () => true });
  const unwatched = new RollbackService(options);
  const toCp: number[] = [];
  const toCpScan: number[] = [];
  const undo: number[] = [];
  const smart: number[] = [];
  let restored = 0;
  let smartViolating = 0;
  try {
    await feature.svc.request({ full: true, trigger: 'reconcile' });
    for (let r = 0; r < runs; r++) {
      const a = await feature.svc.request({ paths: writer.change(1000), trigger: 'watch' });
      const b = await feature.svc.request({ paths: writer.change(1000), trigger: 'watch' });
      if (!a || !b) throw new Error('setup checkpoints recorded nothing');
      let res: Awaited<ReturnType<RollbackService['toCheckpoint']>> | undefined;
      toCp.push(await timed(async () => (res = await rollback.toCheckpoint(a.seq))));
      restored = res!.paths.length;
      undo.push(await timed(() => rollback.undo()));

      // Smart: 10 forbidden files among the 1,000 just changed.
      const c = await feature.svc.request({ paths: writer.change(1000), trigger: 'watch' });
      smartViolating = new Set(c!.violations.filter((v) => v.path !== '').map((v) => v.path)).size;
      let sres: Awaited<ReturnType<RollbackService['smart']>> | undefined;
      smart.push(await timed(async () => (sres = await rollback.smart())));
      if (sres!.paths.length !== smartViolating) throw new Error(`smart rollback restored ${sres!.paths.length} files, expected ${smartViolating}`);

      // The same 1,000-file rollback, its safety checkpoint scanning the whole worktree.
      const before = feature.svc.head.seq;
      await feature.svc.request({ paths: writer.change(1000), trigger: 'watch' });
      let scanned: Awaited<ReturnType<RollbackService['toCheckpoint']>> | undefined;
      toCpScan.push(await timed(async () => (scanned = await unwatched.toCheckpoint(before))));
      if (scanned!.paths.length !== restored) throw new Error(`full-scan rollback restored ${scanned!.paths.length} files, expected ${restored}`);
      note(
        `  ${repo.size} rollback run ${r + 1}: ${restored} files ${Math.round(toCp[r]!)} ms (full scan ${Math.round(toCpScan[r]!)} ms), ` +
          `undo ${Math.round(undo[r]!)} ms, smart (${smartViolating} of 1000) ${Math.round(smart[r]!)} ms`,
      );
    }
    return {
      repo: repo.size,
      files: repo.files.length,
      restored,
      toCheckpoint: summarize(toCp),
      toCheckpointFullScan: summarize(toCpScan),
      undo: summarize(undo),
      smartViolating,
      smart: summarize(smart),
    };
  } finally {
    await feature.close();
  }
}
