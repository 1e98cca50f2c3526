/**
 * Figure 10: feature start (issue 16, point 6). Creating a feature as FeatureLifecycle.create
 * does: branch + `worktree add --no-checkout` + its files (the sealed checkout, or a spare
 * prepared ahead: features/spareWorktree.ts), the stat cache seeded from the index git wrote,
 * the feature opened (FeatureRuntime) and its watcher started with the first reconciliation.
 * "Cold" is the first feature of a repository (its files written now); "from a spare" is every
 * later one (the spare's preparation, done in the background after the previous create, is not
 * timed). `git worktree add` of the same commit (repository filters and hooks live: what the
 * product no longer runs) is measured once for reference.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seedStatCache } from '../../src/core/checkpoints/statCacheSeed';
import { featurePaths } from '../../src/core/features/featurePaths';
import { SpareWorktrees } from '../../src/core/features/spareWorktree';
import { addWorktree, deleteBranch, removeWorktree } from '../../src/core/features/worktrees';
import { FeatureRuntime } from '../../src/core/orchestrator/featureRuntime';
import { DEFAULT_SETTINGS } from '../../src/core/orchestrator/types';
import { gitSync } from '../lib/git';
import type { BenchRepo } from '../lib/repos';
import { round, summarize, type Summary } from '../lib/stats';

export interface FeatureStartRound {
  /** Branch, `worktree add --no-checkout`, the files (checkout or spare) and the stat cache seed. */
  fillMs: number;
  /** Opening the feature runtime (event log, checkpoint service, validator). */
  openMs: number;
  /** Starting the watcher and the first reconciliation scan. */
  watchMs: number;
  totalMs: number;
  fromSpare: boolean;
}

export interface FeatureStartFigure {
  repo: string;
  label: string;
  files: number;
  /** The first feature of the repository: files written by the sealed checkout. */
  cold: FeatureStartRound;
  /** Later features, each from a spare prepared after the previous create. */
  spare: { fill: Summary; open: Summary; watch: Summary; total: Summary; rounds: FeatureStartRound[] };
  /** `git worktree add` of the same commit, for reference (ms). */
  plainWorktreeAddMs: number;
}

export async function featureStartFigure(repo: BenchRepo, plan: { spareRounds: number }, note: (s: string) => void): Promise<FeatureStartFigure> {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `aop-bench-start-${repo.kind}-`)));
  // Spares at any size here, so the quick run (10,000 files) exercises them too.
  const spares = new SpareWorktrees(repo.dir, path.join(root, 'worktrees'), 0);
  try {
    const cold = await createOnce(repo, root, 'cold', undefined);
    note(`  ${repo.label}: cold feature start ${cold.totalMs} ms (files ${cold.fillMs} ms, open ${cold.openMs} ms, first scan ${cold.watchMs} ms)`);
    const rounds: FeatureStartRound[] = [];
    for (let i = 0; i < plan.spareRounds; i++) {
      spares.prepare(repo.commit);
      await spares.idle();
      if (spares.lastError) throw new Error(spares.lastError);
      const r = await createOnce(repo, root, `spare${i}`, spares);
      if (!r.fromSpare) throw new Error('the prepared spare was not taken');
      rounds.push(r);
      note(`  ${repo.label}: feature start from a spare ${r.totalMs} ms (files ${r.fillMs} ms, open ${r.openMs} ms, first scan ${r.watchMs} ms)`);
    }
    const plain = path.join(root, 'plain');
    const t = performance.now();
    execFileSync('git', ['worktree', 'add', '-q', '--detach', plain, repo.commit], { cwd: repo.dir, stdio: 'ignore' });
    const plainWorktreeAddMs = round(performance.now() - t, 1);
    gitSync(repo.dir, ['worktree', 'remove', '--force', plain]);
    const of = (k: keyof Omit<FeatureStartRound, 'fromSpare'>) => summarize(rounds.map((r) => r[k]));
    return { repo: repo.kind, label: repo.label, files: repo.files.length, cold, spare: { fill: of('fillMs'), open: of('openMs'), watch: of('watchMs'), total: of('totalMs'), rounds }, plainWorktreeAddMs };
  } finally {
    await spares.remove().catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
    gitSync(repo.dir, ['worktree', 'prune']);
  }
}

async function createOnce(repo: BenchRepo, root: string, tag: string, spares: SpareWorktrees | undefined): Promise<FeatureStartRound> {
  const id = `bench-start-${process.pid}-${tag}`;
  const wt = path.join(root, 'worktrees', id);
  const paths = featurePaths(path.join(root, 'meta'), id);
  const t0 = performance.now();
  const added = await addWorktree(repo.dir, id, wt, repo.commit, spares);
  // As FeatureLifecycle.create does: the first scan compares stat data with what git wrote.
  fs.mkdirSync(paths.runtime, { recursive: true });
  await seedStatCache(added.indexFile, paths.statCache, repo.commit.length === 64 ? 32 : 20);
  const t1 = performance.now();
  const settings = { ...DEFAULT_SETTINGS, reconcileIntervalMs: 0, watchMainCheckout: false, watcherBackend: 'native' as const };
  const state = { version: 1 as const, id, baseRef: repo.commit, baseCommit: repo.commit, branch: `aop/${id}`, worktree: wt, createdAt: new Date().toISOString(), breaker: { open: false, failures: 0, errors: [] } };
  const rt = await FeatureRuntime.open(state, paths, () => settings);
  const t2 = performance.now();
  let t3: number;
  try {
    await rt.startWatching();
    t3 = performance.now();
  } finally {
    await rt.dispose();
    await removeWorktree(repo.dir, wt);
    await deleteBranch(repo.dir, id);
    const refs = gitSync(repo.dir, ['for-each-ref', '--format=%(refname)', `refs/aop/${id}/`]).split('\n').filter(Boolean);
    if (refs.length > 0) gitSync(repo.dir, ['update-ref', '--stdin'], refs.map((r) => `delete ${r}\n`).join(''));
  }
  const r = (x: number) => round(x, 1);
  return { fillMs: r(t1 - t0), openMs: r(t2 - t1), watchMs: r(t3 - t2), totalMs: r(t3 - t0), fromSpare: added.fromSpare };
}
