/**
 * Hostile names from outside: feature ids and base refs with `..`, `/`, a leading `-`, spaces,
 * unicode, newlines, NUL, and refs crafted as git options. Each is refused with a coded error by
 * the validator and by every entry point that takes it, and nothing is created on its behalf.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { featurePaths, defaultWorktreePath } from '../../../src/core/features/featurePaths';
import { featureBranch, resolveCommit } from '../../../src/core/features/worktrees';
import { RefStore } from '../../../src/core/git/refStore';
import { AopError } from '../../../src/core/util/errors';
import { assertFeatureId, assertRefName } from '../../../src/core/util/ids';
import { userState } from '../helpers/tempRepo';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

const BAD_IDS = [
  '',
  '..',
  '../x',
  'a/b',
  'a\\b',
  '-x',
  '--upload-pack=touch pwned',
  '-h',
  'a b',
  ' a',
  'ü',
  'naïve',
  'fe\u0301ature',
  'a\nb',
  'a\rb',
  'a\0b',
  'a\u0085b',
  'Upper',
  '.hidden',
  'a.b',
  'x'.repeat(65),
  'a:b',
  'a@{1}',
];

const BAD_REFS = [
  '',
  '--upload-pack=touch pwned',
  '--output=/tmp/x',
  '-h',
  '-',
  'main..other',
  '..',
  'a b',
  'main\n',
  'main\0',
  'ma\u0085in',
  'main~1',
  'main^',
  'main:README.md',
  'ma?n',
  'ma*n',
  'ma[n',
  'ma\\in',
  '@{-1}',
  '@',
  '/main',
  'main/',
  'a//b',
  'main.lock',
  'main.',
  '.main',
  'refs/.hidden',
  'x'.repeat(256),
];

describe('reliability: hostile feature ids and refs', function () {
  this.timeout(60_000);
  const t = useTestOrchestrator({ files: { 'README.md': '# r\n' } });

  it(`assertFeatureId refuses ${BAD_IDS.length} hostile ids, and every helper built on it refuses them too`, () => {
    for (const id of BAD_IDS) {
      const refused = (fn: () => unknown) => assert.throws(fn, (e) => AopError.is(e, 'INVALID_ID'), JSON.stringify(id));
      refused(() => assertFeatureId(id));
      refused(() => featurePaths(t.repo.dir, id));
      refused(() => defaultWorktreePath(t.repo.dir, id));
      refused(() => featureBranch(id));
      refused(() => RefStore.prefix(id));
      refused(() => t.orch.summary(id));
      refused(() => t.orch.listCheckpoints(id));
    }
    for (const id of ['a', '0', 'login-form', 'a_b', 'x'.repeat(64)]) assert.equal(assertFeatureId(id), id);
  });

  it(`assertRefName refuses ${BAD_REFS.length} hostile refs (git options among them); resolveCommit refuses them before running git`, async () => {
    for (const ref of BAD_REFS) {
      assert.throws(() => assertRefName(ref), (e) => AopError.is(e, 'INVALID_REF'), JSON.stringify(ref));
      await assert.rejects(resolveCommit(t.repo.dir, ref), (e) => AopError.is(e, 'INVALID_REF'), JSON.stringify(ref));
    }
    for (const ref of ['main', 'feature/x', 'v1.0', 'release-2024_01', t.repo.git('rev-parse', 'HEAD'), 'HEAD']) assert.equal(assertRefName(ref), ref);
  });

  it('Orchestrator.createFeature refuses every hostile id and base ref, and creates nothing: no worktree, branch, ref, feature folder or file outside', async () => {
    const before = userState(t.repo.dir);
    const marker = path.join(t.repo.dir, '..', 'pwned');
    for (const id of BAD_IDS) {
      await assert.rejects(t.orch.createFeature({ id, baseRef: 'main', spec: 'x' }), (e) => AopError.is(e, 'INVALID_ID'), JSON.stringify(id));
    }
    for (const baseRef of BAD_REFS) {
      await assert.rejects(t.orch.createFeature({ id: 'ok', baseRef, spec: 'x' }), (e) => AopError.is(e, 'INVALID_REF'), JSON.stringify(baseRef));
    }
    await assert.rejects(t.orch.createFeature({ id: 'ok', baseRef: 'no-such-branch', spec: 'x' }), (e) => AopError.is(e, 'NOT_FOUND'));
    assert.deepEqual(t.orch.list(), []);
    assert.equal(fs.existsSync(`${t.repo.dir}.worktrees`), false, 'no worktree folder');
    assert.equal(fs.existsSync(path.join(t.repo.dir, '.aop')), false, 'no feature folder');
    assert.equal(t.repo.git('for-each-ref', 'refs/aop', 'refs/heads/aop'), '', 'no branch and no checkpoint ref');
    assert.equal(t.repo.git('worktree', 'list').split('\n').length, 1);
    assert.equal(fs.existsSync(marker) || fs.existsSync(path.join(t.repo.dir, 'pwned')) || fs.existsSync('/tmp/x'), false, 'no option reached git');
    assert.equal(userState(t.repo.dir), before);
  });

  it('a feature whose branch already exists, or whose worktree folder is taken: a clear error, the user branch and folder untouched', async () => {
    t.repo.git('branch', 'aop/taken');
    const branchBefore = t.repo.git('rev-parse', 'aop/taken');
    await assert.rejects(t.orch.createFeature({ id: 'taken', baseRef: 'main', spec: 'x' }), (e) => AopError.is(e, 'GIT_FAILED') || AopError.is(e, 'ALREADY_EXISTS'));
    assert.equal(t.repo.git('rev-parse', 'aop/taken'), branchBefore);
    assert.equal(fs.existsSync(path.join(t.repo.dir, '.aop/features/taken/state.json')), false);
    const folder = defaultWorktreePath(t.repo.dir, 'busy');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'mine.txt'), 'the user keeps this\n');
    await assert.rejects(t.orch.createFeature({ id: 'busy', baseRef: 'main', spec: 'x' }), (e) => AopError.is(e, 'ALREADY_EXISTS'));
    assert.equal(fs.readFileSync(path.join(folder, 'mine.txt'), 'utf8'), 'the user keeps this\n');
    assert.equal(t.repo.git('for-each-ref', 'refs/heads/aop/busy'), '');
  });

  it('hostile paths on the feature entry points (read a file, roll back files) are refused as INVALID_PATH', async () => {
    await t.orch.createFeature({ id: 'paths', baseRef: 'main', spec: 'x' });
    for (const p of ['../../etc/passwd', '/etc/passwd', '.git/config', 'a/../../x', '', 'a\0b']) {
      await assert.rejects(t.orch.readFileAt('paths', 'base', p), (e) => AopError.is(e, 'INVALID_PATH'), JSON.stringify(p));
      await assert.rejects(t.orch.rollbackFiles('paths', 0, [p]), (e) => AopError.is(e, 'INVALID_PATH'), JSON.stringify(p));
    }
    assert.equal(await t.orch.readFileAt('paths', 'base', 'README.md').then((b) => b?.toString()), '# r\n');
  });
});
