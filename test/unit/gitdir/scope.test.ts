import * as assert from 'node:assert/strict';
import { gitPathRole, mayHoldWatched } from '../../../src/core/gitdir/scope';

describe('gitdir/scope', () => {
  const table: [string, string][] = [
    // What makes git run code or read configuration.
    ['config', 'guarded'],
    ['config.worktree', 'guarded'],
    ['hooks/pre-commit', 'guarded'],
    ['hooks/sub/x', 'guarded'],
    ['info/attributes', 'guarded'],
    ['info/exclude', 'guarded'],
    ['info/grafts', 'guarded'],
    ['remotes/origin', 'guarded'],
    ['branches/x', 'guarded'],
    ['rebase-merge/git-rebase-todo', 'guarded'],
    ['sequencer/todo', 'guarded'],
    ['commondir', 'guarded'],
    ['objects/info/alternates', 'guarded'],
    ['worktrees/f1/config.worktree', 'guarded'],
    ['worktrees/f1/commondir', 'guarded'],
    ['worktrees/f1/gitdir', 'guarded'],
    ['modules/sub/config', 'guarded'],
    ['modules/sub/hooks/post-checkout', 'guarded'],
    ['modules/a/modules/b/info/attributes', 'guarded'],
    // Pointers judged by value.
    ['HEAD', 'ref'],
    ['packed-refs', 'ref'],
    ['refs/heads/main', 'ref'],
    ['refs/heads/aop/f1', 'ref'],
    ['refs/tags/v1', 'ref'],
    ['worktrees/f1/HEAD', 'ref'],
    // git's own churn.
    ['index', 'inert'],
    ['objects/ab/cdef', 'inert'],
    ['objects/pack/pack-1.pack', 'inert'],
    ['objects/info/packs', 'inert'],
    ['logs/HEAD', 'inert'],
    ['logs/refs/heads/main', 'inert'],
    ['ORIG_HEAD', 'inert'],
    ['FETCH_HEAD', 'inert'],
    ['COMMIT_EDITMSG', 'inert'],
    ['worktrees/f1/index', 'inert'],
    ['worktrees/f1/logs/HEAD', 'inert'],
    ['worktrees/f1/ORIG_HEAD', 'inert'],
    ['worktrees/f1/rebase-merge/done', 'inert'],
    ['config.lock', 'inert'],
    ['refs/heads/main.lock', 'inert'],
    ['modules/sub/objects/ab/cd', 'inert'],
    ['modules/sub/refs/heads/config', 'inert'],
  ];
  for (const [p, role] of table) {
    it(`${p} is ${role}`, () => assert.equal(gitPathRole(p), role));
  }

  it('walks only folders that can hold watched paths', () => {
    assert.equal(mayHoldWatched(''), true);
    assert.equal(mayHoldWatched('hooks'), true);
    assert.equal(mayHoldWatched('refs/heads/aop'), true);
    assert.equal(mayHoldWatched('objects'), true);
    assert.equal(mayHoldWatched('objects/info'), true);
    assert.equal(mayHoldWatched('objects/ab'), false);
    assert.equal(mayHoldWatched('logs'), false);
    assert.equal(mayHoldWatched('worktrees/f1'), true);
    assert.equal(mayHoldWatched('worktrees/f1/logs'), false);
    assert.equal(mayHoldWatched('modules/sub/objects'), false);
  });
});
