/**
 * Figure 1: checkpoint latency after an agent-like writer changed k files, on one repository,
 * against two baselines measured in the same rounds (see lib/baselines.ts): a shadow repository
 * (`git add -A && git commit`) and a private index told the changed paths (`update-index` +
 * `write-tree` + `commit-tree`). Ours is CheckpointService.request({ paths }) with the changed
 * paths, as the watchdog passes them: the wall time of the whole request (snapshot, commit,
 * ref, diff, cumulative validation, event log append and fsync). All three snapshot the same
 * worktree state in each round, in rotating order.
 * Shapes: "spread" (k files picked at random: many folders on the synthetic repositories, the
 * real distribution on a real tree), "first touch" (files never changed before), "few folders"
 * (the same 3 folders every round), "big folder" (one file in the folder with the most
 * entries), and "after 2,000" (20 files once the feature has changed 2,000).
 */
import { openFeature } from '../lib/feature';
import { PrivateIndex, ShadowRepo, type Baseline } from '../lib/baselines';
import type { BenchRepo, Worktree } from '../lib/repos';
import { summarize, timed, round, type Summary } from '../lib/stats';
import { AgentWriter } from '../lib/writer';

export type Shape = 'spread' | 'first-touch' | 'few-folders' | 'big-folder' | 'after-large';

export interface CheckpointCell {
  repo: string;
  label: string;
  files: number;
  shape: Shape;
  /** Files changed per round (fewer than asked when the repository has fewer). */
  k: number;
  asked: number;
  ours: Summary;
  /**
   * The service's own `durationMs` for the same checkpoints: everything but the event log
   * append + fsync and the stat cache save at the end (a gap to the wall time points there).
   */
  oursInService: Summary;
  shadow: Summary;
  privateIndex: Summary;
  /** Median time per stage of our checkpoints, when the service reports them. */
  stages?: Record<string, number>;
  /** Every timed round in order (ms, 0.1 ms precision), for looking into outliers. */
  samples: { ours: number[]; inService: number[]; shadow: number[]; privateIndex: number[] };
}

export interface CheckpointSetup {
  repo: string;
  label: string;
  files: number;
  folders: number;
  bigFolder: { path: string; entries: number };
  /** First full reconciliation scan of a fresh worktree (empty stat cache: hashes every file). */
  firstReconcileMs: number;
  /** A second full scan, stat cache warm: the periodic reconciliation's cost. */
  warmReconcileMs: number;
  /** `git add -A` of everything into a fresh index (the shadow repository's first snapshot). */
  shadowInitialMs: number;
  /** The private index's start: `read-tree` + `update-index --refresh`. */
  privateInitialMs: number;
}

export interface CheckpointRunsPlan {
  ks: number[];
  runs(k: number, shape: Shape): number;
  warmup: number;
}

interface Series {
  shape: Shape;
  k: number;
  change(): string[];
}

export async function checkpointFigure(
  repo: BenchRepo,
  wt: Worktree,
  plan: CheckpointRunsPlan,
  note: (s: string) => void,
): Promise<{ setup: CheckpointSetup; cells: CheckpointCell[] }> {
  const feature = await openFeature({ worktree: wt.dir, scratch: wt.scratch, baseCommit: repo.commit, id: `bench-${repo.kind}` });
  try {
    const firstReconcileMs = await timed(() => feature.svc.request({ full: true, trigger: 'reconcile' }));
    const warmReconcileMs = await timed(() => feature.svc.request({ full: true, trigger: 'reconcile' }));
    note(`  ${repo.label}: first reconciliation ${Math.round(firstReconcileMs)} ms, warm ${Math.round(warmReconcileMs)} ms`);
    const shadow = new ShadowRepo(wt.dir, wt.scratch);
    const priv = new PrivateIndex(wt.dir, wt.scratch, repo.commit);
    const shadowInitialMs = await timed(() => shadow.init());
    const privateInitialMs = await timed(() => priv.init());
    note(`  ${repo.label}: shadow repository first snapshot ${Math.round(shadowInitialMs)} ms, private index start ${Math.round(privateInitialMs)} ms`);

    const writer = new AgentWriter(wt.dir, repo.spreadFiles, repo.seed);
    const series: Series[] = [];
    const largest = Math.max(...plan.ks);
    for (const k of plan.ks) {
      series.push({ shape: 'spread', k, change: () => writer.change(k) });
      if (k === 20) {
        series.push({ shape: 'first-touch', k, change: () => writer.changeFresh(k) });
        series.push({ shape: 'few-folders', k, change: () => writer.changeInFewFolders(k) });
      }
      if (k === 1 && repo.bigFolder.entries >= 1000) {
        const pool = repo.bigFolder.files;
        let i = 0;
        series.push({ shape: 'big-folder', k, change: () => writer.write([pool[(i++ * 7919) % pool.length]!]) });
      }
    }
    if (largest > 20) series.push({ shape: 'after-large', k: 20, change: () => writer.change(20) });

    const cells: CheckpointCell[] = [];
    for (const s of series) {
      const cell = await measureSeries(feature, [shadow, priv], s, plan, repo);
      cells.push(cell);
      note(
        `  ${repo.label} ${s.shape} k=${s.k}: ours ${cell.ours.median} ms (p95 ${cell.ours.p95}), ` +
          `shadow ${cell.shadow.median} (p95 ${cell.shadow.p95}), private index ${cell.privateIndex.median} (p95 ${cell.privateIndex.p95})`,
      );
    }
    return {
      setup: {
        repo: repo.kind,
        label: repo.label,
        files: repo.files.length,
        folders: repo.folders,
        bigFolder: { path: repo.bigFolder.path, entries: repo.bigFolder.entries },
        firstReconcileMs: round(firstReconcileMs),
        warmReconcileMs: round(warmReconcileMs),
        shadowInitialMs: round(shadowInitialMs),
        privateInitialMs: round(privateInitialMs),
      },
      cells,
    };
  } finally {
    await feature.close();
  }
}

/** Per-stage times the service may report for its last checkpoint (absent in older code). */
function stagesOf(svc: unknown): Record<string, number> | undefined {
  return (svc as { lastTimings?: Record<string, number> }).lastTimings;
}

async function measureSeries(
  feature: Awaited<ReturnType<typeof openFeature>>,
  baselines: [Baseline, Baseline],
  s: Series,
  plan: CheckpointRunsPlan,
  repo: BenchRepo,
): Promise<CheckpointCell> {
  const ours: number[] = [];
  const inService: number[] = [];
  const theirs: [number[], number[]] = [[], []];
  const stages = new Map<string, number[]>();
  const warmup = s.shape === 'first-touch' || s.shape === 'after-large' ? 0 : plan.warmup;
  const total = warmup + plan.runs(s.k, s.shape);
  for (let i = 0; i < total; i++) {
    const paths = s.change();
    const times: number[] = [NaN, NaN, NaN];
    let recMs = NaN;
    let recStages: Record<string, number> | undefined;
    const steps = [
      async () => {
        const t = performance.now();
        const rec = await feature.svc.request({ paths, trigger: 'watch' });
        times[0] = performance.now() - t;
        if (!rec) throw new Error(`checkpoint of ${s.k} changed files (${s.shape}) recorded nothing`);
        recMs = rec.durationMs;
        recStages = stagesOf(feature.svc);
      },
      async () => void (times[1] = await timed(() => baselines[0].snapshot(paths))),
      async () => void (times[2] = await timed(() => baselines[1].snapshot(paths))),
    ];
    // Rotate who goes first so none always meets a cold page cache.
    for (let j = 0; j < 3; j++) await steps[(i + j) % 3]!();
    if (i < warmup) continue;
    ours.push(times[0]!);
    inService.push(recMs);
    theirs[0].push(times[1]!);
    theirs[1].push(times[2]!);
    for (const [k, v] of Object.entries(recStages ?? {})) stages.set(k, [...(stages.get(k) ?? []), v]);
  }
  const r1 = (xs: number[]) => xs.map((x) => round(x, 1));
  const cell: CheckpointCell = {
    repo: repo.kind,
    label: repo.label,
    files: repo.files.length,
    shape: s.shape,
    k: Math.min(s.k, repo.spreadFiles.length),
    asked: s.k,
    ours: summarize(ours),
    oursInService: summarize(inService),
    shadow: summarize(theirs[0]),
    privateIndex: summarize(theirs[1]),
    samples: { ours: r1(ours), inService: r1(inService), shadow: r1(theirs[0]), privateIndex: r1(theirs[1]) },
  };
  if (stages.size > 0) cell.stages = Object.fromEntries([...stages].map(([k, v]) => [k, summarize(v).median]));
  return cell;
}
