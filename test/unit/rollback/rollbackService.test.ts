import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makePlan } from '../../../src/core/plan';
import { RollbackService, type RollbackResult } from '../../../src/core/rollback/rollbackService';
import { worktreeWriter, type WorktreeWriter } from '../../../src/core/rollback/worktreeWriter';
import { AopError } from '../../../src/core/util/errors';
import { gitIn, makeTempDir, referenceTree, userState } from '../helpers/tempRepo';
import { useCheckpointedWorktree } from '../helpers/checkpointedWorktree';

/** Bytes, modes and links of every file in a folder (except .git), for exact comparisons. */
function treeState(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (r === '.git') continue;
      const abs = path.join(dir, r);
      const st = fs.lstatSync(abs);
      if (st.isSymbolicLink()) out[r] = `link:${fs.readlinkSync(abs)}`;
      else if (st.isDirectory()) walk(r);
      else out[r] = `${st.mode & 0o111 ? 'x' : '-'}:${fs.readFileSync(abs).toString('base64')}`;
    }
  };
  walk('');
  return out;
}

describe('RollbackService', () => {
  const t = useCheckpointedWorktree({ 'README.md': '# r\n', 'src/a.ts': 'a1\n', 'src/b.ts': 'b1\n' }, () => makePlan({ version: 1, allowed: ['src/**'], forbidden: ['src/secret/**'] }));

  const w = (rel: string, content: string, mode?: number) => {
    fs.mkdirSync(path.dirname(path.join(t.wt, rel)), { recursive: true });
    fs.writeFileSync(path.join(t.wt, rel), content);
    if (mode !== undefined) fs.chmodSync(path.join(t.wt, rel), mode);
  };

  it('restores a whole checkpoint exactly (bytes, modes, symlinks, created and deleted files) and can be undone', async () => {
    w('src/a.ts', 'a2\n');
    w('src/tool.sh', '#!/bin/sh\n', 0o755);
    fs.symlinkSync('a.ts', path.join(t.wt, 'src/link'));
    const cp1 = await t.svc.request({ full: true, trigger: 'manual' });
    const at1 = treeState(t.wt);
    // The agent goes on: edits, deletes, creates, flips modes, retargets a link.
    w('src/a.ts', 'a3\n');
    fs.rmSync(path.join(t.wt, 'src/b.ts'));
    w('src/new/deep/c.ts', 'c\n');
    fs.chmodSync(path.join(t.wt, 'src/tool.sh'), 0o644);
    fs.rmSync(path.join(t.wt, 'src/link'));
    fs.symlinkSync('b.ts', path.join(t.wt, 'src/link'));
    const before = userState(t.repo.dir);
    const atLatest = treeState(t.wt);

    const r = await t.rb.toCheckpoint(cp1!.seq);
    assert.equal(r.ok, true);
    assert.deepEqual(treeState(t.wt), at1, 'worktree equals checkpoint 1 exactly');
    assert.equal(fs.existsSync(path.join(t.wt, 'src/new')), false, 'folders left empty are removed');
    assert.equal(referenceTree(t.wt), cp1!.tree);
    assert.equal(userState(t.repo.dir), before, 'user index/HEAD untouched');

    const u = await t.rb.undo();
    assert.equal(u.ok, true);
    assert.deepEqual(treeState(t.wt), atLatest, 'undo brings back the pre-rollback state');
    assert.equal(u.targetSeq, r.preRollbackSeq);
  });

  it('rolls back chosen files only', async () => {
    w('src/a.ts', 'a2\n');
    w('src/b.ts', 'b2\n');
    await t.svc.request({ full: true, trigger: 'manual' });
    const r = await t.rb.files(0, ['src/a.ts']);
    assert.deepEqual(r.paths, ['src/a.ts']);
    assert.equal(fs.readFileSync(path.join(t.wt, 'src/a.ts'), 'utf8'), 'a1\n');
    assert.equal(fs.readFileSync(path.join(t.wt, 'src/b.ts'), 'utf8'), 'b2\n');
  });

  it('smart rollback reverts only violating files, each to its last clean version', async () => {
    w('src/a.ts', 'a2 good\n');
    await t.svc.request({ full: true, trigger: 'watch' });
    w('src/a.ts', 'a3 good\n');
    w('docs/out-of-scope.md', 'nope\n');
    w('src/secret/key.txt', 'k\n');
    const cp = await t.svc.request({ full: true, trigger: 'watch' });
    assert.deepEqual(cp!.violations.map((v) => v.kind).sort(), ['forbidden_path', 'out_of_scope']);
    const r = await t.rb.smart();
    assert.deepEqual([...r.paths].sort(), ['docs/out-of-scope.md', 'src/secret/key.txt']);
    assert.equal(fs.existsSync(path.join(t.wt, 'docs')), false);
    assert.equal(fs.existsSync(path.join(t.wt, 'src/secret')), false);
    assert.equal(fs.readFileSync(path.join(t.wt, 'src/a.ts'), 'utf8'), 'a3 good\n', 'clean work is kept');
    assert.deepEqual(t.svc.violations, []);
  });

  it('never writes through a symlink an agent planted where a folder was', async () => {
    const outside = makeTempDir('aop-outside-');
    await t.svc.request({ full: true, trigger: 'manual' });
    fs.rmSync(path.join(t.wt, 'src'), { recursive: true });
    fs.symlinkSync(outside, path.join(t.wt, 'src'));
    await t.rb.toCheckpoint(0);
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing written outside the worktree');
    assert.equal(fs.lstatSync(path.join(t.wt, 'src')).isDirectory(), true);
    assert.equal(fs.readFileSync(path.join(t.wt, 'src/a.ts'), 'utf8'), 'a1\n');
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('refuses an unknown checkpoint and a path outside the worktree, changing nothing', async () => {
    w('src/a.ts', 'a2\n');
    const before = treeState(t.wt);
    await assert.rejects(t.rb.toCheckpoint(42), (e) => AopError.is(e, 'NOT_FOUND'));
    await assert.rejects(t.rb.files(0, ['../etc/passwd']), (e) => AopError.is(e, 'INVALID_PATH'));
    assert.deepEqual(treeState(t.wt), before);
  });

  it('completes an interrupted rollback from its journal', async () => {
    w('src/a.ts', 'a2\n');
    await t.svc.request({ full: true, trigger: 'manual' });
    const blob = gitIn(t.wt, 'rev-parse', `${t.repo.git('rev-parse', 'main')}:src/a.ts`);
    // As if the process died after journaling but before writing anything.
    fs.writeFileSync(
      path.join(t.repo.dir, '..', 'rollback.json'),
      JSON.stringify({ kind: 'checkpoint', targetSeq: 0, preRollbackSeq: 1, items: [{ path: 'src/a.ts', fromSeq: 0, action: 'restore', to: { mode: '100644', oid: blob } }] }),
    );
    const r = await t.rb.recover();
    assert.equal(r?.ok, true);
    assert.equal(fs.readFileSync(path.join(t.wt, 'src/a.ts'), 'utf8'), 'a1\n');
    assert.equal(fs.existsSync(path.join(t.repo.dir, '..', 'rollback.json')), false);
  });

  it('with a live watcher, the safety checkpoint still captures every file it overwrites, even one the watcher missed', async () => {
    w('src/a.ts', 'a2\n');
    await t.svc.request({ full: true, trigger: 'manual' });
    const watchedRb = new RollbackService({ worktree: t.wt, checkpoints: t.svc, log: t.log, watched: () => true });
    w('src/a.ts', 'unseen edit\n'); // no checkpoint knows this content
    const r = await watchedRb.toCheckpoint(0);
    assert.equal(fs.readFileSync(path.join(t.wt, 'src/a.ts'), 'utf8'), 'a1\n');
    assert.equal(gitIn(t.wt, 'show', `refs/aop/f1/${r.preRollbackSeq}:src/a.ts`), 'unseen edit');
    await watchedRb.undo();
    assert.equal(fs.readFileSync(path.join(t.wt, 'src/a.ts'), 'utf8'), 'unseen edit\n');
  });

  describe('never claims what it did not do, never destroys what it cannot bring back', () => {
    /** A writer that does everything right except for `victim`, which it skips or corrupts without a word. */
    const faulty = (victim: string, fault: 'skip' | 'corrupt') => (root: string): WorktreeWriter => {
      const real = worktreeWriter(root);
      return {
        write: (rel, entry) => (rel !== victim ? real.write(rel, entry) : fault === 'skip' ? Promise.resolve() : real.write(rel, { ...entry, data: Buffer.from('corrupted\n') })),
        remove: (rel) => (rel !== victim ? real.remove(rel) : fault === 'skip' ? Promise.resolve() : real.write(rel, { mode: '100644', data: Buffer.from('corrupted\n') })),
      };
    };

    const failedResult = (e: unknown): RollbackResult => {
      assert.ok(AopError.is(e, 'ROLLBACK_FAILED'), `expected ROLLBACK_FAILED, got ${String(e)}`);
      return (e.details as { result: RollbackResult }).result;
    };

    for (const fault of ['skip', 'corrupt'] as const) {
      for (const victim of ['src/a.ts', 'src/new.ts'] as const) {
        it(`a writer that silently ${fault === 'skip' ? 'skips' : 'corrupts'} ${victim === 'src/a.ts' ? 'a restore' : 'a deletion'}: the rollback fails and names the path`, async () => {
          w('src/a.ts', 'a2\n');
          w('src/new.ts', 'new\n');
          w('src/b.ts', 'b2\n');
          await t.svc.request({ full: true, trigger: 'manual' });
          const bad = new RollbackService({ worktree: t.wt, checkpoints: t.svc, log: t.log, writer: faulty(victim, fault) });
          const r = failedResult(await bad.toCheckpoint(0).then(() => undefined, (e: unknown) => e));
          assert.equal(r.ok, false);
          assert.deepEqual(r.mismatches, [victim]);
          assert.equal(fs.readFileSync(path.join(t.wt, 'src/b.ts'), 'utf8'), 'b1\n', 'the rest was restored');
          const { events } = await t.log.read();
          const rec = events.filter((e) => e.t === 'rollback').pop();
          assert.ok(rec && rec.t === 'rollback' && rec.ok === false && rec.mismatches?.includes(victim), 'logged as a failure');
        });
      }
    }

    it('the same for files, smart and undo: a path the writer skipped makes each of them fail', async () => {
      w('src/a.ts', 'a2\n');
      w('docs/out.md', 'out of scope\n');
      await t.svc.request({ full: true, trigger: 'manual' });
      const files = new RollbackService({ worktree: t.wt, checkpoints: t.svc, log: t.log, writer: faulty('src/a.ts', 'skip') });
      assert.deepEqual(failedResult(await files.files(0, ['src/a.ts']).then(() => undefined, (e: unknown) => e)).mismatches, ['src/a.ts']);
      const smart = new RollbackService({ worktree: t.wt, checkpoints: t.svc, log: t.log, writer: faulty('docs/out.md', 'skip') });
      assert.deepEqual(failedResult(await smart.smart().then(() => undefined, (e: unknown) => e)).mismatches, ['docs/out.md']);
      const good = await t.rb.toCheckpoint(0);
      assert.ok(good.paths.includes('src/a.ts'));
      const undo = new RollbackService({ worktree: t.wt, checkpoints: t.svc, log: t.log, writer: faulty('src/a.ts', 'corrupt') });
      assert.deepEqual(failedResult(await undo.undo().then(() => undefined, (e: unknown) => e)).mismatches, ['src/a.ts']);
    });

    it('smart rollback leaves a nested repository that broke the plan in place, says why, and undo keeps it too', async () => {
      const inner = path.join(t.wt, 'nested');
      fs.mkdirSync(inner);
      gitIn(inner, 'init', '-q');
      w('nested/work.txt', 'precious\n');
      gitIn(inner, 'add', '-A');
      gitIn(inner, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'nested work');
      const head = gitIn(inner, 'rev-parse', 'HEAD');
      w('docs/out.md', 'out of scope\n');
      const cp = await t.svc.request({ full: true, trigger: 'watch' });
      assert.ok(cp!.violations.some((v) => v.path === 'nested'), 'the nested repository is out of scope');
      const r = await t.rb.smart();
      assert.equal(r.ok, true);
      assert.deepEqual(r.paths, ['docs/out.md']);
      assert.deepEqual(r.skipped.map((s) => s.path), ['nested']);
      assert.match(r.skipped[0]!.reason, /nested git repository/);
      assert.equal(gitIn(inner, 'rev-parse', 'HEAD'), head, 'its history is intact');
      assert.equal(fs.readFileSync(path.join(inner, 'work.txt'), 'utf8'), 'precious\n');
      const { events } = await t.log.read();
      assert.ok(events.some((e) => e.t === 'rollback' && e.skipped?.some((s) => s.path === 'nested')), 'the t.log says what was left alone');
      const u = await t.rb.undo();
      assert.equal(u.ok, true);
      assert.equal(fs.readFileSync(path.join(t.wt, 'docs/out.md'), 'utf8'), 'out of scope\n');
      assert.equal(gitIn(inner, 'rev-parse', 'HEAD'), head);
      assert.equal(fs.readFileSync(path.join(inner, 'work.txt'), 'utf8'), 'precious\n');
    });

    it('a file over the snapshot limit where a snapshotted one was: left in place and reported, by rollback and undo', async () => {
      w('src/a.ts', 'a2\n');
      await t.svc.request({ full: true, trigger: 'manual' });
      const big = path.join(t.wt, 'src/a.ts');
      fs.truncateSync(big, 65 * 2 ** 20); // sparse: costs no disk
      fs.writeFileSync(big, 'the start of something big', { flag: 'r+' });
      const r = await t.rb.toCheckpoint(0);
      assert.equal(r.ok, true);
      assert.deepEqual(r.skipped.map((s) => s.path), ['src/a.ts']);
      assert.match(r.skipped[0]!.reason, /snapshot limit/);
      assert.equal(fs.statSync(big).size, 65 * 2 ** 20, 'the big file is untouched');
      const u = await t.rb.undo();
      assert.equal(u.ok, true);
      assert.equal(fs.statSync(big).size, 65 * 2 ** 20);
    });

    it('a folder holding a name no checkpoint can hold, where the target has a file: the folder is left in place', async function () {
      if (process.platform !== 'linux') this.skip();
      w('src/d', 'a file\n');
      const cp = await t.svc.request({ full: true, trigger: 'manual' });
      fs.rmSync(path.join(t.wt, 'src/d'));
      w('src/d/ok.ts', 'ok\n');
      const badName = Buffer.concat([Buffer.from(path.join(t.wt, 'src/d') + '/'), Buffer.from([0x66, 0xff, 0x2e, 0x74])]);
      fs.writeFileSync(badName, 'not UTF-8\n');
      const r = await t.rb.toCheckpoint(cp!.seq);
      assert.equal(r.ok, true);
      assert.ok(r.skipped.some((s) => s.path === 'src/d' && /UTF-8/.test(s.reason)), JSON.stringify(r.skipped));
      assert.equal(fs.readFileSync(badName, 'utf8'), 'not UTF-8\n', 'the file with the odd name is still there');
    });

    it('an ignored file where the target has a file is left in place, with the reason', async () => {
      w('.gitignore', 'build/\n'); // folders named build only: the file is snapshotted
      w('build', 'snapshotted at first\n');
      const cp = await t.svc.request({ full: true, trigger: 'manual' });
      fs.rmSync(path.join(t.wt, 'build'));
      w('build/out.bin', 'ignored output\n');
      const r = await t.rb.toCheckpoint(cp!.seq);
      assert.equal(r.ok, true);
      assert.ok(r.skipped.some((s) => s.path === 'build' && /ignored/.test(s.reason)), JSON.stringify(r.skipped));
      assert.equal(fs.readFileSync(path.join(t.wt, 'build/out.bin'), 'utf8'), 'ignored output\n');
    });
  });
});
