/**
 * state.json is written atomically (README, files on disk): a new file, synced, renamed over the
 * old one. A reader, or a crash, sees the old state or the new one, never a torn mix.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFeatureState, type FeatureState } from '../../../src/core/features/featureState';
import { makeTempDir } from '../helpers/tempRepo';

describe('features/featureState', () => {
  let dir: string;

  beforeEach(() => {
    dir = makeTempDir('aop-state-');
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replaces state.json by renaming a complete new file over it, never rewriting it in place, and leaves no temporary file', async () => {
    const file = path.join(dir, 'state.json');
    const old = { id: 'f1', note: 'old'.repeat(1000) } as unknown as FeatureState;
    await writeFeatureState(file, old);
    const before = fs.readFileSync(file, 'utf8');
    // A reader that opened the old file before the save.
    const reader = fs.openSync(file, 'r');
    try {
      await writeFeatureState(file, { id: 'f1', note: 'new' } as unknown as FeatureState);
      const buf = Buffer.alloc(before.length + 100);
      const n = fs.readSync(reader, buf, 0, buf.length, 0);
      assert.equal(buf.subarray(0, n).toString('utf8'), before, 'the open reader still sees the whole old state');
    } finally {
      fs.closeSync(reader);
    }
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { id: 'f1', note: 'new' });
    assert.deepEqual(fs.readdirSync(dir), ['state.json']);
  });
});
