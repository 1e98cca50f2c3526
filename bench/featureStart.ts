/**
 * Feature start on a big repository (issue 16, point 6): how long `createFeature` takes, and
 * where the time goes: writing the worktree (branch + `worktree add --no-checkout` + the sealed
 * checkout), opening the feature, and starting its watcher with the first reconciliation scan.
 * `git worktree add` (what the product did before, with repository filters and hooks live) is
 * measured on the same repository for reference.
 *
 *   node --import tsx bench/featureStart.ts [--size large|medium|small] [--repo PATH] [--rounds N] [--spare] [--no-plain]
 *
 * With --spare, each feature starts from a worktree prepared ahead (features/spareWorktree.ts),
 * as every feature after the first does on a big repository; the preparation is not timed.
 * --no-plain leaves out the `git worktree add` reference.
 *
 * Prints one JSON line per round and a summary line; writes nothing else.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { seedStatCache } from '../src/core/checkpoints/statCacheSeed';
import { featurePaths } from '../src/core/features/featurePaths';
import { SpareWorktrees } from '../src/core/features/spareWorktree';
import { addWorktree, deleteBranch, removeWorktree } from '../src/core/features/worktrees';
import { FeatureRuntime } from '../src/core/orchestrator/featureRuntime';
import { DEFAULT_SETTINGS } from '../src/core/orchestrator/types';
import { gitSync } from './lib/git';
import { currentLoad } from './lib/machine';
import { ensureRepo, type RepoSize } from './lib/repos';
import { summarize } from './lib/stats';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Round {
  /** Branch, `worktree add --no-checkout` and the sealed checkout. */
  fillMs: number;
  /** Opening the feature runtime (log, checkpoint service, validator). */
  openMs: number;
  /** Starting the watcher and the first reconciliation scan. */
  watchMs: number;
  totalMs: number;
  /** `git worktree add` of the same commit, for reference. */
  plainWorktreeAddMs: number;
  load: number;
}

async function round(repo: string, commit: string, n: number, spare?: SpareWorktrees): Promise<Round> {
  const id = `bench-start-${process.pid}-${n}`;
  const wt = `${repo}.worktrees/${id}`;
  if (spare) {
    spare.prepare(commit);
    await spare.idle();
  }
  const t0 = performance.now();
  const added = await addWorktree(repo, id, wt, commit, spare);
  // As FeatureLifecycle.create does: the first scan compares stat data with what git wrote.
  fs.mkdirSync(featurePaths(repo, id).runtime, { recursive: true });
  await seedStatCache(added.indexFile, featurePaths(repo, id).statCache, commit.length === 64 ? 32 : 20);
  const t1 = performance.now();
  const settings = { ...DEFAULT_SETTINGS, reconcileIntervalMs: 0, watchMainCheckout: false };
  const state = { version: 1 as const, id, baseRef: commit, baseCommit: commit, branch: `aop/${id}`, worktree: wt, createdAt: new Date().toISOString(), breaker: { open: false, failures: 0, errors: [] } };
  const rt = await FeatureRuntime.open(state, featurePaths(repo, id), () => settings);
  const t2 = performance.now();
  await rt.startWatching();
  const t3 = performance.now();
  const load = currentLoad();
  await spare?.idle();
  await rt.dispose();
  await removeWorktree(repo, wt);
  await deleteBranch(repo, id);
  fs.rmSync(featurePaths(repo, id).dir, { recursive: true, force: true });
  gitSync(repo, ['for-each-ref', '--format=delete %(refname)', `refs/aop/${id}/`]).split('\n').filter(Boolean).forEach((l) => gitSync(repo, ['update-ref', '-d', l.slice('delete '.length)]));

  let plainMs = NaN;
  if (!process.argv.includes('--no-plain')) {
    const plain = `${repo}.worktrees/${id}-plain`;
    const p0 = performance.now();
    execFileSync('git', ['worktree', 'add', '-q', '--detach', plain, commit], { cwd: repo, stdio: 'ignore' });
    plainMs = performance.now() - p0;
    gitSync(repo, ['worktree', 'remove', '--force', plain]);
  }
  const r = (x: number) => Math.round(x);
  return { fillMs: r(t1 - t0), openMs: r(t2 - t1), watchMs: r(t3 - t2), totalMs: r(t3 - t0), plainWorktreeAddMs: r(plainMs), load };
}

async function main(): Promise<void> {
  const rounds = Number(arg('rounds') ?? 3);
  const given = arg('repo');
  const repo = given ?? ensureRepo((arg('size') ?? 'large') as RepoSize, 1, (s) => console.error(s)).dir;
  const commit = gitSync(repo, ['rev-parse', 'HEAD']);
  const files = Number(gitSync(repo, ['ls-tree', '-r', '--name-only', 'HEAD']).split('\n').length);
  const spare = process.argv.includes('--spare') ? new SpareWorktrees(repo, `${repo}.worktrees`, 1) : undefined;
  const all: Round[] = [];
  for (let n = 0; n < rounds; n++) {
    const r = await round(repo, commit, n, spare);
    all.push(r);
    console.log(JSON.stringify({ round: n + 1, ...r }));
  }
  const med = (k: keyof Round) => summarize(all.map((r) => r[k])).median;
  await spare?.remove();
  console.log(JSON.stringify({ summary: spare ? 'feature start from a prepared worktree' : 'feature start', files, rounds, fillMs: med('fillMs'), openMs: med('openMs'), watchMs: med('watchMs'), totalMs: med('totalMs'), plainWorktreeAddMs: med('plainWorktreeAddMs'), targetMs: 2000, load: med('load') }));
}

void main();
