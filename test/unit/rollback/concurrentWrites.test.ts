/**
 * Rollback writes several paths at once. Under a link an agent planted where a folder was, each
 * write must find a real folder there: two writes racing to replace the same link lost a file
 * (the root cause of the flaky property test, seed 20261126, "did not restore d/a").
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { worktreeWriter } from '../../../src/core/rollback/worktreeWriter';
import { makeTempDir } from '../helpers/tempRepo';

describe('Rollback writer: concurrent writes under a planted link', function () {
  this.timeout(60_000);

  it('restores every path and writes nothing outside, however the writes interleave', async () => {
    const rels = ['d/a', 'd/e/f', 'd/b', 'd/e/g', 'd/x/y/z'];
    for (let round = 0; round < 100; round++) {
      const root = makeTempDir('aop-race-');
      const outside = makeTempDir('aop-outside-');
      try {
        fs.symlinkSync(outside, path.join(root, 'd'));
        const writer = worktreeWriter(root); // one per rollback, as the rollback service makes it
        const results = await Promise.allSettled(rels.map((r) => writer.write(r, { mode: '100644', data: Buffer.from(r) })));
        assert.deepEqual(results.filter((r) => r.status === 'rejected'), [], `round ${round}: every write succeeds`);
        for (const r of rels) assert.equal(fs.readFileSync(path.join(root, r), 'utf8'), r, `round ${round}: ${r}`);
        assert.ok(fs.lstatSync(path.join(root, 'd')).isDirectory());
        assert.deepEqual(fs.readdirSync(outside), [], 'nothing written through the link');
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
        fs.rmSync(outside, { recursive: true, force: true });
      }
    }
  });
});
