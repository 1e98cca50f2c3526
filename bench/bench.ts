/**
 * The benchmark as a module: `runBench({ quick })` runs the figures and returns a report;
 * run.ts is the command line around it (printing, writing results, the chart, the README).
 * CI can call `runBench({ quick: true })` directly, or `node --import tsx bench/run.ts --quick --no-write`.
 */
import { checkpointFigure, type CheckpointCell, type CheckpointSetup } from './figures/checkpoint';
import { eventLogFigure, type EventLogFigure } from './figures/eventLog';
import { rollbackFigure, type RollbackFigure } from './figures/rollback';
import { validationFigure, type ValidationFigure } from './figures/validation';
import { watchFigure, type WatchFigure } from './figures/watch';
import { currentLoad, machineInfo, type MachineInfo } from './lib/machine';
import { addWorktree, ensureRepo, REPO_FILES, type GeneratedRepo, type RepoSize } from './lib/repos';
import { round } from './lib/stats';
import type { WatcherSetting } from '../src/core/watch';

export const FIGURES = ['checkpoint', 'validation', 'watch', 'rollback', 'eventlog'] as const;
export type FigureName = (typeof FIGURES)[number];

export interface BenchOptions {
  /** Small and medium repositories only, fewer runs (about 2 minutes). */
  quick?: boolean;
  seed?: number;
  /** Defaults: quick small+medium, full small+medium+large. */
  sizes?: RepoSize[];
  figures?: readonly FigureName[];
  /** Watcher backends for figure 3 (default native and chokidar). */
  watchBackends?: WatcherSetting[];
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface BenchReport {
  version: 1;
  mode: 'quick' | 'full';
  /** The figures this run measured (a partial run re-measures some). */
  figures: FigureName[];
  seed: number;
  machine: MachineInfo;
  durationSec: number;
  repos: { size: RepoSize; files: number; folders: number; bytes: number; commit: string; generatedSec: number; worktreeAddSec?: number }[];
  checkpoint?: { setup: CheckpointSetup[]; cells: CheckpointCell[] };
  validation?: ValidationFigure;
  watch?: WatchFigure;
  rollback?: RollbackFigure[];
  eventLog?: EventLogFigure;
  errors: { figure: string; message: string }[];
}

/** How many rounds each part does, per mode. */
function runPlan(quick: boolean) {
  return {
    checkpoint: {
      ks: [1, 10, 20, 100, 1000],
      freshK: 20,
      warmup: quick ? 1 : 2,
      runs: (k: number, fresh: boolean) => (quick ? (k >= 1000 ? 1 : k >= 100 ? 3 : 6) : k >= 1000 ? 4 : k >= 100 ? 7 : fresh ? 15 : k === 20 ? 30 : 20),
    },
    validation: { cold: quick ? 3 : 7, warm: quick ? 10 : 30 },
    watch: {
      backends: ['native', 'chokidar'] as WatcherSetting[],
      latencySamples: quick ? 10 : 40,
      rates: quick ? [1100] : [1100, 2000, 4000, 8000],
      rateSeconds: quick ? 2 : 3,
    },
    rollbackRuns: (size: RepoSize) => (quick ? 1 : size === 'large' ? 3 : 2),
    eventLog: { events: 100_000, runs: quick ? 1 : 3 },
  };
}

export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const started = performance.now();
  const quick = options.quick === true;
  const seed = options.seed ?? 1;
  const sizes = options.sizes ?? (quick ? ['small', 'medium'] : ['small', 'medium', 'large']);
  const figures = new Set<FigureName>(options.figures ?? FIGURES);
  const log = options.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const plan = runPlan(quick);
  const largest = [...sizes].sort((a, b) => REPO_FILES[a] - REPO_FILES[b]).at(-1)!;
  const report: BenchReport = { version: 1, mode: quick ? 'quick' : 'full', figures: [...figures], seed, machine: machineInfo(), durationSec: 0, repos: [], errors: [] };

  const attempt = async (figure: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      report.errors.push({ figure, message });
      log(`! ${figure} failed: ${message}`);
    }
  };

  log(`bench (${report.mode}, seed ${seed}) on ${report.machine.nproc} cores, load ${report.machine.loadStart}`);
  const repos = new Map<RepoSize, GeneratedRepo>();
  for (const size of sizes) {
    const repo = ensureRepo(size, seed, log);
    repos.set(size, repo);
    report.repos.push({ size, files: repo.files.length, folders: repo.folders, bytes: repo.bytes, commit: repo.commit, generatedSec: round(repo.generatedSec, 1) });
  }

  const needsWorktree = figures.has('checkpoint') || figures.has('rollback') || figures.has('watch');
  for (const size of needsWorktree ? sizes : []) {
    const repo = repos.get(size)!;
    log(`${size}: adding a worktree of ${repo.files.length.toLocaleString('en-US')} files`);
    const t = performance.now();
    const wt = addWorktree(repo, size);
    report.repos.find((r) => r.size === size)!.worktreeAddSec = round((performance.now() - t) / 1000, 1);
    try {
      if (figures.has('checkpoint')) {
        await attempt(`checkpoint/${size}`, async () => {
          log(`figure 1, checkpoint latency: ${size}`);
          const r = await checkpointFigure(repo, wt, plan.checkpoint, log);
          report.checkpoint ??= { setup: [], cells: [] };
          report.checkpoint.setup.push(r.setup);
          report.checkpoint.cells.push(...r.cells);
        });
      }
      if (figures.has('rollback') && (size !== 'small' || sizes.length === 1)) {
        await attempt(`rollback/${size}`, async () => {
          log(`figure 4, rollback: ${size}`);
          (report.rollback ??= []).push(await rollbackFigure(repo, wt, plan.rollbackRuns(size), log));
        });
      }
      if (figures.has('watch') && size === largest) {
        await attempt(`watch/${size}`, async () => {
          log(`figure 3, watching: ${size}`);
          report.watch = await watchFigure(repo, wt, { ...plan.watch, backends: options.watchBackends ?? [...plan.watch.backends] }, log);
        });
      }
    } finally {
      wt.remove();
    }
  }

  if (figures.has('validation')) {
    await attempt('validation', async () => {
      log(`figure 2, validation: 1,000 files x 100 globs (${largest} repository)`);
      report.validation = await validationFigure(repos.get(largest)!, plan.validation);
    });
  }
  if (figures.has('eventlog')) {
    await attempt('eventlog', async () => {
      log(`figure 5, event log: ${plan.eventLog.events.toLocaleString('en-US')} events`);
      report.eventLog = await eventLogFigure(plan.eventLog.events, plan.eventLog.runs);
    });
  }
  report.machine.loadEnd = currentLoad();
  report.durationSec = round((performance.now() - started) / 1000, 1);
  return report;
}
