import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { worktreeWriter } from '../../../src/core/rollback/worktreeWriter';
import { makeTempDir } from '../helpers/tempRepo';

describe('worktreeWriter', () => {
  let root: string;

  beforeEach(() => {
    root = makeTempDir('aop-writer-');
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  // The rollback property test once failed under load ("did not restore d/a"): two writes under
  // the same folder, where a link stood, each removed what stood there and made the folder; one
  // removed the folder the other had just made (with its file on the way in).
  it('many writes at once under folders where links and files stand: every file lands', async () => {
    for (let round = 0; round < 20; round++) {
      const wt = path.join(root, `r${round}`);
      fs.mkdirSync(path.join(wt, 'd'), { recursive: true });
      for (let k = 0; k < 8; k++) {
        if (k % 2) fs.symlinkSync('.', path.join(wt, `d/s${k}`));
        else fs.writeFileSync(path.join(wt, `d/s${k}`), 'a file where a folder goes\n');
      }
      const w = worktreeWriter(wt);
      const rels = Array.from({ length: 32 }, (_, i) => `d/s${i % 8}/f${Math.floor(i / 8)}`);
      await Promise.all(rels.map((rel) => w.write(rel, { mode: '100644', data: Buffer.from(`${rel}\n`) })));
      for (const rel of rels) assert.equal(fs.readFileSync(path.join(wt, rel), 'utf8'), `${rel}\n`, `round ${round}: ${rel}`);
      for (let k = 0; k < 8; k++) assert.equal(fs.lstatSync(path.join(wt, `d/s${k}`)).isDirectory(), true);
    }
  });

  it('never writes through a link that stands where a folder goes', async () => {
    const outside = makeTempDir('aop-outside-');
    try {
      fs.symlinkSync(outside, path.join(root, 'sub'));
      await worktreeWriter(root).write('sub/x.txt', { mode: '100755', data: Buffer.from('x\n') });
      assert.deepEqual(fs.readdirSync(outside), []);
      assert.equal(fs.statSync(path.join(root, 'sub/x.txt')).mode & 0o777, 0o755);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});
