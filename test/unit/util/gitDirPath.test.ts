import * as assert from 'node:assert/strict';
import { isGitDirOnDisk } from '../../../src/core/util/gitDirPath';

describe('util/gitDirPath: the worktree git folder as the file system sees it', () => {
  it('is the first component .git, in any case only where the file system ignores case', () => {
    assert.equal(isGitDirOnDisk('.git'), true);
    assert.equal(isGitDirOnDisk('.git/hooks/pre-commit'), true);
    assert.equal(isGitDirOnDisk('src/.git/config'), false, 'a nested repository is not the worktree git folder');
    assert.equal(isGitDirOnDisk('.gitignore'), false);
    assert.equal(isGitDirOnDisk('.git-blame-ignore'), false);
    assert.equal(isGitDirOnDisk('.GIT/config'), process.platform === 'darwin' || process.platform === 'win32');
  });
});
