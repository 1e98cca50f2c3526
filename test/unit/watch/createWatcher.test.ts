import type { FSWatcher } from 'chokidar';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AopError } from '../../../src/core/util/errors';
import { waitFor } from '../../../src/core/util/async';
import { ChokidarWatcher } from '../../../src/core/watch/chokidarWatcher';
import { createWatcher } from '../../../src/core/watch/createWatcher';
import { NativeWatcher, type ParcelWatcher } from '../../../src/core/watch/nativeWatcher';
import type { FileWatcher, WatcherSetting } from '../../../src/core/watch/types';
import { Recorder, makeTempDir, removeDir } from './watchHelpers';

const missingBinary = (): ParcelWatcher => {
  throw new Error('No prebuild or local build of @parcel/watcher found');
};

describe('createWatcher', function () {
  let root: string | undefined;
  const open: FileWatcher[] = [];

  beforeEach(async function () {
    root = await makeTempDir();
  });
  afterEach(async function () {
    await Promise.all(open.splice(0).map((w) => w.close()));
    await removeDir(root);
  });

  function make(setting: WatcherSetting, rec: Recorder, loadNative?: () => ParcelWatcher): FileWatcher {
    const w = createWatcher(setting, { root: root!, onEvents: rec.onEvents, onError: rec.onError }, loadNative ? { loadNative } : {});
    open.push(w);
    return w;
  }

  it("'auto' picks the native watcher where it loads", function () {
    assert.equal(make('auto', new Recorder(root!)).backend, 'native');
  });

  it("'auto' falls back to chokidar when the native module cannot load, and that watcher works", async function () {
    const rec = new Recorder(root!);
    const w = make('auto', rec, missingBinary);
    assert.equal(w.backend, 'chokidar');
    await w.start();
    await fs.writeFile(path.join(root!, 'a.txt'), 'a');
    await waitFor(() => rec.has('a.txt', 'create'), 5000, 'create of a.txt');
  });

  it("an explicit 'native' that cannot load fails with WATCHER_FAILED naming the setting", function () {
    assert.throws(
      () => make('native', new Recorder(root!), missingBinary),
      (err: unknown) => AopError.is(err, 'WATCHER_FAILED') && /aop\.watcher\.backend/.test(err.message) && /No prebuild/.test(err.message),
    );
  });

  it('honours explicit chokidar and polling', function () {
    assert.equal(make('chokidar', new Recorder(root!)).backend, 'chokidar');
    assert.equal(make('polling', new Recorder(root!)).backend, 'polling');
  });

  it('refuses an unknown setting', function () {
    assert.throws(
      () => make('inotify' as WatcherSetting, new Recorder(root!)),
      (err: unknown) => AopError.is(err, 'INVALID_INPUT'),
    );
  });

  for (const setting of ['native', 'chokidar', 'polling'] as const) {
    it(`${setting}: start() on a missing folder fails with WATCHER_FAILED`, async function () {
      const w = createWatcher(setting, { root: path.join(root!, 'nope'), onEvents: () => undefined, onError: () => undefined });
      open.push(w);
      await assert.rejects(w.start(), (err: unknown) => AopError.is(err, 'WATCHER_FAILED'));
    });
  }
});

describe('backend errors', function () {
  let root: string | undefined;
  beforeEach(async function () {
    root = await makeTempDir();
  });
  afterEach(async function () {
    await removeDir(root);
  });

  it('native: an error from the library is reported with overflow=true', async function () {
    let callback: ((err: Error | null, events: { path: string; type: 'create' | 'update' | 'delete' }[]) => unknown) | undefined;
    const fakeParcel = {
      subscribe: (_dir: string, fn: typeof callback) => {
        callback = fn;
        return Promise.resolve({ unsubscribe: () => Promise.resolve() });
      },
    } as unknown as ParcelWatcher;
    const rec = new Recorder(root!);
    const w = new NativeWatcher({ root: root!, onEvents: rec.onEvents, onError: rec.onError }, fakeParcel);
    await w.start();
    callback!(new Error('Events were dropped by the FSEvents client. File system must be re-scanned.'), []);
    assert.equal(rec.errors.length, 1);
    assert.equal(rec.errors[0]!.overflow, true);
    assert.match(rec.errors[0]!.err.message, /Events were dropped/);
    await w.close();
    callback!(null, [{ path: path.join(root!, 'x'), type: 'create' }]);
    assert.equal(rec.total, 0, 'nothing is reported after close');
  });

  it('chokidar: a watch-limit error (ENOSPC) is reported with overflow=true and says what to do', async function () {
    const rec = new Recorder(root!);
    const w = new ChokidarWatcher({ root: root!, onEvents: rec.onEvents, onError: rec.onError });
    await w.start();
    try {
      // The OS limit is machine-wide and cannot be lowered for one test: raise the error chokidar would.
      const fsw = (w as unknown as { fsw: FSWatcher }).fsw;
      fsw.emit('error', Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' }));
      assert.equal(rec.errors.length, 1);
      assert.equal(rec.errors[0]!.overflow, true);
      assert.ok(AopError.is(rec.errors[0]!.err, 'WATCHER_FAILED'));
      assert.match(rec.errors[0]!.err.message, /max_user_watches/);
    } finally {
      await w.close();
    }
  });
});
