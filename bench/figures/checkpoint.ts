/**
 * Figure 1: checkpoint latency after an agent-like writer changed k files, on one repository.
 * Ours: CheckpointService.request({ paths }) with the changed paths, as the watchdog passes
 * them (the wall time of the whole request: snapshot, commit, ref, diff, cumulative validation,
 * event log append and fsync). Baseline: a shadow repository whose work tree is the worktree,
 * `git --git-dir=<shadow> --work-tree=<wt> add -A` then `commit`, kept warm between rounds (its
 * best case). Both snapshot the same worktree state in each round, in alternating order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openFeature } from '../lib/feature';
import { gitAsync, gitSync } from '../lib/git';
import type { GeneratedRepo, Worktree } from '../lib/repos';
import { summarize, timed, round, type Summary } from '../lib/stats';
import { AgentWriter } from '../lib/writer';

export interface CheckpointCell {
  size: string;
  files: number;
  k: number;
  /** The k files had never been touched by the writer before (first change of each path). */
  fresh: boolean;
  ours: Summary;
  /**
   * The service's own `durationMs` for the same checkpoints: everything but the event log
   * append + fsync and the stat cache save at the end (a gap to the wall time points there).
   */
  oursInService: Summary;
  baseline: Summary;
  /** baseline median / ours median, both from this run. */
  ratio: number;
  /** Every timed round in order (ms, 0.1 ms precision), for looking into outliers. */
  samples: { ours: number[]; inService: number[]; baseline: number[] };
}

export interface CheckpointSetup {
  size: string;
  files: number;
  folders: number;
  /** First full reconciliation scan of a fresh worktree (empty stat cache: hashes every file). */
  firstReconcileMs: number;
  /** A second full scan, stat cache warm: the periodic reconciliation's cost. */
  warmReconcileMs: number;
  /** The baseline's first snapshot (`add -A` of everything into an empty shadow repository). */
  baselineInitialMs: number;
}

export interface CheckpointRunsPlan {
  ks: number[];
  /** Also measure rounds of this many files never touched before, right after the series of the same k. */
  freshK?: number;
  runs(k: number, fresh: boolean): number;
  warmup: number;
}

export async function checkpointFigure(
  repo: GeneratedRepo,
  wt: Worktree,
  plan: CheckpointRunsPlan,
  note: (s: string) => void,
): Promise<{ setup: CheckpointSetup; cells: CheckpointCell[] }> {
  const feature = await openFeature({ worktree: wt.dir, scratch: wt.scratch, baseCommit: repo.commit, id: `bench-${repo.size}` });
  const shadow = path.join(wt.scratch, 'shadow.git');
  const base = ['--git-dir', shadow, '--work-tree', wt.dir];
  let baselineRound = 0;
  const baseline = async (): Promise<void> => {
    baselineRound++;
    await gitAsync(wt.dir, [...base, 'add', '-A']);
    await gitAsync(wt.dir, [...base, 'commit', '-q', '--no-verify', '-m', `checkpoint ${baselineRound}`]);
  };
  try {
    const firstReconcileMs = await timed(() => feature.svc.request({ full: true, trigger: 'reconcile' }));
    const warmReconcileMs = await timed(() => feature.svc.request({ full: true, trigger: 'reconcile' }));
    note(`  ${repo.size}: first reconciliation ${Math.round(firstReconcileMs)} ms, warm ${Math.round(warmReconcileMs)} ms`);

    fs.mkdirSync(shadow);
    gitSync(wt.scratch, ['init', '-q', '--bare', shadow]);
    gitSync(wt.scratch, ['--git-dir', shadow, 'config', 'core.bare', 'false']);
    gitSync(wt.scratch, ['--git-dir', shadow, 'config', 'gc.auto', '0']);
    const baselineInitialMs = await timed(baseline);
    note(`  ${repo.size}: baseline first snapshot ${Math.round(baselineInitialMs)} ms`);

    const writer = new AgentWriter(wt.dir, repo.files, repo.seed);
    const cells: CheckpointCell[] = [];
    const series: { k: number; fresh: boolean }[] = [];
    for (const k of plan.ks) {
      series.push({ k, fresh: false });
      if (k === plan.freshK) series.push({ k, fresh: true });
    }
    for (const { k, fresh } of series) {
      const ours: number[] = [];
      const inService: number[] = [];
      const theirs: number[] = [];
      const warmup = fresh ? 0 : plan.warmup;
      const total = warmup + plan.runs(k, fresh);
      for (let i = 0; i < total; i++) {
        const paths = fresh ? writer.changeFresh(k) : writer.change(k);
        let recMs = NaN;
        const runOurs = async () => {
          const t = performance.now();
          const rec = await feature.svc.request({ paths, trigger: 'watch' });
          const ms = performance.now() - t;
          if (!rec) throw new Error(`checkpoint of ${k} changed files recorded nothing`);
          recMs = rec.durationMs;
          return ms;
        };
        const runTheirs = () => timed(baseline);
        // Alternate who goes first so neither always meets a cold page cache.
        let a: number;
        let b: number;
        if (i % 2 === 0) {
          a = await runOurs();
          b = await runTheirs();
        } else {
          b = await runTheirs();
          a = await runOurs();
        }
        if (i >= warmup) {
          ours.push(a);
          inService.push(recMs);
          theirs.push(b);
        }
      }
      const o = summarize(ours);
      const t = summarize(theirs);
      cells.push({
        size: repo.size,
        files: repo.files.length,
        k,
        fresh,
        ours: o,
        oursInService: summarize(inService),
        baseline: t,
        ratio: round(t.median / o.median, 1),
        samples: { ours: ours.map((x) => round(x, 1)), inService: inService.map((x) => round(x, 1)), baseline: theirs.map((x) => round(x, 1)) },
      });
      note(`  ${repo.size} k=${k}${fresh ? ' (fresh)' : ''}: ours ${o.median} ms (p95 ${o.p95}), baseline ${t.median} ms, ×${round(t.median / o.median, 1)}`);
    }
    return {
      setup: {
        size: repo.size,
        files: repo.files.length,
        folders: repo.folders,
        firstReconcileMs: round(firstReconcileMs),
        warmReconcileMs: round(warmReconcileMs),
        baselineInitialMs: round(baselineInitialMs),
      },
      cells,
    };
  } finally {
    await feature.close();
  }
}
