import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addWorktree } from '../../../src/core/features/worktrees';
import { checkedGitArgs } from '../../../src/core/git/gitPolicy';
import { git, runGit } from '../../../src/core/git/gitRunner';
import { withSealedGit } from '../../../src/core/git/sealedGit';
import { AopError } from '../../../src/core/util/errors';
import { gitIn, makeTempRepo, type TempRepo } from '../helpers/tempRepo';
import { treeState } from '../reliability/helpers';

const refused = (e: unknown) => AopError.is(e, 'INVALID_INPUT');

describe('git policy: only commands that run no repository code', () => {
  it('refuses porcelain that runs hooks, filters or drivers, in the repository context', () => {
    for (const args of [
      ['status'],
      ['checkout', 'main'],
      ['merge', 'x'],
      ['commit', '-m', 'x'],
      ['add', '-A'],
      ['read-tree', '-u', 'HEAD'],
      ['merge-tree', '--write-tree', 'a', 'b'],
      ['worktree', 'add', '-b', 'x', '/tmp/x', 'HEAD'],
      ['worktree', 'remove', '/tmp/x'],
      ['hash-object', '-w', '--stdin-paths'],
      ['cat-file', '--textconv', 'HEAD:a'],
      ['cat-file', '--filters', 'HEAD:a'],
      ['config', 'core.hooksPath', '/tmp/x'],
      ['branch', 'x'],
      ['prune'],
      ['prune', '--expire=now'],
      ['-c', 'core.hooksPath=x', 'rev-parse', 'HEAD'],
      [],
    ]) {
      assert.throws(() => checkedGitArgs(args, 'repo'), refused, args.join(' '));
    }
  });

  it('adds the flags that keep drivers off, and allows the sealed-only commands there', () => {
    assert.deepEqual(checkedGitArgs(['diff', 'a', 'b'], 'repo'), ['diff', '--no-ext-diff', '--no-textconv', 'a', 'b']);
    assert.deepEqual(checkedGitArgs(['diff-tree', '--no-textconv', '-r', 'a', 'b'], 'repo'), ['diff-tree', '--no-ext-diff', '--no-textconv', '-r', 'a', 'b']);
    assert.deepEqual(checkedGitArgs(['commit-tree', '-p', 'a', 't'], 'repo'), ['commit-tree', '--no-gpg-sign', '-p', 'a', 't']);
    assert.deepEqual(checkedGitArgs(['worktree', 'add', '--no-checkout', '-b', 'x', '/tmp/x', 'HEAD'], 'repo').length, 7);
    for (const args of [['read-tree', '--reset', '-u', 'HEAD'], ['merge-tree', '--write-tree', 'a', 'b'], ['add', '--', 'x'], ['write-tree'], ['hash-object', '-w', '--stdin']]) {
      assert.deepEqual(checkedGitArgs(args, 'sealed'), args);
    }
  });

  it('refuses environment that would point git elsewhere; identity is allowed', async () => {
    const repo = makeTempRepo();
    try {
      await assert.rejects(runGit(['rev-parse', 'HEAD'], { cwd: repo.dir, env: { GIT_DIR: '/tmp' } }), refused);
      await assert.rejects(runGit(['rev-parse', 'HEAD'], { cwd: repo.dir, env: { GIT_CONFIG_PARAMETERS: "'core.hookspath'='x'" } }), refused);
      assert.match(await git(['rev-parse', 'HEAD'], { cwd: repo.dir, env: { GIT_AUTHOR_NAME: 'x' } }), /^[0-9a-f]{40}$/);
    } finally {
      repo.cleanup();
    }
  });
});

describe('worktrees filled in the sealed context', () => {
  let repo: TempRepo;
  beforeEach(() => {
    repo = makeTempRepo({
      'README.md': '# r\n',
      'keep.bin': 'a\r\nb\n',
      'lfs.dat': 'version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1\n',
      'deep/er/file.ts': 'x\n',
    });
    repo.git('config', 'core.safecrlf', 'false'); // no "LF will be replaced" warnings from the set-up
    repo.write('crlf.txt', 'one\ntwo\n');
    repo.write('.gitattributes', '*.txt text eol=crlf\n*.bin -text\n*.dat filter=lfs\n');
    repo.write('tool.sh', '#!/bin/sh\n', 0o755);
    fs.symlinkSync('deep/er/file.ts', path.join(repo.dir, 'link'));
    repo.commitAll('more');
  });
  afterEach(() => repo.cleanup());

  it('writes what `git worktree add` writes (line endings from the attributes, modes, links), and git status there is clean', async () => {
    const head = repo.git('rev-parse', 'HEAD');
    const ours = `${repo.dir}-ours`;
    const theirs = `${repo.dir}-theirs`;
    await addWorktree(repo.dir, 'ours', ours, head);
    repo.git('worktree', 'add', '-q', '-b', 'theirs', theirs, head);
    assert.deepEqual(treeState(ours), treeState(theirs));
    assert.equal(fs.readFileSync(path.join(ours, 'crlf.txt'), 'utf8'), 'one\r\ntwo\r\n');
    assert.equal(gitIn(ours, 'status', '--porcelain', '--untracked-files=all'), '');
    assert.equal(gitIn(ours, 'symbolic-ref', 'HEAD'), 'refs/heads/aop/ours');
    fs.rmSync(ours, { recursive: true, force: true });
    fs.rmSync(theirs, { recursive: true, force: true });
  });

  it('a sealed context shares the objects and nothing else: no refs, no repository config', async () => {
    repo.git('config', 'aop.test', 'planted');
    await withSealedGit(repo.dir, async (s) => {
      assert.equal((await s.run(['config', '--get', 'aop.test'], { okCodes: [1] })).code, 1);
      assert.equal((await s.run(['rev-parse', '--verify', '-q', 'main'], { okCodes: [1] })).code, 1);
      assert.equal(await s.git(['cat-file', '-t', repo.git('rev-parse', 'HEAD')]), 'commit');
    });
  });
});
