/**
 * Checkpoints that race: two asked for at once on one feature, one racing a rollback, and five
 * features checkpointing at once in one repository (one object store, one refs folder).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Orchestrator } from '../../../src/core/orchestrator';
import { makeTempRepo, userState, type TempRepo } from '../helpers/tempRepo';
import { assertRefsConsistent, commitState, openLane, treeState, write, type Lane, referenceTree } from './helpers';
import { testOrchestrator } from '../helpers/testOrchestrator';

describe('reliability: concurrent checkpoints', function () {
  this.timeout(120_000);
  let repo: TempRepo;
  let base: string;
  const lanes: Lane[] = [];
  let orch: Orchestrator | undefined;

  beforeEach(() => {
    repo = makeTempRepo({ 'README.md': '# r\n', 'src/a.ts': 'a1\n' });
    base = repo.git('rev-parse', 'HEAD');
  });

  afterEach(async () => {
    for (const l of lanes.splice(0)) await l.close();
    await orch?.dispose();
    orch = undefined;
    repo.cleanup();
  });

  const lane = async (id: string) => {
    const l = await openLane(repo.dir, id, base);
    lanes.push(l);
    return l;
  };

  it('two checkpoints asked for at once on one feature: merged into one record holding both, the most telling trigger', async () => {
    const l = await lane('two');
    write(l.wt, 'src/x.ts', 'x\n');
    write(l.wt, 'src/y.ts', 'y\n');
    const [r1, r2] = await Promise.all([l.svc.request({ paths: ['src/x.ts'], trigger: 'watch' }), l.svc.request({ paths: ['src/y.ts'], trigger: 'manual' })]);
    assert.ok(r1 && r2);
    assert.equal(r1, r2, 'both callers get the same checkpoint');
    assert.equal(r1.trigger, 'manual');
    assert.deepEqual(r1.files.map((f) => f.path), ['src/x.ts', 'src/y.ts']);
    assert.equal(r1.tree, referenceTree(l.wt));
    assertRefsConsistent(repo.dir, 'two', base);
  });

  it('a second request while one runs becomes the next checkpoint, chained to the first; never two at once', async () => {
    const l = await lane('next');
    write(l.wt, 'src/x.ts', 'x\n');
    const first = l.svc.request({ paths: ['src/x.ts'], trigger: 'watch' });
    await new Promise((r) => setImmediate(r)); // the first has started: the lane is busy, nothing is pending
    write(l.wt, 'src/y.ts', 'y\n');
    const second = l.svc.request({ paths: ['src/y.ts'], trigger: 'watch' });
    const [r1, r2] = await Promise.all([first, second]);
    assert.ok(r1 && r2);
    assert.equal(r2.parent, r1.commit);
    assert.deepEqual(r2.files.map((f) => f.path), ['src/y.ts']);
    assert.equal(r2.tree, referenceTree(l.wt));
    assert.deepEqual(
      assertRefsConsistent(repo.dir, 'next', base).map((r) => r.seq),
      [1, 2],
    );
  });

  it('a checkpoint asked for during a rollback waits for it, and records the rolled-back state', async () => {
    const l = await lane('rbrace');
    write(l.wt, 'src/a.ts', 'a2\n');
    const cp1 = (await l.svc.request({ full: true, trigger: 'manual' }))!;
    const at1 = treeState(l.wt);
    for (let i = 0; i < 200; i++) write(l.wt, `src/gen/g${i}.ts`, `${i}\n`);
    const [rb, cp] = await Promise.all([l.rb.toCheckpoint(cp1.seq), l.svc.request({ full: true, trigger: 'watch' })]);
    assert.equal(rb.ok, true);
    assert.equal(cp, undefined, 'nothing left to record after the rollback');
    assert.deepEqual(treeState(l.wt), at1);
    const refs = assertRefsConsistent(repo.dir, 'rbrace', base);
    assert.deepEqual(commitState(repo.dir, refs.at(-1)!.commit), at1);
    assert.equal(Object.keys(commitState(repo.dir, refs.find((r) => r.seq === rb.preRollbackSeq)!.commit)).filter((p) => p.startsWith('src/gen/')).length, 200, 'the pre-rollback checkpoint kept all 200 new files');
  });

  it('five features checkpoint at once in one repository, each in its own lane, 8 rounds each', async () => {
    const ls = await Promise.all(['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => lane(id)));
    await Promise.all(
      ls.map(async (l, n) => {
        for (let round = 0; round < 8; round++) {
          const paths: string[] = [];
          for (let k = 0; k < 15; k++) {
            const rel = `src/${l.id}/r${round % 3}/f${k}.ts`;
            write(l.wt, rel, `${l.id} round ${round} file ${k}\n`);
            paths.push(rel);
          }
          if (round % 4 === 3) fs.rmSync(path.join(l.wt, `src/${l.id}/r0`), { recursive: true, force: true });
          await l.svc.request(round % 2 === n % 2 ? { paths: [...paths, `src/${l.id}/r0`], trigger: 'watch' } : { full: true, trigger: 'reconcile' });
        }
      }),
    );
    for (const l of ls) {
      const refs = assertRefsConsistent(repo.dir, l.id, base);
      assert.equal(refs.length, 8);
      const last = commitState(repo.dir, refs.at(-1)!.commit);
      assert.deepEqual(last, treeState(l.wt), `${l.id}: the last checkpoint is exactly its worktree`);
      assert.ok(Object.keys(last).every((p) => !p.startsWith('src/p') || p.startsWith(`src/${l.id}/`)), `${l.id} holds no other feature's files`);
    }
  });

  it('five features created at once through the orchestrator, each written and checkpointed at once; the user checkout untouched', async () => {
    const before = userState(repo.dir);
    orch = await testOrchestrator(repo.dir);
    const ids = ['c1', 'c2', 'c3', 'c4', 'c5'];
    const created = await Promise.all(ids.map((id) => orch!.createFeature({ id, baseRef: 'main', spec: `# ${id}\n` })));
    await Promise.all(
      created.map(async (f) => {
        for (let k = 0; k < 40; k++) write(f.worktree!, `src/${f.id}/f${k}.ts`, `${f.id} ${k}\n`);
        await orch!.checkpointNow(f.id);
      }),
    );
    for (const f of created) {
      const refs = assertRefsConsistent(repo.dir, f.id, repo.git('rev-parse', 'main'));
      assert.equal(repo.git('rev-parse', `${refs.at(-1)!.commit}^{tree}`), referenceTree(f.worktree!));
      assert.equal(orch.listCheckpoints(f.id).at(-1)?.commit, refs.at(-1)!.commit);
    }
    const after = JSON.parse(userState(repo.dir)) as Record<string, string>;
    const was = JSON.parse(before) as Record<string, string>;
    assert.equal(after.head, was.head);
    assert.equal(after.idx, was.idx);
    assert.deepEqual(
      after.branches!.split('\n').filter((l) => !l.includes('refs/heads/aop/')),
      was.branches!.split('\n'),
    );
  });
});
