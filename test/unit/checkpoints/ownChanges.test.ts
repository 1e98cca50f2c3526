/**
 * A checkpoint lists its own changes from what its snapshot tree recorded, not from git's
 * diff of the two trees: they must be exactly what `git diff-tree -r` says, through writes,
 * deletions, folders replacing files and files replacing folders, links and modes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { CheckpointService } from '../../../src/core/checkpoints/checkpointService';
import { parseDiffTreeZ } from '../../../src/core/checkpoints/treeDiff';
import { EventLog } from '../../../src/core/events/eventLog';
import type { FileChange } from '../../../src/core/model/types';
import { makePlan } from '../../../src/core/plan';
import { Validator } from '../../../src/core/validation';
import { gitIn, makeTempRepo, referenceTree } from '../helpers/tempRepo';

const PATHS = ['a', 'b', 'd', 'd/a', 'd/b', 'd/e', 'd/e/f', 'e', 'e/x'];
type Op = { k: 'write' | 'rm' | 'link' | 'chmod' | 'mkdir'; p: string; c: string };
const opArb: fc.Arbitrary<Op> = fc.record({ k: fc.constantFrom('write', 'write', 'rm', 'link', 'chmod', 'mkdir'), p: fc.constantFrom(...PATHS), c: fc.constantFrom('1\n', '2\n', 'three\n') });

/** Applies an op like a shell would (replacing whatever stands in the way), returning the paths a watcher would report. */
function apply(wt: string, op: Op): string[] {
  const abs = (r: string) => path.join(wt, r);
  const parts = op.p.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = abs(parts.slice(0, i).join('/'));
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) fs.rmSync(dir);
    if (!st?.isDirectory()) fs.mkdirSync(dir);
  }
  const st = fs.lstatSync(abs(op.p), { throwIfNoEntry: false });
  const clear = () => st && fs.rmSync(abs(op.p), { recursive: true, force: true });
  if (op.k === 'write') {
    if (st && !st.isFile()) clear();
    fs.writeFileSync(abs(op.p), op.c);
  } else if (op.k === 'rm') clear();
  else if (op.k === 'link') {
    clear();
    fs.symlinkSync(op.c.trim(), abs(op.p));
  } else if (op.k === 'chmod') {
    if (st?.isFile()) fs.chmodSync(abs(op.p), (st.mode & 0o100) === 0 ? 0o755 : 0o644);
  } else if (!st?.isDirectory()) {
    clear();
    fs.mkdirSync(abs(op.p));
    fs.writeFileSync(abs(op.p + '/in'), op.c);
  }
  return [parts[0]!, op.p];
}

const raw = (cs: readonly FileChange[]) => cs.map(({ path: p, status, mode, oldMode, oldOid, oid }) => JSON.stringify({ p, status, mode, oldMode, oldOid, oid }));

describe('Checkpoints: own changes without re-reading trees', function () {
  this.timeout(300_000);

  it('equal git diff-tree -r of the parent and the checkpoint, step after step (property)', async () => {
    const repo = makeTempRepo({ a: 'a\n', 'd/a': 'da\n', 'd/e/f': 'f\n', 'e/x': 'x\n' });
    const base = repo.git('rev-parse', 'HEAD');
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 10 }), async (ops) => {
          const wt = path.join(repo.dir, '..', `wt${n++}`);
          repo.git('worktree', 'add', '-q', '--detach', wt, base);
          const log = new EventLog(path.join(wt, '..', `${path.basename(wt)}.jsonl`), 'p');
          const validator = new Validator(makePlan({ version: 1 }), { worktree: wt, readBlob: async (oid) => Buffer.from(gitIn(wt, 'cat-file', 'blob', oid)) });
          const svc = await CheckpointService.open({ featureId: `p${n}`, worktree: wt, baseCommit: base, log, validator });
          try {
            for (const op of ops) {
              const rec = await svc.request({ paths: apply(wt, op), trigger: 'watch' });
              assert.equal(svc.head.tree, referenceTree(wt), JSON.stringify(op));
              if (!rec) continue;
              const git = parseDiffTreeZ(gitIn(wt, 'diff-tree', '-r', '-z', '--no-renames', '--raw', rec.parent, rec.commit));
              assert.deepEqual(raw(rec.files), raw(git), `after ${JSON.stringify(op)}`);
            }
          } finally {
            await svc.dispose();
            await log.close();
          }
        }),
        { numRuns: 40, seed: 1616 },
      );
    } finally {
      repo.cleanup();
    }
  });
});
