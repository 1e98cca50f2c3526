import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointService } from '../../../src/core/checkpoints/checkpointService';
import { EventLog } from '../../../src/core/events/eventLog';
import { makePlan } from '../../../src/core/plan';
import { RollbackService } from '../../../src/core/rollback/rollbackService';
import { AopError } from '../../../src/core/util/errors';
import { Validator } from '../../../src/core/validation';
import { gitIn, makeTempDir, makeTempRepo, referenceTree, userState, type TempRepo } from '../helpers/tempRepo';

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
  let repo: TempRepo;
  let wt: string;
  let svc: CheckpointService;
  let log: EventLog;
  let rb: RollbackService;

  beforeEach(async () => {
    repo = makeTempRepo({ 'README.md': '# r\n', 'src/a.ts': 'a1\n', 'src/b.ts': 'b1\n' });
    const base = repo.git('rev-parse', 'HEAD');
    wt = path.join(repo.dir, '..', 'wt');
    repo.git('worktree', 'add', '-q', '-b', 'aop/f1', wt, base);
    log = new EventLog(path.join(repo.dir, '..', 'events.jsonl'), 'f1');
    const plan = makePlan({ version: 1, allowed: ['src/**'], forbidden: ['src/secret/**'] });
    const validator = new Validator(plan, { worktree: wt, readBlob: async (oid) => Buffer.from(gitIn(wt, 'cat-file', 'blob', oid)) });
    svc = await CheckpointService.open({ featureId: 'f1', worktree: wt, baseCommit: base, log, validator });
    rb = new RollbackService({ worktree: wt, checkpoints: svc, log, journalFile: path.join(repo.dir, '..', 'rollback.json') });
  });

  afterEach(async () => {
    await svc.dispose();
    await log.close();
    repo.cleanup();
  });

  const w = (rel: string, content: string, mode?: number) => {
    fs.mkdirSync(path.dirname(path.join(wt, rel)), { recursive: true });
    fs.writeFileSync(path.join(wt, rel), content);
    if (mode !== undefined) fs.chmodSync(path.join(wt, rel), mode);
  };

  it('restores a whole checkpoint exactly (bytes, modes, symlinks, created and deleted files) and can be undone', async () => {
    w('src/a.ts', 'a2\n');
    w('src/tool.sh', '#!/bin/sh\n', 0o755);
    fs.symlinkSync('a.ts', path.join(wt, 'src/link'));
    const cp1 = await svc.request({ full: true, trigger: 'manual' });
    const at1 = treeState(wt);
    // The agent goes on: edits, deletes, creates, flips modes, retargets a link.
    w('src/a.ts', 'a3\n');
    fs.rmSync(path.join(wt, 'src/b.ts'));
    w('src/new/deep/c.ts', 'c\n');
    fs.chmodSync(path.join(wt, 'src/tool.sh'), 0o644);
    fs.rmSync(path.join(wt, 'src/link'));
    fs.symlinkSync('b.ts', path.join(wt, 'src/link'));
    const before = userState(repo.dir);
    const atLatest = treeState(wt);

    const r = await rb.toCheckpoint(cp1!.seq);
    assert.equal(r.ok, true);
    assert.deepEqual(treeState(wt), at1, 'worktree equals checkpoint 1 exactly');
    assert.equal(fs.existsSync(path.join(wt, 'src/new')), false, 'folders left empty are removed');
    assert.equal(referenceTree(wt), cp1!.tree);
    assert.equal(userState(repo.dir), before, 'user index/HEAD untouched');

    const u = await rb.undo();
    assert.equal(u.ok, true);
    assert.deepEqual(treeState(wt), atLatest, 'undo brings back the pre-rollback state');
    assert.equal(u.targetSeq, r.preRollbackSeq);
  });

  it('rolls back chosen files only', async () => {
    w('src/a.ts', 'a2\n');
    w('src/b.ts', 'b2\n');
    await svc.request({ full: true, trigger: 'manual' });
    const r = await rb.files(0, ['src/a.ts']);
    assert.deepEqual(r.paths, ['src/a.ts']);
    assert.equal(fs.readFileSync(path.join(wt, 'src/a.ts'), 'utf8'), 'a1\n');
    assert.equal(fs.readFileSync(path.join(wt, 'src/b.ts'), 'utf8'), 'b2\n');
  });

  it('smart rollback reverts only violating files, each to its last clean version', async () => {
    w('src/a.ts', 'a2 good\n');
    await svc.request({ full: true, trigger: 'watch' });
    w('src/a.ts', 'a3 good\n');
    w('docs/out-of-scope.md', 'nope\n');
    w('src/secret/key.txt', 'k\n');
    const cp = await svc.request({ full: true, trigger: 'watch' });
    assert.deepEqual(cp!.violations.map((v) => v.kind).sort(), ['forbidden_path', 'out_of_scope']);
    const r = await rb.smart();
    assert.deepEqual([...r.paths].sort(), ['docs/out-of-scope.md', 'src/secret/key.txt']);
    assert.equal(fs.existsSync(path.join(wt, 'docs')), false);
    assert.equal(fs.existsSync(path.join(wt, 'src/secret')), false);
    assert.equal(fs.readFileSync(path.join(wt, 'src/a.ts'), 'utf8'), 'a3 good\n', 'clean work is kept');
    assert.deepEqual(svc.violations, []);
  });

  it('never writes through a symlink an agent planted where a folder was', async () => {
    const outside = makeTempDir('aop-outside-');
    await svc.request({ full: true, trigger: 'manual' });
    fs.rmSync(path.join(wt, 'src'), { recursive: true });
    fs.symlinkSync(outside, path.join(wt, 'src'));
    await rb.toCheckpoint(0);
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing written outside the worktree');
    assert.equal(fs.lstatSync(path.join(wt, 'src')).isDirectory(), true);
    assert.equal(fs.readFileSync(path.join(wt, 'src/a.ts'), 'utf8'), 'a1\n');
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('refuses an unknown checkpoint and a path outside the worktree, changing nothing', async () => {
    w('src/a.ts', 'a2\n');
    const before = treeState(wt);
    await assert.rejects(rb.toCheckpoint(42), (e) => AopError.is(e, 'NOT_FOUND'));
    await assert.rejects(rb.files(0, ['../etc/passwd']), (e) => AopError.is(e, 'INVALID_PATH'));
    assert.deepEqual(treeState(wt), before);
  });

  it('completes an interrupted rollback from its journal', async () => {
    w('src/a.ts', 'a2\n');
    await svc.request({ full: true, trigger: 'manual' });
    const blob = gitIn(wt, 'rev-parse', `${svc.base.commit}:src/a.ts`);
    // As if the process died after journaling but before writing anything.
    fs.writeFileSync(
      path.join(repo.dir, '..', 'rollback.json'),
      JSON.stringify({ kind: 'checkpoint', targetSeq: 0, preRollbackSeq: 1, items: [{ path: 'src/a.ts', fromSeq: 0, action: 'restore', to: { mode: '100644', oid: blob } }] }),
    );
    const r = await rb.recover();
    assert.equal(r?.ok, true);
    assert.equal(fs.readFileSync(path.join(wt, 'src/a.ts'), 'utf8'), 'a1\n');
    assert.equal(fs.existsSync(path.join(repo.dir, '..', 'rollback.json')), false);
  });

  it('with a live watcher, the safety checkpoint still captures every file it overwrites, even one the watcher missed', async () => {
    w('src/a.ts', 'a2\n');
    await svc.request({ full: true, trigger: 'manual' });
    const watchedRb = new RollbackService({ worktree: wt, checkpoints: svc, log, watched: () => true });
    w('src/a.ts', 'unseen edit\n'); // no checkpoint knows this content
    const r = await watchedRb.toCheckpoint(0);
    assert.equal(fs.readFileSync(path.join(wt, 'src/a.ts'), 'utf8'), 'a1\n');
    assert.equal(gitIn(wt, 'show', `refs/aop/f1/${r.preRollbackSeq}:src/a.ts`), 'unseen edit');
    await watchedRb.undo();
    assert.equal(fs.readFileSync(path.join(wt, 'src/a.ts'), 'utf8'), 'unseen edit\n');
  });
});
