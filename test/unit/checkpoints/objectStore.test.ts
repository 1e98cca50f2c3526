import * as assert from 'node:assert/strict';
import { ObjectStore } from '../../../src/core/git/objectStore';
import { makeTempRepo, type TempRepo } from '../helpers/tempRepo';

describe('ObjectStore: objects written in-process', () => {
  let repo: TempRepo;
  let store: ObjectStore;

  beforeEach(async () => {
    repo = makeTempRepo({ 'a.txt': 'packed content\n', 'b.txt': 'more\n' });
    repo.git('gc', '-q', '--prune=now');
    store = await ObjectStore.open(repo.dir);
  });

  afterEach(() => {
    store.close();
    repo.cleanup();
  });

  const loose = () => Number(/^(\d+) objects/.exec(repo.git('count-objects'))![1]);

  it('never writes a loose copy of an object a pack already holds (as git hash-object -w does not)', async () => {
    assert.equal(loose(), 0);
    const oid = store.writeObjectSync('blob', Buffer.from('packed content\n'));
    assert.equal(oid, repo.git('rev-parse', 'HEAD:a.txt'));
    assert.equal(loose(), 0, 'found in the pack: nothing written');
    const fresh = store.writeObjectSync('blob', Buffer.from('new content\n'));
    assert.equal(loose(), 1);
    assert.equal(repo.git('cat-file', 'blob', fresh), 'new content');
    const tree = store.writeObjectSync('tree', Buffer.from(`100644 x\0${Buffer.from(fresh, 'hex').toString('latin1')}`, 'latin1'));
    assert.equal(repo.git('cat-file', '-t', tree), 'tree');
    assert.equal(store.writeObjectSync('tree', Buffer.from(`100644 x\0${Buffer.from(fresh, 'hex').toString('latin1')}`, 'latin1')), tree, 'a tree written twice is the same object');
  });
});
