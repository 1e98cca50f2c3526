/**
 * Worktrees prepared ahead (issue 16, point 6): on a big repository the next feature's files are
 * written in the background, and creating the feature moves them into place. A spare is used
 * only when untouched; a changed, removed or added file (ignored ones too) throws it away.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gitIn } from '../helpers/tempRepo';
import { treeState } from '../reliability/helpers';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

describe('spare worktrees prepared ahead', function () {
  this.timeout(60_000);
  let base: string;
  // Before the orchestrator's own clean-up (hooks run in the order they are declared).
  afterEach(async () => {
    await t.orch.sparesIdle();
  });
  // Every repository counts as big here (one file is enough to prepare a spare).
  const t = useTestOrchestrator({
    files: { 'README.md': '# r\n', 'src/a.ts': 'a\n', 'src/deep/b.ts': 'b\n', '.gitignore': '*.log\n' },
    prepare: (repo) => {
      repo.write('bin/tool', '#!/bin/sh\n', 0o755);
      fs.symlinkSync('../src/a.ts', path.join(repo.dir, 'bin/link'));
      base = repo.commitAll('more');
    },
    options: { settings: { spareMinFiles: 1 } },
  });
  const spareTree = () => {
    const root = `${t.repo.dir}.worktrees`;
    const name = fs.readdirSync(root).find((n) => n.startsWith('.aop-spare-') && !n.includes('.tmp-'));
    return name ? path.join(root, name, 'tree') : undefined;
  };
  const inode = (p: string) => fs.statSync(p).ino;

  async function create(id: string): Promise<string> {
    const f = await t.orch.createFeature({ id, baseRef: 'main', spec: 'x' });
    return f.worktree!;
  }

  it('the next feature takes the prepared files (moved, not written again), exactly as a checkout, with a clean git status', async () => {
    const first = await create('first');
    await t.orch.sparesIdle();
    const spare = spareTree();
    assert.ok(spare, 'a spare was prepared after the first feature');
    const before = inode(path.join(spare, 'src/deep/b.ts'));

    const wt = await create('second');
    assert.equal(inode(path.join(wt, 'src/deep/b.ts')), before, 'the spare files were moved in');
    assert.deepEqual(treeState(wt), treeState(first));
    assert.equal(gitIn(wt, 'status', '--porcelain', '--untracked-files=all', '--ignored'), '');
    assert.equal(gitIn(wt, 'symbolic-ref', 'HEAD'), 'refs/heads/aop/second');
    assert.equal(gitIn(wt, 'rev-parse', 'HEAD'), base);
    await t.orch.sparesIdle();
    assert.ok(spareTree(), 'another spare is prepared for the feature after');
  });

  const tampering: [string, (tree: string) => void][] = [
    ['a file changed (same size)', (t) => fs.writeFileSync(path.join(t, 'src/a.ts'), 'X\n')],
    ['a file removed', (t) => fs.rmSync(path.join(t, 'src/deep/b.ts'))],
    ['an ignored file added', (t) => fs.writeFileSync(path.join(t, 'planted.log'), 'x\n')],
    ['a file added deep down', (t) => fs.writeFileSync(path.join(t, 'src/deep/new.ts'), 'x\n')],
    ['a file made executable', (t) => fs.chmodSync(path.join(t, 'src/a.ts'), 0o755)],
    ['a link retargeted', (t) => {
      fs.rmSync(path.join(t, 'bin/link'));
      fs.symlinkSync('/etc/passwd', path.join(t, 'bin/link'));
    }],
  ];
  for (const [what, tamper] of tampering) {
    it(`a spare with ${what} is thrown away and the files are written afresh`, async () => {
      const first = await create('first');
      await t.orch.sparesIdle();
      const spare = spareTree()!;
      tamper(spare);
      const wt = await create('second');
      assert.deepEqual(treeState(wt), treeState(first));
      assert.equal(gitIn(wt, 'status', '--porcelain', '--untracked-files=all', '--ignored'), '');
    });
  }

  it('a spare for another commit is not used', async () => {
    await create('first');
    await t.orch.sparesIdle();
    const old = inode(path.join(spareTree()!, 'src/a.ts'));
    t.repo.write('src/a.ts', 'changed on main\n');
    t.repo.commitAll('main moved');
    const wt = await create('second');
    assert.notEqual(inode(path.join(wt, 'src/a.ts')), old);
    assert.equal(fs.readFileSync(path.join(wt, 'src/a.ts'), 'utf8'), 'changed on main\n');
  });

  it('a half-written spare left by a process that died is removed', async () => {
    await create('first');
    await t.orch.sparesIdle();
    const folder = path.dirname(spareTree()!);
    const abandoned = `${folder}.tmp-2147483646-1`;
    fs.mkdirSync(path.join(abandoned, 'tree'), { recursive: true });
    fs.rmSync(folder, { recursive: true }); // so the next feature fills afresh and prepares again
    await create('second');
    await t.orch.sparesIdle();
    assert.ok(!fs.existsSync(abandoned));
    assert.ok(spareTree());
  });
});
