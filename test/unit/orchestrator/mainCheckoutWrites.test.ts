import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MainCheckoutWrites } from '../../../src/core/orchestrator/mainCheckoutWrites';
import { AopError } from '../../../src/core/util/errors';
import { makeTempDir } from '../helpers/tempRepo';

describe('orchestrator/MainCheckoutWrites', () => {
  let root: string;
  let repo: string;
  const open = () => MainCheckoutWrites.open({ repoRoot: repo, file: path.join(root, 'state', 'main-checkout.json'), quarantineDir: path.join(root, 'quarantine') });

  beforeEach(() => {
    root = makeTempDir();
    repo = path.join(root, 'repo');
    fs.mkdirSync(repo);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a file written there stands until it is gone, across a restart', async () => {
    const w = await open();
    fs.writeFileSync(path.join(repo, 'planted.txt'), 'x');
    const fresh = await w.record([{ path: 'planted.txt', deleted: false }], ['f1']);
    assert.deepEqual(fresh.map((e) => [e.path, e.change, e.features]), [['planted.txt', 'written', ['f1']]]);
    await w.recheck();
    await w.dispose();
    const again = await open();
    assert.deepEqual(again.forFeature('f1').map((e) => e.path), ['planted.txt'], 'remembered after a restart');
    fs.rmSync(path.join(repo, 'planted.txt'));
    await again.recheck();
    assert.deepEqual(again.entries, []);
  });

  it('moveOut puts the file in the quarantine with its bytes, never deletes it; a second move is refused', async () => {
    const w = await open();
    fs.mkdirSync(path.join(repo, 'src'));
    fs.writeFileSync(path.join(repo, 'src', 'evil.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await w.record([{ path: 'src/evil.sh', deleted: false }], ['f1', 'f2']);
    const dest = await w.moveOut('src/evil.sh');
    assert.equal(fs.existsSync(path.join(repo, 'src', 'evil.sh')), false);
    assert.equal(fs.readFileSync(dest, 'utf8'), '#!/bin/sh\n');
    assert.equal(fs.statSync(dest).mode & 0o777, 0o755);
    assert.ok(dest.startsWith(path.join(root, 'quarantine')) && dest.endsWith(path.join('src', 'evil.sh')));
    assert.deepEqual(w.entries, []);
    await assert.rejects(w.moveOut('src/evil.sh'), (e) => AopError.is(e, 'NOT_FOUND'));
  });

  it('a file deleted there stands until it is back; written then deleted is answered', async () => {
    const w = await open();
    await w.record([{ path: 'README.md', deleted: true }], ['f1']);
    assert.equal(w.entries[0].change, 'deleted');
    await assert.rejects(w.moveOut('README.md'), (e) => AopError.is(e, 'INVALID_INPUT'));
    fs.writeFileSync(path.join(repo, 'README.md'), 'back');
    await w.recheck();
    assert.deepEqual(w.entries, []);
    fs.writeFileSync(path.join(repo, 'tmp.txt'), 'x');
    await w.record([{ path: 'tmp.txt', deleted: false }], ['f1']);
    fs.rmSync(path.join(repo, 'tmp.txt'));
    await w.record([{ path: 'tmp.txt', deleted: true }], ['f1']);
    assert.deepEqual(w.entries, []);
  });

  it('acknowledge answers an entry; hostile paths are refused', async () => {
    const w = await open();
    fs.writeFileSync(path.join(repo, 'mine.txt'), 'x');
    await w.record([{ path: 'mine.txt', deleted: false }], ['f1']);
    await w.acknowledge('mine.txt');
    assert.deepEqual(w.entries, []);
    await assert.rejects(w.acknowledge('mine.txt'), (e) => AopError.is(e, 'NOT_FOUND'));
    await assert.rejects(w.moveOut('../outside'), (e) => AopError.is(e));
  });
});
