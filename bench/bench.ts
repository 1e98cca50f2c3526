/**
 * The benchmark as a module: `runBench({ quick })` runs the figures and returns a report;
 * run.ts is the command line around it (printing, writing results, the chart, the READMEs).
 * CI can call `runBench({ quick: true })` directly, or `node --import tsx bench/run.ts --quick --no-write`.
 */
import { agentsFigure, type AgentsFigure } from './figures/agents';
import { checkpointFigure, type CheckpointCell, type CheckpointSetup, type Shape } from './figures/checkpoint';
import { bigContentFigure, type BigContentFigure } from './figures/bigContent';
import { eventLogFigure, type EventLogFigure } from './figures/eventLog';
import { featureStartFigure, type FeatureStartFigure } from './figures/featureStart';
import { restartFigure, type RestartFigure } from './figures/restart';
import { rollbackFigure, type RollbackFigure } from './figures/rollback';
import { smartRollbackFigure, type SmartRollbackFigure } from './figures/smartRollback';
import { validationFigure, type ValidationFigure } from './figures/validation';
import { watchFigure, type WatchFigure } from './figures/watch';
import { currentLoad, machineInfo, type MachineInfo } from './lib/machine';
import { addWorktree, ensureRealTree, ensureRepo, externalRepo, type BenchRepo, type RepoKind, type RepoSize } from './lib/repos';
import { round } from './lib/stats';
import type { WatcherSetting } from '../src/core/watch';

export const FIGURES = ['checkpoint', 'restart', 'validation', 'watch', 'rollback', 'eventlog', 'agents', 'bigcontent', 'smartrollback', 'featurestart'] as const;
export type FigureName = (typeof FIGURES)[number];
export const REPO_CHOICES = ['small', 'medium', 'large', 'real'] as const;
export type RepoChoice = (typeof REPO_CHOICES)[number];

export interface BenchOptions {
  /** Small and medium repositories only, fewer runs (a few minutes). */
  quick?: boolean;
  seed?: number;
  /** Defaults: quick small+medium, full small+medium+large+real. */
  sizes?: RepoChoice[];
  /** Measure this existing repository instead (figure 1 and the restart figure only). */
  repoPath?: string;
  figures?: readonly FigureName[];
  /** Watcher backends for figure 3 (default native and chokidar). */
  watchBackends?: WatcherSetting[];
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface RepoInfo {
  kind: RepoKind;
  label: string;
  files: number;
  folders: number;
  bytes: number;
  commit: string;
  bigFolder: { path: string; entries: number };
  generatedSec: number;
  worktreeAddSec?: number;
}

export interface BenchReport {
  version: 2;
  mode: 'quick' | 'full';
  /** The figures this run measured (a partial run re-measures some). */
  figures: FigureName[];
  seed: number;
  machine: MachineInfo;
  durationSec: number;
  repos: RepoInfo[];
  checkpoint?: { setup: CheckpointSetup[]; cells: CheckpointCell[] };
  restart?: RestartFigure[];
  validation?: ValidationFigure;
  watch?: WatchFigure;
  rollback?: RollbackFigure[];
  eventLog?: EventLogFigure;
  agents?: AgentsFigure;
  bigContent?: BigContentFigure;
  smartRollback?: SmartRollbackFigure;
  featureStart?: FeatureStartFigure;
  errors: { figure: string; message: string }[];
}

/** How many rounds each part does, per mode. */
function runPlan(quick: boolean) {
  return {
    checkpoint: {
      ks: [1, 20, 200, 2000],
      warmup: quick ? 1 : 2,
      runs: (k: number, shape: Shape): number => {
        if (quick) return k >= 2000 ? 1 : k >= 200 ? 3 : shape === 'spread' && k === 20 ? 10 : 5;
        if (k >= 2000) return 5;
        if (k >= 200) return 10;
        if (shape === 'spread' && k === 20) return 60; // enough that the p95 is steady
        return shape === 'spread' ? 30 : 20;
      },
    },
    validation: { cold: quick ? 3 : 7, warm: quick ? 10 : 30 },
    watch: {
      backends: ['native', 'chokidar'] as WatcherSetting[],
      latencySamples: quick ? 10 : 40,
      rates: quick ? [1100] : [1100, 2000, 4000, 8000],
      rateSeconds: quick ? 2 : 3,
    },
    rollbackRuns: (kind: RepoKind) => (quick ? 1 : kind === 'large' ? 3 : 2),
    eventLog: { events: 100_000, runs: quick ? 1 : 3 },
    agents: quick ? { features: 3, idleSeconds: 3, singleSeconds: 5, writingSeconds: 5 } : { features: 10, idleSeconds: 65, singleSeconds: 30, writingSeconds: 60 },
    bigContent: { sizesMB: quick ? [10, 60] : [10, 20, 40, 60], runs: quick ? 1 : 3 },
    smartRollback: { counts: quick ? [250, 3000] : [250, 500, 1000, 3000], runsAtLargest: quick ? 1 : 3 },
    featureStart: { spareRounds: quick ? 1 : 3 },
  };
}

export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const started = performance.now();
  const quick = options.quick === true;
  const seed = options.seed ?? 1;
  const external = options.repoPath !== undefined;
  const sizes: RepoChoice[] = external ? [] : (options.sizes ?? (quick ? ['small', 'medium'] : ['small', 'medium', 'large', 'real']));
  const figures = new Set<FigureName>(options.figures ?? (external ? ['checkpoint', 'restart'] : FIGURES));
  const log = options.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const plan = runPlan(quick);
  const report: BenchReport = { version: 2, mode: quick ? 'quick' : 'full', figures: [...figures], seed, machine: machineInfo(), durationSec: 0, repos: [], errors: [] };

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
  const repos: BenchRepo[] = [];
  const cleanups: (() => void)[] = [];
  try {
    if (options.repoPath) {
      const ext = externalRepo(options.repoPath, log);
      cleanups.push(ext.cleanup);
      repos.push(ext);
    }
    for (const size of sizes) repos.push(size === 'real' ? ensureRealTree(log) : ensureRepo(size as RepoSize, seed, log));
    for (const r of repos) {
      report.repos.push({ kind: r.kind, label: r.label, files: r.files.length, folders: r.folders, bytes: r.bytes, commit: r.commit, bigFolder: { path: r.bigFolder.path, entries: r.bigFolder.entries }, generatedSec: round(r.generatedSec, 1) });
    }
    const synthetic = repos.filter((r) => r.kind !== 'real' && r.kind !== 'external');
    const largest = synthetic.at(-1);

    const needsWorktree = ['checkpoint', 'restart', 'rollback', 'watch'].some((f) => figures.has(f as FigureName));
    for (const repo of needsWorktree ? repos : []) {
      log(`${repo.label}: adding a worktree of ${repo.files.length.toLocaleString('en-US')} files`);
      const t = performance.now();
      const wt = addWorktree(repo, repo.kind);
      report.repos.find((r) => r.kind === repo.kind)!.worktreeAddSec = round((performance.now() - t) / 1000, 1);
      try {
        if (figures.has('checkpoint')) {
          await attempt(`checkpoint/${repo.kind}`, async () => {
            log(`figure 1, checkpoint latency: ${repo.label}`);
            const r = await checkpointFigure(repo, wt, plan.checkpoint, log);
            report.checkpoint ??= { setup: [], cells: [] };
            report.checkpoint.setup.push(r.setup);
            report.checkpoint.cells.push(...r.cells);
          });
        }
        if (figures.has('restart')) {
          await attempt(`restart/${repo.kind}`, async () => {
            log(`figure 6, first reconciliation after a restart: ${repo.label}`);
            (report.restart ??= []).push(await restartFigure(repo, wt, log));
          });
        }
        if (figures.has('rollback') && synthetic.includes(repo) && (repo.kind !== 'small' || synthetic.length === 1)) {
          await attempt(`rollback/${repo.kind}`, async () => {
            log(`figure 4, rollback: ${repo.label}`);
            (report.rollback ??= []).push(await rollbackFigure(repo, wt, plan.rollbackRuns(repo.kind), log));
          });
        }
        if (figures.has('watch') && repo === largest) {
          await attempt(`watch/${repo.kind}`, async () => {
            log(`figure 3, watching: ${repo.label}`);
            report.watch = await watchFigure(repo, wt, { ...plan.watch, backends: options.watchBackends ?? [...plan.watch.backends] }, log);
          });
        }
      } finally {
        wt.remove();
      }
    }

    if (figures.has('validation') && largest) {
      await attempt('validation', async () => {
        log(`figure 2, validation: 1,000 files x 100 globs (${largest.label}-file repository)`);
        report.validation = await validationFigure(largest, plan.validation);
      });
    }
    if (figures.has('eventlog')) {
      await attempt('eventlog', async () => {
        log(`figure 5, event log: ${plan.eventLog.events.toLocaleString('en-US')} events`);
        report.eventLog = await eventLogFigure(plan.eventLog.events, plan.eventLog.runs);
      });
    }
    if (figures.has('featurestart') && largest) {
      await attempt('featurestart', async () => {
        log(`figure 10, feature start: ${largest.label}-file repository`);
        report.featureStart = await featureStartFigure(largest, plan.featureStart, log);
      });
    }
    if (figures.has('agents') && largest) {
      await attempt('agents', async () => {
        log(`figure 7, ${plan.agents.features} agents at once: ${largest.label}-file repository`);
        report.agents = await agentsFigure(largest, plan.agents, log);
      });
    }
  } finally {
    for (const c of cleanups) c();
  }
  if (figures.has('bigcontent')) {
    await attempt('bigcontent', async () => {
      log('figure 8, big content: blob reads; a critical pause beside a 60 MB file and 3,000 files');
      report.bigContent = await bigContentFigure(plan.bigContent, log);
    });
  }
  if (figures.has('smartrollback')) {
    await attempt('smartrollback', async () => {
      log('figure 9, smart rollback against the number of violating files');
      report.smartRollback = await smartRollbackFigure(plan.smartRollback, log);
    });
  }
  report.machine.loadEnd = currentLoad();
  report.durationSec = round((performance.now() - started) / 1000, 1);
  return report;
}
