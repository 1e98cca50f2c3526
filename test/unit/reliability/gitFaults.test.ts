/**
 * git fails under the checkpoint engine: a ref lock held by another process, a held
 * packed-refs.lock, a corrupt object, a full disk. Each time the error is surfaced (AopError
 * GIT_FAILED, a checkpoint.failed event), the circuit breaker counts it, nothing is half written
 * (the refs are as before), and once the fault is cleared the next checkpoint is exact.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFeatureState } from '../../../src/core/features/featureState';
import type { FeatureRuntime } from '../../../src/core/orchestrator/featureRuntime';
import { AopError } from '../../../src/core/util/errors';
import { makeTempDir, makeTempRepo, type TempRepo } from '../helpers/tempRepo';
import { REPO_ROOT, assertRefsConsistent, checkpointRefs, openLane, openRuntime, referenceTree, write } from './helpers';
import { CheckpointHistory } from '../../../src/core/checkpoints/checkpointHistory';

describe('reliability: git fails under a checkpoint', function () {
  this.timeout(60_000);
  let repo: TempRepo;
  let base: string;
  let rt: FeatureRuntime | undefined;

  beforeEach(() => {
    repo = makeTempRepo({ 'README.md': '# r\n', 'src/a.ts': 'a1\n' });
    base = repo.git('rev-parse', 'HEAD');
  });

  afterEach(async () => {
    await rt?.dispose();
    rt = undefined;
    repo.cleanup();
  });

  /**
   * Three guarded checkpoints under `fault`: each fails with GIT_FAILED in the log, the third opens
   * the breaker (persisted to state.json), and refs/aop is exactly as before. Then the fault is
   * cleared, the breaker reset, and the next checkpoint equals `git add -A` of the worktree.
   */
  async function failsCleanlyThenRecovers(r: FeatureRuntime, fault: () => void, clear: () => void, edit: (i: number) => string): Promise<void> {
    const before = checkpointRefs(repo.dir, r.id);
    const logged = (await r.log.read()).events.length;
    fault();
    try {
      const p0 = edit(0);
      await assert.rejects(r.checkpoints.request({ paths: [p0], trigger: 'watch' }), (e) => AopError.is(e, 'GIT_FAILED'));
      for (let i = 1; i <= 3; i++) {
        const p = edit(i);
        assert.equal(await r.checkpointGuarded({ paths: [p], trigger: 'watch' }), undefined);
        assert.equal(r.breaker.state.open, i === 3, `breaker open after ${i} failure(s)`);
      }
      assert.deepEqual(checkpointRefs(repo.dir, r.id), before, 'refs/aop unchanged by the failed checkpoints');
      const events = (await r.log.read()).events.slice(logged);
      const failed = events.filter((e) => e.t === 'checkpoint.failed');
      assert.equal(failed.length, 4);
      assert.ok(failed.every((e) => e.t === 'checkpoint.failed' && e.code === 'GIT_FAILED' && e.error.length > 0));
      assert.ok(events.some((e) => e.t === 'breaker' && e.state === 'open' && e.failures === 3));
      assert.ok(!events.some((e) => e.t === 'checkpoint' || e.t === 'validation'), 'no record of a checkpoint that does not exist');
      assert.equal((await readFeatureState(r.paths.state)).breaker.open, true, 'the open breaker survives a restart');
    } finally {
      clear();
    }
    await r.resetBreaker();
    const rec = await r.checkpointGuarded({ full: true, trigger: 'reconcile' });
    assert.ok(rec, 'the checkpoint after the fault is cleared succeeds');
    assert.equal(rec.seq, (before.at(-1)?.seq ?? 0) + 1);
    assert.equal(rec.parent, before.at(-1)?.commit ?? base);
    assert.equal(rec.tree, referenceTree(r.worktree));
    assert.equal(r.breaker.state.failures, 0);
    assertRefsConsistent(repo.dir, r.id, base);
  }

  it('a ref lock held by another process (refs/aop/<id>/<next>.lock)', async () => {
    rt = await openRuntime(repo, 'lock', base);
    write(rt.worktree, 'src/one.ts', '1\n');
    const first = await rt.checkpoints.request({ full: true, trigger: 'manual' });
    const lock = path.join(repo.dir, '.git', 'refs', 'aop', 'lock', `${first!.seq + 1}.lock`);
    await failsCleanlyThenRecovers(
      rt,
      () => fs.writeFileSync(lock, ''),
      () => fs.rmSync(lock),
      (i) => {
        write(rt!.worktree, `src/f${i}.ts`, `${i}\n`);
        return `src/f${i}.ts`;
      },
    );
  });

  it('a lock on the first checkpoint ref of a new feature (its ref folder does not exist yet)', async () => {
    rt = await openRuntime(repo, 'lock0', base);
    const dir = path.join(repo.dir, '.git', 'refs', 'aop', 'lock0');
    await failsCleanlyThenRecovers(
      rt,
      () => {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, '1.lock'), '');
      },
      () => fs.rmSync(path.join(dir, '1.lock')),
      (i) => {
        write(rt!.worktree, `src/f${i}.ts`, `${i}\n`);
        return `src/f${i}.ts`;
      },
    );
  });

  it('a held packed-refs.lock: checkpoints go on (loose refs), deleting refs fails whole with GIT_FAILED and deletes none', async () => {
    const lane = await openLane(repo.dir, 'packed', base);
    try {
      write(lane.wt, 'src/x.ts', 'x\n');
      await lane.svc.request({ full: true, trigger: 'manual' });
      const lock = path.join(repo.dir, '.git', 'packed-refs.lock');
      fs.writeFileSync(lock, '');
      try {
        write(lane.wt, 'src/y.ts', 'y\n');
        const rec = await lane.svc.request({ full: true, trigger: 'manual' });
        assert.equal(rec?.tree, referenceTree(lane.wt));
        const refs = checkpointRefs(repo.dir, 'packed');
        await assert.rejects(CheckpointHistory.deleteAll(lane.wt, 'packed'), (e) => AopError.is(e, 'GIT_FAILED') && /packed-refs\.lock/.test(JSON.stringify((e as AopError).details)));
        assert.deepEqual(checkpointRefs(repo.dir, 'packed'), refs, 'an all-or-nothing transaction: no ref deleted');
      } finally {
        fs.rmSync(lock);
      }
      assertRefsConsistent(repo.dir, 'packed', base);
    } finally {
      await lane.close();
    }
  });

  it('a corrupt object that the checkpoint must read', async () => {
    rt = await openRuntime(repo, 'corrupt', base);
    write(rt.worktree, 'src/a.ts', 'a2\n');
    // A loose copy first: a checkpoint packs only objects the store does not have yet, so this one stays a file to corrupt.
    repo.git('hash-object', '-w', '--no-filters', path.join(rt.worktree, 'src/a.ts'));
    await rt.checkpoints.request({ full: true, trigger: 'manual' });
    // Opened again, the feature holds no bytes in memory: the next checkpoint must read the blob
    // of a2 from git (for its line counts). Corrupt that loose object.
    await rt.dispose();
    rt = await openRuntime(repo, 'corrupt', base);
    const oid = repo.git('rev-parse', `refs/aop/corrupt/1:src/a.ts`);
    const file = path.join(repo.dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
    const saved = fs.readFileSync(file);
    await failsCleanlyThenRecovers(
      rt,
      () => {
        fs.chmodSync(file, 0o644);
        fs.writeFileSync(file, 'this is not a zlib stream');
      },
      () => fs.writeFileSync(file, saved),
      (i) => {
        write(rt!.worktree, 'src/a.ts', `a${i + 3}\n`);
        return 'src/a.ts';
      },
    );
  });

  it('a full disk (a small tmpfs in a user namespace): GIT_FAILED, refs unchanged, exact once space is freed', function () {
    const mnt = makeTempDir('aop-diskfull-');
    const probe = spawnSync('unshare', ['-Urm', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs "$0"', mnt], { stdio: 'ignore' });
    if (probe.status !== 0) {
      // Needs unprivileged user and mount namespaces; without them a full disk cannot be simulated without root mounts.
      fs.rmSync(mnt, { recursive: true, force: true });
      this.skip();
    }
    const outside = makeTempDir('aop-diskfull-out-');
    try {
      const script = path.join(__dirname, 'diskFullWorker.ts');
      const cmd = `mount -t tmpfs -o size=3m tmpfs "$0" && exec "$1" --import tsx "$2" "$0" "$3"`;
      const out = execFileSync('unshare', ['-Urm', 'sh', '-c', cmd, mnt, process.execPath, script, outside], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const r = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
      assert.equal(r.firstError, 'GIT_FAILED', `the full disk is surfaced as GIT_FAILED (${String(r.firstMessage)})`);
      assert.match(String(r.firstMessage), /space|No space|ENOSPC|write/i);
      assert.equal(r.refsUnchanged, true, 'refs/aop unchanged while the disk is full');
      assert.equal(r.logged, true, 'checkpoint.failed is in the log (kept on another disk)');
      assert.equal(r.afterEqualsReference, true, 'the checkpoint after space is freed equals git add -A');
      assert.equal(r.consistent, true, 'every checkpoint ref chains to the base with all its objects');
    } finally {
      fs.rmSync(mnt, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});
