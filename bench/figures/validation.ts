/**
 * Figure 2: validating 1,000 changed files against a plan of 100 globs (80 allowed, 20
 * forbidden), with the default policy (secret scan on, so a cold check reads every blob).
 * Cold: a new Validator (empty verdict cache) each run. Warm: the same change set again.
 * Warm + 10: the same 1,000 files of which 10 now have new content (the usual steady state).
 */
import type { FileChange } from '../../src/core/model/types';
import { ObjectStore } from '../../src/core/git/objectStore';
import { makePlan, type Plan } from '../../src/core/plan';
import { Validator } from '../../src/core/validation';
import { gitSync } from '../lib/git';
import type { BenchRepo } from '../lib/repos';
import { makeRng, shuffled } from '../lib/rng';
import { summarize, timed, type Summary } from '../lib/stats';

export interface ValidationFigure {
  repo: string;
  files: number;
  globs: number;
  violations: number;
  cold: Summary;
  warm: Summary;
  warmTenChanged: Summary;
}

/** 100 globs shaped like real plans: folder scopes, extension filters, braces, literals. */
export function benchPlan(seed: number): Plan {
  const rng = makeRng(seed ^ 0x91a7);
  const allowed = new Set(['**/*.md', 'README.md', '.gitignore']);
  const pick = (n: number) => Math.floor(rng() * n);
  for (let i = 0; allowed.size < 80; i++) {
    const t = pick(22);
    const m = pick(20);
    switch (i % 5) {
      case 0: allowed.add(`pkg${t}/**`); break;
      case 1: allowed.add(`pkg${t}/mod${m}/**/*.ts`); break;
      case 2: allowed.add(`pkg${t}/mod${m}/part*/file{1,2,3}?.{js,json}`); break;
      case 3: allowed.add(`pkg${t}/mod${m}`); break;
      default: allowed.add(`**/mod${m}/part${pick(5000)}/*.py`);
    }
  }
  const forbidden = new Set(['**/*.env', '**/secrets/**', '**/*.pem', '.github/workflows/**']);
  for (let i = 0; forbidden.size < 20; i++) {
    forbidden.add(i % 2 ? `pkg${pick(22)}/mod${pick(20)}/part${pick(5000)}/**` : `pkg${pick(22)}/mod${pick(20)}/part*/file1${pick(10)}.txt`);
  }
  return makePlan({ version: 1, allowed: [...allowed], forbidden: [...forbidden] });
}

export async function validationFigure(repo: BenchRepo, runs: { cold: number; warm: number }): Promise<ValidationFigure> {
  const listing = gitSync(repo.dir, ['ls-tree', '-r', '-l', '-z', repo.commit]).split('\0').filter(Boolean);
  const blobs = listing.map((line) => {
    const [meta, p] = line.split('\t') as [string, string];
    const [mode, , oid, size] = meta.split(/ +/) as [string, string, string, string];
    return { path: p, mode, oid, size: Number(size) };
  });
  const order = shuffled(blobs, makeRng(repo.seed ^ 0x7a11));
  const changes: FileChange[] = order.slice(0, 1000).map((b) => ({
    path: b.path,
    status: 'M',
    mode: '100644',
    oldMode: '100644',
    oid: b.oid,
    oldOid: b.oid,
    size: b.size,
  }));
  // Ten of them with new content: other real blobs of the repository.
  const tenChanged = changes.map((c, i) => (i < 10 ? { ...c, oid: order[1000 + i]!.oid, size: order[1000 + i]!.size } : c));
  const plan = benchPlan(repo.seed);
  const store = await ObjectStore.open(repo.dir);
  const readBlob = async (oid: string) => (await store.read(oid))!.data;
  try {
    const cold: number[] = [];
    const warm: number[] = [];
    const warmTen: number[] = [];
    let violations = 0;
    for (let r = 0; r < runs.cold; r++) {
      const v = new Validator(plan, { worktree: repo.dir, readBlob });
      cold.push(await timed(async () => (violations = (await v.validate(changes)).violations.length)));
    }
    const v = new Validator(plan, { worktree: repo.dir, readBlob });
    await v.validate(changes);
    for (let r = 0; r < runs.warm; r++) warm.push(await timed(() => v.validate(changes)));
    for (let r = 0; r < runs.warm; r++) {
      // Alternate between the two versions so the ten files are cache misses every time.
      const w = new Validator(plan, { worktree: repo.dir, readBlob });
      await w.validate(changes);
      warmTen.push(await timed(() => w.validate(tenChanged)));
    }
    return {
      repo: repo.kind,
      files: changes.length,
      globs: plan.allowed.length + plan.forbidden.length,
      violations,
      cold: summarize(cold),
      warm: summarize(warm),
      warmTenChanged: summarize(warmTen),
    };
  } finally {
    store.close();
  }
}
