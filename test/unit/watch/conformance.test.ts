/**
 * One suite, run against every FileWatcher backend. A backend that cannot run here fails the
 * suite (createWatcher with an explicit name never falls back), it is never skipped.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createWatcher } from '../../../src/core/watch/createWatcher';
import type { FileWatcher, WatcherBackendName } from '../../../src/core/watch/types';
import { waitFor } from '../../../src/core/util/async';
import { Recorder, makeTempDir, removeDir, writeBurst } from './watchHelpers';

const POLL_MS = 100;

interface BackendCase {
  name: WatcherBackendName;
  burstFolders: number;
  burstFilesPerFolder: number;
  /** Deadline for one expected event. */
  eventTimeoutMs: number;
}

const BACKENDS: BackendCase[] = [
  { name: 'native', burstFolders: 100, burstFilesPerFolder: 100, eventTimeoutMs: 5_000 },
  { name: 'chokidar', burstFolders: 100, burstFilesPerFolder: 100, eventTimeoutMs: 5_000 },
  { name: 'polling', burstFolders: 10, burstFilesPerFolder: 100, eventTimeoutMs: 5_000 },
];

for (const b of BACKENDS) {
  describe(`FileWatcher conformance: ${b.name}`, function () {
    let root: string;
    let rec: Recorder;
    const open: FileWatcher[] = [];

    async function startWatcher(r: Recorder = rec): Promise<FileWatcher> {
      const w = createWatcher(b.name, {
        root,
        ignorePaths: [path.join(root, 'ignored')],
        pollIntervalMs: POLL_MS,
        onEvents: r.onEvents,
        onError: r.onError,
      });
      open.push(w);
      assert.equal(w.backend, b.name, 'the backend asked for is the one used');
      await w.start();
      return w;
    }

    const write = (rel: string, content = 'x'): Promise<void> => fs.writeFile(path.join(root, rel), content);
    const seen = (rel: string, kind?: 'create' | 'update' | 'delete', r: Recorder = rec): Promise<void> =>
      waitFor(() => r.has(rel, kind), b.eventTimeoutMs, `${kind ?? 'an event'} for ${rel} (${b.name})`);

    beforeEach(async function () {
      root = await makeTempDir();
      await fs.mkdir(path.join(root, 'sub'));
      await fs.mkdir(path.join(root, 'ignored'));
      await write('existing.txt', 'old');
      await write('sub/old.txt', 'old');
      rec = new Recorder(root);
    });

    afterEach(async function () {
      await Promise.all(open.splice(0).map((w) => w.close()));
      await removeDir(root);
    });

    it('reports a created file', async function () {
      await startWatcher();
      await write('new.txt');
      await seen('new.txt', 'create');
    });

    it('reports a modified file', async function () {
      await startWatcher();
      await write('existing.txt', 'new and longer content');
      await seen('existing.txt', 'update');
    });

    it('reports a deleted file', async function () {
      await startWatcher();
      await fs.rm(path.join(root, 'sub/old.txt'));
      await seen('sub/old.txt', 'delete');
    });

    it('reports both paths of a rename', async function () {
      await startWatcher();
      await fs.rename(path.join(root, 'existing.txt'), path.join(root, 'renamed.txt'));
      await seen('existing.txt', 'delete');
      await seen('renamed.txt', 'create');
    });

    it('reports files in folders created after start, then later writes inside them', async function () {
      await startWatcher();
      // mkdir -p and an immediate write: the folder is filled before any watch can be set on it.
      await fs.mkdir(path.join(root, 'a/b/c'), { recursive: true });
      await write('a/b/c/first.txt');
      await seen('a/b/c/first.txt');
      await write('a/b/c/later.txt');
      await write('a/b/later.txt');
      await seen('a/b/c/later.txt');
      await seen('a/b/later.txt');
    });

    it('reports a folder deleted and recreated with new files, and later writes in it', async function () {
      await startWatcher();
      await fs.rm(path.join(root, 'sub'), { recursive: true });
      await seen('sub', 'delete');
      await fs.mkdir(path.join(root, 'sub'));
      await write('sub/one.txt');
      await write('sub/two.txt');
      await seen('sub/one.txt');
      await seen('sub/two.txt');
      await write('sub/one.txt', 'changed content, longer');
      await seen('sub/one.txt', 'update');
    });

    it('reports writes in a folder under its new name after the folder is renamed', async function () {
      await fs.mkdir(path.join(root, 'sub/inner'));
      await startWatcher();
      await fs.rename(path.join(root, 'sub'), path.join(root, 'moved'));
      await seen('moved', 'create');
      await write('moved/inner/new.txt');
      await seen('moved/inner/new.txt');
    });

    it('reports writes inside a folder that replaced a file of the same name', async function () {
      await startWatcher();
      await fs.rm(path.join(root, 'existing.txt'));
      await fs.mkdir(path.join(root, 'existing.txt'));
      await write('existing.txt/inside.txt');
      await seen('existing.txt/inside.txt');
      await write('existing.txt/later.txt');
      await seen('existing.txt/later.txt');
    });

    it('honours ignorePaths', async function () {
      await startWatcher();
      await write('ignored/skip.txt');
      await fs.mkdir(path.join(root, 'ignored/deeper'));
      await write('ignored/deeper/skip.txt');
      await write('marker.txt');
      await seen('marker.txt');
      // The ignored writes came first; a second marker gives a slow backend one more round.
      await write('marker2.txt');
      await seen('marker2.txt');
      assert.deepEqual(rec.under('ignored'), []);
    });

    it('reports nothing after close()', async function () {
      const closing = await startWatcher();
      const control = new Recorder(root);
      await startWatcher(control);
      await closing.close();
      await write('after-close.txt');
      await seen('after-close.txt', undefined, control);
      await write('after-close-2.txt');
      await seen('after-close-2.txt', undefined, control);
      assert.equal(rec.total, 0, `closed watcher reported ${[...rec.kinds.keys()].join(', ')}`);
    });

    it(`loses no path in a burst of ${b.burstFolders * b.burstFilesPerFolder} writes in ${b.burstFolders} new folders`, async function () {
      this.timeout(90_000);
      await startWatcher();
      const written = await writeBurst(root, b.burstFolders, b.burstFilesPerFolder);
      await waitFor(() => rec.missing(written).length === 0, 60_000, `all ${written.length} paths (${b.name})`, 100).catch((err: Error) => {
        const missing = rec.missing(written);
        throw new Error(`${err.message}: ${missing.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`);
      });
      assert.deepEqual(rec.errors, [], 'no watcher errors during the burst');
    });
  });
}
