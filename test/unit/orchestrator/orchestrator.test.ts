import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AopError } from '../../../src/core/util/errors';
import { waitFor } from '../../../src/core/util/async';
import { gitIn, userState } from '../helpers/tempRepo';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

const PLAN = 'version: 1\nallowed: ["src/**"]\nforbidden: ["src/secret/**"]\n';

describe('Orchestrator', () => {
  const t = useTestOrchestrator();

  it('creates a feature on a branch and a worktree outside the repository, without touching the user checkout', async () => {
    const before = userState(t.repo.dir);
    const f = await t.orch.createFeature({ id: 'login', baseRef: 'main', spec: '# Add login\n', planYaml: PLAN });
    assert.equal(f.branch, 'aop/login');
    assert.equal(f.worktree, `${t.repo.dir}.worktrees/login`);
    assert.ok(fs.existsSync(path.join(f.worktree!, 'src/a.ts')));
    assert.equal(gitIn(t.repo.dir, 'rev-parse', 'refs/aop/login/base'), gitIn(t.repo.dir, 'rev-parse', 'main'));
    const exclude = fs.readFileSync(path.join(t.repo.dir, '.git/info/exclude'), 'utf8');
    assert.match(exclude, /state\.json/);
    assert.equal(gitIn(t.repo.dir, 'status', '--porcelain', '--untracked-files=all', '--', '.aop'), '?? .aop/features/login/plan.yaml\n?? .aop/features/login/spec.md', 'only spec and plan are visible to git');
    // The user's HEAD, branch and index are as they were (status differs only by the new spec/plan files).
    assert.equal(JSON.parse(userState(t.repo.dir)).head, JSON.parse(before).head);
    assert.equal(JSON.parse(userState(t.repo.dir)).idx, JSON.parse(before).idx);
  });

  it('sees an agent-like write, checkpoints it, flags the violation, and smart rollback clears it', async () => {
    const f = await t.orch.createFeature({ id: 'f1', baseRef: 'main', spec: 'x', planYaml: PLAN });
    const wt = f.worktree!;
    fs.writeFileSync(path.join(wt, 'src/a.ts'), 'a2\n');
    fs.writeFileSync(path.join(wt, 'outside.txt'), 'out of scope\n');
    // The violation is known a moment before its checkpoint's record is published: wait for both.
    await waitFor(
      () => t.orch.summary('f1').violations.some((v) => v.kind === 'out_of_scope' && v.path === 'outside.txt') && t.orch.listCheckpoints('f1').length >= 1,
      15_000,
      'out_of_scope violation and its checkpoint',
    );
    const r = await t.orch.smartRollback('f1');
    assert.deepEqual(r.paths, ['outside.txt']);
    assert.equal(fs.existsSync(path.join(wt, 'outside.txt')), false);
    assert.equal(fs.readFileSync(path.join(wt, 'src/a.ts'), 'utf8'), 'a2\n');
    assert.deepEqual(t.orch.summary('f1').violations, []);
  });

  it('announces each topic with its data: the checkpoint recorded, the violations standing, the log line', async () => {
    const f = await t.orch.createFeature({ id: 'ev', baseRef: 'main', spec: 'x', planYaml: PLAN });
    const seen: { checkpoints: number[]; violations: string[][]; log: string[] } = { checkpoints: [], violations: [], log: [] };
    t.orch.on('checkpoint', (e) => e.checkpoint && seen.checkpoints.push(e.checkpoint.seq));
    t.orch.on('violations', (e) => seen.violations.push(e.violations.map((v) => `${v.kind} ${v.path}`)));
    t.orch.on('log', (e) => seen.log.push(e.event.t));
    fs.writeFileSync(path.join(f.worktree!, 'stray.txt'), 'out of scope\n');
    const rec = await t.orch.checkpointNow('ev');
    assert.ok(rec);
    assert.ok(seen.checkpoints.includes(rec.seq), 'the record came with its event');
    assert.deepEqual(seen.violations.at(-1), ['out_of_scope stray.txt'], 'the violations came with theirs');
    assert.ok(seen.log.includes('checkpoint') && seen.log.includes('validation'));
    await t.orch.smartRollback('ev');
    assert.deepEqual(seen.violations.at(-1), [], 'a rollback that clears them says so');
  });

  it('refuses bad ids and refs with clear errors, creating nothing', async () => {
    await assert.rejects(t.orch.createFeature({ id: '../x', baseRef: 'main', spec: 'x' }), (e) => AopError.is(e, 'INVALID_ID'));
    await assert.rejects(t.orch.createFeature({ id: 'ok', baseRef: '--upload-pack=x', spec: 'x' }), (e) => AopError.is(e, 'INVALID_REF'));
    await assert.rejects(t.orch.createFeature({ id: 'ok', baseRef: 'nope', spec: 'x' }), (e) => AopError.is(e, 'NOT_FOUND'));
    await assert.rejects(t.orch.createFeature({ id: 'ok', baseRef: 'main', spec: 'x', planYaml: 'allowed: [\n' }), (e) => AopError.is(e, 'PLAN_INVALID') && /plan\.yaml:\d+:\d+/.test(e.message));
    assert.equal(fs.existsSync(`${t.repo.dir}.worktrees/ok`), false);
    assert.throws(() => t.orch.summary('ghost'), (e) => AopError.is(e, 'NOT_FOUND'));
  });

  it('deleting a feature keeps its untracked and uncommitted work in a final checkpoint', async () => {
    const f = await t.orch.createFeature({ id: 'gone', baseRef: 'main', spec: 'x' });
    fs.writeFileSync(path.join(f.worktree!, 'untracked.txt'), 'precious\n');
    fs.writeFileSync(path.join(f.worktree!, 'src/a.ts'), 'uncommitted\n');
    const { finalSeq } = await t.orch.deleteFeature('gone');
    assert.equal(fs.existsSync(f.worktree!), false);
    assert.equal(gitIn(t.repo.dir, 'show', `refs/aop/gone/${finalSeq}:untracked.txt`), 'precious');
    assert.equal(gitIn(t.repo.dir, 'show', `refs/aop/gone/${finalSeq}:src/a.ts`), 'uncommitted');
  });

  it('after a restart lists the same features and checkpoints, and reports a running agent as interrupted', async () => {
    const f = await t.orch.createFeature({ id: 'keep', baseRef: 'main', spec: 'x' });
    fs.writeFileSync(path.join(f.worktree!, 'n.txt'), 'n\n');
    await t.orch.checkpointNow('keep');
    const before = t.orch.listCheckpoints('keep').map((c) => [c.seq, c.commit]);
    // Pretend the editor died while an agent ran.
    const stateFile = path.join(t.repo.dir, '.aop/features/keep/state.json');
    const st = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    st.agentState = 'running';
    fs.writeFileSync(stateFile, JSON.stringify(st));
    await t.reopen();
    assert.deepEqual(t.orch.list().map((x) => x.id), ['keep']);
    assert.deepEqual(t.orch.listCheckpoints('keep').map((c) => [c.seq, c.commit]), before);
    assert.equal(t.orch.summary('keep').agentState, 'interrupted');
  });

  it('flags a file changed by two features on both, and another feature\'s change in an exclusive area', async () => {
    const a = await t.orch.createFeature({ id: 'fa', baseRef: 'main', spec: 'x', planYaml: 'version: 1\nexclusive: ["src/db/**"]\n' });
    const b = await t.orch.createFeature({ id: 'fb', baseRef: 'main', spec: 'x' });
    assert.ok(b.warnings?.some((w) => /fa/.test(w)), 'overlapping plans are warned about when the second feature is created');
    fs.writeFileSync(path.join(a.worktree!, 'src/a.ts'), 'from a\n');
    fs.writeFileSync(path.join(b.worktree!, 'src/a.ts'), 'from b\n');
    fs.mkdirSync(path.join(b.worktree!, 'src/db'));
    fs.writeFileSync(path.join(b.worktree!, 'src/db/schema.sql'), 'create table t;\n');
    await t.orch.checkpointNow('fa');
    await t.orch.checkpointNow('fb');
    await t.orch.updateCrossFeature();
    assert.deepEqual(t.orch.collisionsOf('fa').map((c) => [c.path, c.otherFeature]), [['src/a.ts', 'fb']]);
    assert.deepEqual(t.orch.collisionsOf('fb').map((c) => [c.path, c.otherFeature]), [['src/a.ts', 'fa']]);
    assert.ok(t.orch.summary('fb').violations.some((v) => v.kind === 'exclusive_area' && v.path === 'src/db/schema.sql'));
    assert.ok(!t.orch.summary('fa').violations.some((v) => v.kind === 'exclusive_area'));
  });

  it('keeps listing the other features when one cannot be opened, and says why', async () => {
    const a = await t.orch.createFeature({ id: 'bad', baseRef: 'main', spec: 'x' });
    await t.orch.createFeature({ id: 'good', baseRef: 'main', spec: 'x' });
    await t.reopen(undefined, () => fs.writeFileSync(path.join(a.worktree!, '.git'), 'gitdir: /nonexistent/.git/worktrees/bad\n'));
    assert.deepEqual(t.orch.list().map((f) => [f.id, f.status]), [['bad', 'draft'], ['good', 'active']]);
    assert.match(t.orch.summary('bad').error ?? '', /could not be opened/);
  });

  it('moves a deleted feature\'s worktree aside when it holds what no checkpoint could', async () => {
    const f = await t.orch.createFeature({ id: 'nested', baseRef: 'main', spec: 'x' });
    const inner = path.join(f.worktree!, 'inner');
    fs.mkdirSync(inner);
    gitIn(inner, 'init', '-q'); // a nested repository without commits: not snapshotted at all
    fs.writeFileSync(path.join(inner, 'work.txt'), 'only copy\n');
    await t.orch.checkpointNow('nested');
    const { keptAt } = await t.orch.deleteFeature('nested');
    assert.ok(keptAt);
    assert.equal(fs.readFileSync(path.join(keptAt, 'inner/work.txt'), 'utf8'), 'only copy\n');
    assert.equal(fs.existsSync(f.worktree!), false);
  });

  it('does not list an old feature\'s checkpoints for a new feature with the same id', async () => {
    const f = await t.orch.createFeature({ id: 'again', baseRef: 'main', spec: 'x' });
    fs.writeFileSync(path.join(f.worktree!, 'old.txt'), 'old\n');
    await t.orch.checkpointNow('again');
    await t.orch.deleteFeature('again', { deleteBranchAndRefs: true });
    const g = await t.orch.createFeature({ id: 'again', baseRef: 'main', spec: 'x' });
    fs.writeFileSync(path.join(g.worktree!, 'new.txt'), 'new\n');
    const rec = await t.orch.checkpointNow('again');
    await t.reopen();
    assert.deepEqual(t.orch.listCheckpoints('again').map((c) => c.commit), [rec!.commit]);
  });

  it('keeps storage bounded: old checkpoints are dropped and the kept ones re-chained, surviving a restart', async () => {
    t.orch.updateSettings({ retainCheckpoints: 5 });
    const f = await t.orch.createFeature({ id: 'ret', baseRef: 'main', spec: 'x', planYaml: PLAN });
    const wt = f.worktree!;
    fs.writeFileSync(path.join(wt, 'bad.txt'), 'out of scope\n'); // checkpoint 1 has a violation: kept
    await t.orch.checkpointNow('ret');
    fs.rmSync(path.join(wt, 'bad.txt'));
    for (let i = 0; i < 20; i++) {
      fs.writeFileSync(path.join(wt, 'src/a.ts'), `v${i}\n`);
      await t.orch.checkpointNow('ret');
    }
    await waitFor(async () => (await t.orch.events('ret')).some((e) => e.t === 'retention'), 10_000, 'retention');
    await t.orch.checkpointNow('ret'); // waits for the lane, where retention ran
    const listed = t.orch.listCheckpoints('ret');
    assert.ok(listed.length <= 5 + 10 + 1, `kept ${listed.length}`);
    assert.equal(listed[0]!.seq, 1, 'the checkpoint with a violation is kept');
    const refs = gitIn(t.repo.dir, 'for-each-ref', '--format=%(refname)', 'refs/aop/ret/').split('\n').filter((r) => /\/\d+$/.test(r));
    assert.equal(refs.length, listed.length);
    // The chain holds only kept checkpoints: walking the newest reaches the base through them alone.
    const chain = gitIn(t.repo.dir, 'rev-list', `refs/aop/ret/${listed.at(-1)!.seq}`, '--not', 'main').split('\n');
    assert.equal(chain.length, listed.length);
    assert.equal(gitIn(t.repo.dir, 'show', `refs/aop/ret/${listed.at(-1)!.seq}:src/a.ts`), 'v19');
    await t.reopen();
    assert.deepEqual(t.orch.listCheckpoints('ret').map((c) => [c.seq, c.commit]), listed.map((c) => [c.seq, c.commit]));
    assert.ok(Number(gitIn(t.repo.dir, 'rev-list', '--objects', '--disk-usage', `refs/aop/ret/${listed.at(-1)!.seq}`, '--not', 'main')) > 0);
  });
});
