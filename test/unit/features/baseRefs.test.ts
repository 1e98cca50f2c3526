import * as assert from 'node:assert/strict';
import { baseRefCandidates } from '../../../src/core/features/baseRefs';
import { makeTempRepo, type TempRepo } from '../helpers/tempRepo';

describe('features/baseRefCandidates (where a new feature can start)', () => {
  let repo: TempRepo;
  beforeEach(() => {
    repo = makeTempRepo({ 'README.md': '# r\n' });
    repo.git('branch', 'develop');
    repo.git('branch', 'aop/some-feature');
    repo.git('tag', 'v1.0');
  });
  afterEach(() => repo.cleanup());

  it('offers branches and tags with the checked-out branch first, never a feature branch', async () => {
    const c = await baseRefCandidates(repo.dir);
    assert.equal(c[0]!.name, 'main');
    assert.equal(c[0]!.current, true);
    assert.deepEqual(c.map((x) => x.name).sort(), ['develop', 'main', 'v1.0']);
    assert.ok(c.every((x) => /^[0-9a-f]{7,}$/.test(x.commit) && x.subject !== ''));
  });

  it('has no current branch on a detached HEAD', async () => {
    repo.git('checkout', '-q', '--detach');
    assert.ok((await baseRefCandidates(repo.dir)).every((x) => !x.current));
  });
});
