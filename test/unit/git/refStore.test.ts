import * as assert from 'node:assert/strict';
import { RefStore } from '../../../src/core/git/refStore';
import { AopError } from '../../../src/core/util/errors';
import { makeTempRepo, type TempRepo } from '../helpers/tempRepo';

describe('git/RefStore (refs/aop/<id>/ through one update-ref process)', () => {
  let repo: TempRepo;
  let refs: RefStore;
  let head: string;
  beforeEach(() => {
    repo = makeTempRepo({ 'README.md': '# r\n' });
    head = repo.git('rev-parse', 'HEAD');
    refs = new RefStore(repo.dir);
  });
  afterEach(() => {
    refs.close();
    repo.cleanup();
  });

  it('lists a feature\'s checkpoints by number, oldest first, and not its base', async () => {
    await refs.create(RefStore.checkpointRef('f', 10), head);
    await refs.create(RefStore.checkpointRef('f', 2), head);
    await refs.set(RefStore.baseRef('f'), head);
    assert.deepEqual((await refs.list('f')).map((r) => r.seq), [2, 10]);
    assert.deepEqual(await refs.list('other'), []);
  });

  it('refuses to create a ref that exists, and applies several updates all or nothing', async () => {
    await refs.create(RefStore.checkpointRef('f', 1), head);
    await assert.rejects(refs.create(RefStore.checkpointRef('f', 1), head), (e) => AopError.is(e, 'GIT_FAILED'));
    // The second update expects an old value the ref does not have: nothing happens.
    await assert.rejects(
      refs.updateMany([
        { ref: RefStore.checkpointRef('f', 1), oid: null },
        { ref: RefStore.checkpointRef('f', 3), oid: head, old: head },
      ]),
      (e) => AopError.is(e, 'GIT_FAILED'),
    );
    assert.deepEqual((await refs.list('f')).map((r) => r.seq), [1]);
    await refs.deleteAll('f');
    assert.deepEqual(await refs.list('f'), []);
  });
});
