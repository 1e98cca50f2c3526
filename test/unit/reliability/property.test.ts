/**
 * Property: for any sequence of writes, deletes, renames, mode changes, links and folder/file
 * swaps on a handful of paths, with a checkpoint after each step (from the paths a watcher would
 * report, or from a full scan), every checkpoint equals `git add -A` of the worktree at that
 * moment; a rollback to any of them reproduces it exactly (bytes, modes, links); the undo brings
 * the latest state back; and the user's index and HEAD never change.
 *
 * Runs a fixed seed so `npm test` is repeatable; AOP_FC_SEED and AOP_FC_RUNS explore further.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { makeTempRepo, type TempRepo } from '../helpers/tempRepo';
import { commitState, openLane, referenceTree, treeState, userStateBesidesFeatures, type TreeState } from './helpers';

const PATHS = ['a', 'b', 'd', 'd/a', 'd/b', 'd/e', 'd/e/f', 'e'] as const;
const CONTENTS = ['', 'x\n', 'y\r\nz\r\n', '\u0000\u00ff binary', 'long '.repeat(300)];
const TARGETS = ['a', 'd', 'd/a', '.', '..', 'missing', '../../outside'];

type Op =
  | { k: 'write'; p: string; c: string }
  | { k: 'rm'; p: string }
  | { k: 'mv'; from: string; to: string }
  | { k: 'chmod'; p: string; x: boolean }
  | { k: 'link'; p: string; target: string }
  | { k: 'mkdir'; p: string };

const pathArb = fc.constantFrom(...PATHS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('write' as const), p: pathArb, c: fc.constantFrom(...CONTENTS) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('rm' as const), p: pathArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('mv' as const), from: pathArb, to: pathArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('chmod' as const), p: pathArb, x: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('link' as const), p: pathArb, target: fc.constantFrom(...TARGETS) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('mkdir' as const), p: pathArb }) },
);
const stepArb = fc.record({ op: opArb, full: fc.boolean() });

const lstat = (abs: string) => {
  try {
    return fs.lstatSync(abs);
  } catch {
    return undefined;
  }
};

/** The agent's side: applies an op the way a shell would, never through a link, and returns the paths a watcher would report. */
function apply(wt: string, op: Op): string[] {
  const touched: string[] = [];
  const abs = (rel: string) => path.join(wt, rel);
  const ancestors = (rel: string) => rel.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  // Every folder above `rel` is a real folder (so nothing below follows a link out of the worktree).
  const reachable = (rel: string) => ancestors(rel).every((a) => lstat(abs(a))?.isDirectory());
  const makeParents = (rel: string) => {
    for (const a of ancestors(rel)) {
      const st = lstat(abs(a));
      if (st?.isDirectory()) continue;
      if (st) fs.rmSync(abs(a), { force: true });
      fs.mkdirSync(abs(a));
      touched.push(a);
    }
  };
  const remove = (rel: string) => {
    if (reachable(rel) && lstat(abs(rel))) {
      fs.rmSync(abs(rel), { recursive: true, force: true });
      touched.push(rel);
    }
  };
  switch (op.k) {
    case 'write':
      makeParents(op.p);
      // Replaces a folder or a link (writing through a link would change its target instead).
      if (lstat(abs(op.p)) && !lstat(abs(op.p))!.isFile()) remove(op.p);
      fs.writeFileSync(abs(op.p), op.c);
      touched.push(op.p);
      break;
    case 'rm':
      remove(op.p);
      break;
    case 'mv': {
      const { from, to } = op;
      if (from === to || to.startsWith(`${from}/`) || from.startsWith(`${to}/`) || !reachable(from) || !lstat(abs(from))) break;
      makeParents(to);
      if (!lstat(abs(from))) break; // making room removed it
      remove(to);
      fs.renameSync(abs(from), abs(to));
      touched.push(from, to);
      break;
    }
    case 'chmod':
      if (reachable(op.p) && lstat(abs(op.p))?.isFile()) {
        fs.chmodSync(abs(op.p), op.x ? 0o755 : 0o644);
        touched.push(op.p);
      }
      break;
    case 'link':
      makeParents(op.p);
      remove(op.p);
      fs.symlinkSync(op.target, abs(op.p));
      touched.push(op.p);
      break;
    case 'mkdir':
      makeParents(op.p);
      if (!lstat(abs(op.p))?.isDirectory()) {
        remove(op.p);
        fs.mkdirSync(abs(op.p));
        touched.push(op.p);
      }
      break;
  }
  return touched;
}

describe('reliability: rollback reproduces any checkpoint (property)', function () {
  this.timeout(300_000);
  let repo: TempRepo;

  before(() => {
    repo = makeTempRepo({ a: 'base a\n', 'd/a': 'base d/a\n', 'd/e/f': 'base f\n' });
  });

  after(() => repo.cleanup());

  it('random writes, deletes, renames, modes, links and folder/file swaps: every checkpoint exact, every rollback exact, undo exact, user state untouched', async () => {
    const base = repo.git('rev-parse', 'HEAD');
    const user = userStateBesidesFeatures(repo.dir);
    const baseState = commitState(repo.dir, base);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 15 }), fc.nat(), async (steps, pick) => {
        const lane = await openLane(repo.dir, `prop-${run++}`, base);
        try {
          const states = new Map<number, TreeState>([[0, baseState]]);
          for (const { op, full } of steps) {
            const touched = apply(lane.wt, op);
            const rec = await lane.svc.request(full ? { full: true, trigger: 'reconcile' } : { paths: touched, trigger: 'watch' });
            assert.equal(lane.svc.head.tree, referenceTree(lane.wt), `after ${JSON.stringify(op)} (${full ? 'full scan' : 'watched paths'})`);
            if (rec) states.set(rec.seq, treeState(lane.wt));
          }
          const latest = treeState(lane.wt);
          const seqs = [...states.keys()];
          const target = seqs[pick % seqs.length]!;
          const r = await lane.rb.toCheckpoint(target);
          assert.equal(r.ok, true);
          assert.deepEqual(treeState(lane.wt), states.get(target), `rollback to checkpoint ${target} is exact`);
          if (target > 0) assert.deepEqual(commitState(repo.dir, await lane.svc.commitOf(target)), states.get(target));
          const u = await lane.rb.undo();
          assert.equal(u.ok, true);
          assert.deepEqual(treeState(lane.wt), latest, 'undo is exact');
          assert.equal(userStateBesidesFeatures(repo.dir), user, 'the user index, HEAD and branches never change');
        } finally {
          await lane.close();
        }
      }),
      { numRuns: Number(process.env.AOP_FC_RUNS ?? 20), seed: Number(process.env.AOP_FC_SEED ?? 20261126), endOnFailure: false },
    );
  });
});
