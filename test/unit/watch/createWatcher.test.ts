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

  it('native: after a library error it subscribes again, then reports overflow=true', async function () {
    type Cb = (err: Error | null, events: { path: string; type: 'create' | 'update' | 'delete' }[]) => unknown;
    const calls: { dir: string; fn: Cb }[] = [];
    const fakeParcel = {
      subscribe: (dir: string, fn: Cb) => {
        calls.push({ dir, fn });
        return Promise.resolve({ unsubscribe: () => Promise.resolve() });
      },
    } as unknown as ParcelWatcher;
    const rec = new Recorder(root!);
    const w = new NativeWatcher({ root: root!, onEvents: rec.onEvents, onError: rec.onError }, fakeParcel);
    await w.start();
    assert.equal(calls.length, 1);
    calls[0]!.fn(new Error('Events were dropped by the FSEvents client. File system must be re-scanned.'), []);
    await waitFor(() => rec.errors.length > 0, 5000, 'error report');
    // The library drops a subscription's callbacks after a fatal error: it must be renewed first.
    assert.equal(calls.length, 2);
    assert.equal(calls[1]!.dir, calls[0]!.dir);
    assert.equal(calls[1]!.fn, calls[0]!.fn, 'same callback, so a still-live subscription is not doubled');
    assert.equal(rec.errors[0]!.overflow, true);
    assert.match(rec.errors[0]!.err.message, /Events were dropped/);
    calls[1]!.fn(null, [{ path: path.join(root!, 'after.txt'), type: 'create' }]);
    assert.ok(rec.has('after.txt', 'create'));
    // An error that keeps coming back stops the retries and says what to do.
    for (let i = 0; i < 3; i++) calls[0]!.fn(new Error(`again ${i}`), []);
    await waitFor(() => rec.errors.length === 4, 5000, 'three more error reports');
    const gaveUp = rec.errors.filter((e) => /keeps failing.*aop\.watcher\.backend/.test(e.err.message));
    assert.equal(gaveUp.length, 1, 'the fourth error within a minute stops the retries');
    assert.equal(calls.length, 4);
    await w.close();
    calls[0]!.fn(null, [{ path: path.join(root!, 'x'), type: 'create' }]);
    assert.ok(!rec.has('x'), 'nothing is reported after close');
  });

  it('native: a path reported deleted that exists again is reported created, a folder with what is inside it', async function () {
    // The library reads its event list and clears it in two steps; a create recorded in between
    // is dropped, so `rm .git; mkdir .git; write .git/HEAD` can arrive as a lone delete of `.git`.
    type Cb = (err: Error | null, events: { path: string; type: 'create' | 'update' | 'delete' }[]) => unknown;
    let deliver: Cb | undefined;
    const fakeParcel = {
      subscribe: (_dir: string, fn: Cb) => {
        deliver = fn;
        return Promise.resolve({ unsubscribe: () => Promise.resolve() });
      },
    } as unknown as ParcelWatcher;
    const rec = new Recorder(root!);
    const w = new NativeWatcher({ root: root!, onEvents: rec.onEvents, onError: rec.onError }, fakeParcel);
    await w.start();
    await fs.mkdir(path.join(root!, '.git'));
    await fs.writeFile(path.join(root!, '.git', 'HEAD'), 'ref: refs/heads/evil\n');
    await fs.writeFile(path.join(root!, 'file.txt'), 'back\n');
    deliver!(null, [
      { path: path.join(root!, '.git'), type: 'delete' },
      { path: path.join(root!, 'file.txt'), type: 'delete' },
      { path: path.join(root!, 'gone.txt'), type: 'delete' },
    ]);
    await waitFor(() => rec.has('.git', 'create') && rec.has('.git/HEAD', 'create') && rec.has('file.txt', 'create'), 5000, 'the paths that are back');
    await w.close();
    assert.ok(!rec.has('gone.txt', 'create'), 'a path that stayed deleted is only deleted');
    assert.deepEqual(rec.errors, []);
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
