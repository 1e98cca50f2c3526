import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StatCache } from '../../../src/core/checkpoints/statCache';
import { seedStatCache } from '../../../src/core/checkpoints/statCacheSeed';
import { makeTempRepo, type TempRepo } from '../helpers/tempRepo';

describe('stat cache seeded from the index git wrote', () => {
  let repo: TempRepo;
  let index: string;
  const files = ['a.txt', 'dir/b.txt', 'run.sh'];
  /** A whole second, so setting it again restores the mtime exactly. */
  const OLD = new Date('2020-01-01T00:00:00Z');

  beforeEach(() => {
    repo = makeTempRepo({ 'a.txt': 'aaa\n', 'dir/b.txt': 'bbb\n', 'run.sh': '#!/bin/sh\n' });
    fs.chmodSync(path.join(repo.dir, 'run.sh'), 0o755);
    repo.commitAll('x');
    index = path.join(repo.dir, '.git', 'index');
    for (const rel of files) fs.utimesSync(path.join(repo.dir, rel), OLD, OLD);
    // The index written again, with every file's stat, and dated later, as a spare's index is
    // once taken (its files were written minutes before).
    repo.git('read-tree', 'HEAD');
    repo.git('update-index', '-q', '--refresh');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(index, later, later);
  });

  afterEach(() => repo.cleanup());

  const cacheFor = async (file: string) => {
    const cache = new StatCache(file);
    await cache.load();
    return (rel: string) => cache.lookup(rel, fs.lstatSync(path.join(repo.dir, rel)));
  };

  it('holds what hashing records, for every file; a change since misses even with size and mtime kept', async () => {
    const file = path.join(repo.dir, '..', 'cache.json');
    assert.equal(await seedStatCache(index, file, 20), files.length);
    const lookup = await cacheFor(file);
    for (const rel of files) assert.equal(lookup(rel), repo.git('rev-parse', `HEAD:${rel}`), rel);

    // Same size, mtime set back: only the ctime tells, and it does.
    const abs = path.join(repo.dir, 'a.txt');
    fs.writeFileSync(abs, 'AAA\n');
    fs.utimesSync(abs, OLD, OLD);
    assert.equal(fs.statSync(abs).mtimeMs, OLD.getTime());
    assert.equal((await cacheFor(file))('a.txt'), undefined);
    assert.equal(await seedStatCache(index, file, 20), 0, 'an existing cache is kept');
  });

  it('leaves out what git could not trust either, and reads no index it does not know', async () => {
    // A file written within a second of the index: racily clean.
    repo.write('new.txt', 'new\n');
    repo.git('add', 'new.txt');
    const soon = new Date(fs.statSync(path.join(repo.dir, 'new.txt')).ctimeMs + 500);
    fs.utimesSync(index, soon, soon);
    const racy = path.join(repo.dir, '..', 'racy.json');
    await seedStatCache(index, racy, 20);
    assert.equal((await cacheFor(racy))('new.txt'), undefined);

    repo.git('update-index', '--index-version', '4');
    assert.equal(await seedStatCache(index, path.join(repo.dir, '..', 'v4.json'), 20), 0);
    assert.equal(await seedStatCache(path.join(repo.dir, 'missing-index'), path.join(repo.dir, '..', 'none.json'), 20), 0);
  });
});
