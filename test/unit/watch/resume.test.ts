import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AopError } from '../../../src/core/util/errors';
import { ChokidarWatcher } from '../../../src/core/watch/chokidarWatcher';
import { Watchdog, type WatchBatch } from '../../../src/core/watch/watchdog';
import { Recorder, makeTempDir, removeDir } from './watchHelpers';

describe('Watchdog: catching up after a restart (native snapshot)', function () {
  this.timeout(60_000);
  let root: string;
  let runtime: string;
  let tag = 'head-1';
  const dogs: Watchdog[] = [];

  beforeEach(async () => {
    root = await makeTempDir();
    runtime = await makeTempDir('aop-rt-');
    tag = 'head-1';
    for (let i = 0; i < 20; i++) await fs.writeFile(path.join(root, `f${i}.txt`), `${i}\n`);
    await fs.mkdir(path.join(root, 'sub'));
    await fs.writeFile(path.join(root, 'sub', 'a.txt'), 'a\n');
  });

  afterEach(async () => {
    await Promise.all(dogs.splice(0).map((d) => d.close()));
    await removeDir(root);
    await removeDir(runtime);
  });

  function dog(batches: WatchBatch[]): Watchdog {
    const d = new Watchdog({
      root,
      backend: 'native',
      quietMs: 30,
      onBatch: (b) => void batches.push(b),
      onNeedsReconcile: () => undefined,
      snapshot: { file: path.join(runtime, 'watch-snapshot'), tag: () => tag },
    });
    dogs.push(d);
    return d;
  }

  /** Starts (if not yet) and stops the way the feature runtime does at a clean stop. */
  async function stopCleanly(d: Watchdog, confirm = true): Promise<void> {
    if (!d.backend) await d.start();
    assert.equal(await d.snapshotNow(), true);
    await d.flush();
    if (confirm) await d.confirmSnapshot();
    await d.close();
  }

  async function changeWhileStopped(): Promise<void> {
    // mtimes are compared: make sure the clock has moved past the snapshot's.
    await new Promise((r) => setTimeout(r, 20));
    await fs.writeFile(path.join(root, 'f3.txt'), 'changed while stopped\n');
    await fs.rm(path.join(root, 'f4.txt'));
    await fs.writeFile(path.join(root, 'sub', 'new.txt'), 'new\n');
    await fs.mkdir(path.join(root, 'made'));
    await fs.writeFile(path.join(root, 'made', 'x.txt'), 'x\n');
  }

  it('reports exactly what changed while stopped, and nothing else', async () => {
    await stopCleanly(dog([]));
    await changeWhileStopped();
    const batches: WatchBatch[] = [];
    const d = dog(batches);
    const start = await d.start();
    assert.equal(start.resumed, true, start.why);
    await d.flush();
    const got = new Map<string, string>();
    for (const b of batches) for (const [p, k] of b.paths) got.set(p, k);
    assert.deepEqual(
      [...got].sort(),
      [
        ['f3.txt', 'modified'],
        ['f4.txt', 'deleted'],
        ['made', 'created'],
        ['made/x.txt', 'created'],
        ['sub/new.txt', 'created'],
      ].sort(),
    );
  });

  it('does not use a snapshot that was never confirmed, one confirmed at another checkpoint, or one already used', async () => {
    await stopCleanly(dog([]), false);
    let d = dog([]);
    assert.equal((await d.start()).resumed, false, 'unconfirmed: the head may not hold everything seen');
    await stopCleanly(d);
    tag = 'head-2';
    d = dog([]);
    const start = await d.start();
    assert.equal(start.resumed, false, 'confirmed at another checkpoint');
    assert.match(start.why ?? '', /another checkpoint/);
    await stopCleanly(d);
    d = dog([]);
    assert.equal((await d.start()).resumed, true);
    await d.close();
    assert.equal((await dog([]).start()).resumed, false, 'a snapshot is used once');
  });
});

describe('Fallback watchers on a tree too big for them', function () {
  this.timeout(30_000);
  let root: string;

  beforeEach(async () => {
    root = await makeTempDir();
    await fs.mkdir(path.join(root, 'd'));
    for (let i = 0; i < 12; i++) await fs.writeFile(path.join(root, 'd', `f${i}.txt`), 'x');
  });

  afterEach(() => removeDir(root));

  for (const polling of [false, true]) {
    it(`${polling ? 'polling' : 'chokidar'}: refuses to start, saying why and what to use instead`, async () => {
      const rec = new Recorder(root);
      const w = new ChokidarWatcher({ root, onEvents: rec.onEvents, onError: rec.onError }, polling, { maxEntries: 10 });
      await assert.rejects(w.start(), (e: unknown) => {
        assert.ok(AopError.is(e, 'WATCHER_FAILED'));
        assert.match((e as Error).message, /more than 10 files and folders/);
        assert.match((e as Error).message, /aop\.watcher\.backend to "auto" or "native"/);
        return true;
      });
      await w.close();
      const fits = new ChokidarWatcher({ root, onEvents: rec.onEvents, onError: rec.onError }, polling, { maxEntries: 13 });
      await fits.start();
      await fits.close();
    });
  }
});
