import * as assert from 'node:assert/strict';
import * as syncFs from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AopError } from '../../../src/core/util/errors';
import { waitFor } from '../../../src/core/util/async';
import { Watchdog, type WatchBatch, type WatchdogOptions } from '../../../src/core/watch/watchdog';
import { FakeWatcher, git, makeRepoWithWorktree, makeTempDir, removeDir } from './watchHelpers';

/** Collects what a watchdog delivers. */
class Sink {
  readonly batches: WatchBatch[] = [];
  readonly reconciles: string[] = [];
  readonly gitWrites: string[][] = [];
  readonly opts = {
    onBatch: (b: WatchBatch): void => {
      this.batches.push(b);
    },
    onNeedsReconcile: (reason: string): void => {
      this.reconciles.push(reason);
    },
    onGitDirWrite: (paths: string[]): void => {
      this.gitWrites.push(paths);
    },
  };
  /** Every path delivered in any batch, with its last kind. */
  paths(): Map<string, string> {
    const all = new Map<string, string>();
    for (const b of this.batches) for (const [p, k] of b.paths) all.set(p, k);
    return all;
  }
  gitPaths(): Set<string> {
    return new Set(this.gitWrites.flat());
  }
}

describe('Watchdog', function () {
  let tmp: string | undefined;
  const dogs: Watchdog[] = [];

  afterEach(async function () {
    await Promise.all(dogs.splice(0).map((d) => d.close()));
    await removeDir(tmp);
    tmp = undefined;
  });

  function track(d: Watchdog): Watchdog {
    dogs.push(d);
    return d;
  }

  describe('with an injected watcher', function () {
    let fake: FakeWatcher;
    let sink: Sink;

    async function startFake(opts: Partial<WatchdogOptions> = {}): Promise<Watchdog> {
      tmp = await makeTempDir();
      sink = new Sink();
      const dog = track(
        new Watchdog({
          root: tmp,
          backend: 'auto',
          quietMs: 50,
          maxWaitMs: 1000,
          ...sink.opts,
          ...opts,
          createWatcher: (_setting, o) => (fake = new FakeWatcher(o)),
        }),
      );
      await dog.start();
      assert.ok(fake.started);
      return dog;
    }

    it('debounces a burst into one batch of relative git-form paths', async function () {
      const dog = await startFake();
      fake.push('create', 'a.txt', path.join('dir', 'b.txt'));
      fake.push('update', 'a.txt');
      fake.push('create', path.join('dir', 'c.txt'));
      await waitFor(() => sink.batches.length > 0, 5000, 'a batch');
      assert.equal(sink.batches.length, 1);
      const b = sink.batches[0]!;
      assert.deepEqual([...b.paths.keys()].sort(), ['a.txt', 'dir/b.txt', 'dir/c.txt']);
      assert.equal(b.count, 4);
      assert.ok(b.firstEventAt <= b.lastEventAt);
      assert.deepEqual(dog.stats, { eventsSeen: 4, batchesEmitted: 1, pathsEmitted: 3, gitDirWrites: 0, reconcileRequests: 0 });
    });

    it('coalesces events per path: created+modified is created, anything then deleted is deleted', async function () {
      await startFake();
      fake.push('create', 'new.txt');
      fake.push('update', 'new.txt');
      fake.push('create', 'gone.txt');
      fake.push('delete', 'gone.txt');
      fake.push('update', 'old.txt');
      fake.push('delete', 'old.txt');
      fake.push('delete', 'back.txt');
      fake.push('create', 'back.txt');
      await waitFor(() => sink.batches.length > 0, 5000, 'a batch');
      assert.deepEqual(
        Object.fromEntries(sink.batches[0]!.paths),
        { 'new.txt': 'created', 'gone.txt': 'deleted', 'old.txt': 'deleted', 'back.txt': 'created' },
      );
      assert.equal(sink.batches[0]!.count, 8);
    });

    it('setPace() changes how long the next events gather (the checkpoint pacer turns this knob)', async function () {
      const dog = await startFake({ quietMs: 60_000, maxWaitMs: 60_000 });
      fake.push('create', 'a.txt');
      dog.setPace(20, 40);
      assert.deepEqual(dog.pace, { quietMs: 20, maxWaitMs: 40 });
      // The next event waits only the new quiet time: without setPace this batch would take a minute.
      fake.push('create', 'b.txt');
      await waitFor(() => sink.batches.length > 0, 10_000, 'a batch at the new pace');
      assert.deepEqual([...sink.batches[0]!.paths.keys()].sort(), ['a.txt', 'b.txt']);
      dog.setPace(500, 100);
      assert.deepEqual(dog.pace, { quietMs: 500, maxWaitMs: 500 }, 'the maximum wait is never below the quiet time');
    });

    it('flush() delivers the pending batch at once and resolves after delivery', async function () {
      const dog = await startFake({ quietMs: 60_000, maxWaitMs: 60_000 });
      fake.push('create', 'x.txt');
      await dog.flush();
      assert.equal(sink.batches.length, 1);
      assert.deepEqual([...sink.batches[0]!.paths.keys()], ['x.txt']);
      await dog.flush(); // nothing pending: no empty batch
      assert.equal(sink.batches.length, 1);
    });

    it('never overlaps deliveries: events during a slow delivery form the next batch', async function () {
      let release!: () => void;
      let active = 0;
      let maxActive = 0;
      const dog = await startFake({
        onBatch: async (b) => {
          active++;
          maxActive = Math.max(maxActive, active);
          sink.batches.push(b);
          if (sink.batches.length === 1) await new Promise<void>((r) => (release = r));
          active--;
        },
      });
      fake.push('create', 'first.txt');
      await waitFor(() => sink.batches.length === 1, 5000, 'first batch');
      fake.push('create', 'second.txt');
      fake.push('create', 'third.txt');
      const flushed = dog.flush();
      assert.equal(sink.batches.length, 1, 'the second batch waits for the first delivery');
      release();
      await flushed;
      assert.equal(sink.batches.length, 2);
      assert.deepEqual([...sink.batches[1]!.paths.keys()].sort(), ['second.txt', 'third.txt']);
      assert.equal(maxActive, 1);
    });

    it('hands paths that wait behind a slow delivery to onWaiting at once, each until it changes again', async function () {
      let release!: () => void;
      const waiting: string[][] = [];
      const dog = await startFake({
        onBatch: async (b) => {
          sink.batches.push(b);
          if (sink.batches.length === 1) await new Promise<void>((r) => (release = r));
        },
        onWaiting: (paths) => waiting.push(paths),
      });
      fake.push('create', 'big.bin');
      await waitFor(() => sink.batches.length === 1, 5000, 'first batch');
      fake.push('create', 'escape');
      await waitFor(() => waiting.length === 1, 5000, 'the waiting paths');
      assert.deepEqual(waiting[0], ['escape']);
      fake.push('create', 'other.txt');
      await waitFor(() => waiting.length === 2, 5000, 'the next waiting path');
      assert.deepEqual(waiting[1], ['other.txt'], 'a path already handed over is not handed again');
      fake.push('update', 'escape');
      await waitFor(() => waiting.length === 3, 5000, 'the changed path');
      assert.deepEqual(waiting[2], ['escape'], 'a path that changed again is handed again');
      assert.equal(sink.batches.length, 1, 'all while the first delivery runs');
      const flushed = dog.flush();
      release();
      await flushed;
      assert.deepEqual([...sink.batches[1]!.paths.keys()].sort(), ['escape', 'other.txt']);
      assert.deepEqual([...(sink.batches[1]!.early ?? [])].sort(), ['escape', 'other.txt']);
      fake.push('create', 'later.txt');
      await waitFor(() => sink.batches.length === 3, 5000, 'a batch with nothing ahead of it');
      assert.equal(sink.batches[2]!.early, undefined);
      assert.equal(waiting.length, 3, 'nothing waits when no delivery runs');
    });

    it('turns a watcher error or overflow into onNeedsReconcile with the reason', async function () {
      const dog = await startFake();
      fake.fail(new Error('Events were dropped by the OS'), true);
      await waitFor(() => sink.reconciles.length > 0, 5000, 'reconcile request');
      assert.match(sink.reconciles[0]!, /may have dropped events: Events were dropped by the OS/);
      fake.fail(new Error('EACCES on sub'), false);
      await waitFor(() => sink.reconciles.length > 1, 5000, 'second reconcile request');
      assert.match(sink.reconciles[1]!, /file watcher error: EACCES on sub/);
      assert.equal(dog.stats.reconcileRequests, 2);
    });

    it('asks for one reconcile when several errors come at once', async function () {
      await startFake();
      for (let i = 0; i < 5; i++) fake.fail(new Error(`unreadable ${i}`), true);
      await waitFor(() => sink.reconciles.length > 0, 5000, 'reconcile request');
      await new Promise((r) => setImmediate(r));
      assert.equal(sink.reconciles.length, 1);
      assert.match(sink.reconciles[0]!, /unreadable 0 .*and 4 more/);
    });

    it('asks for a reconcile when the consumer fails a batch, so its paths are not lost', async function () {
      await startFake({
        onBatch: () => {
          throw new Error('disk full');
        },
      });
      fake.push('create', 'lost.txt');
      await waitFor(() => sink.reconciles.length > 0, 5000, 'reconcile request');
      assert.match(sink.reconciles[0]!, /1 changed paths could not be processed: disk full/);
    });

    it('asks for a reconcile when the worktree folder itself is deleted', async function () {
      await startFake();
      fake.opts.onEvents([{ path: fake.opts.root, kind: 'delete' }]);
      await waitFor(() => sink.reconciles.length > 0, 5000, 'reconcile request');
      assert.match(sink.reconciles[0]!, /worktree folder itself/);
    });

    it('delivers nothing after close() and closes its watcher', async function () {
      const dog = await startFake({ quietMs: 30 });
      fake.push('create', 'pending.txt');
      await dog.close();
      assert.ok(fake.closed);
      fake.push('create', 'late.txt');
      fake.fail(new Error('late'), true);
      await dog.flush();
      assert.deepEqual(sink.batches, []);
      assert.deepEqual(sink.reconciles, []);
    });

    it('fails start() with WATCHER_FAILED when the folder does not exist', async function () {
      tmp = await makeTempDir();
      const dog = track(new Watchdog({ root: path.join(tmp, 'missing'), backend: 'auto', ...new Sink().opts }));
      await assert.rejects(dog.start(), (err: unknown) => AopError.is(err, 'WATCHER_FAILED'));
    });
  });

  describe('on a real worktree', function () {
    let repo: string;
    let worktree: string;
    let sink: Sink;

    beforeEach(async function () {
      tmp = await makeTempDir();
      ({ repo, worktree } = await makeRepoWithWorktree(tmp));
      sink = new Sink();
    });

    async function startReal(root: string, opts: Partial<WatchdogOptions> = {}): Promise<Watchdog> {
      const dog = track(new Watchdog({ root, backend: 'auto', quietMs: 100, maxWaitMs: 1000, pollIntervalMs: 100, ...sink.opts, ...opts }));
      await dog.start();
      return dog;
    }

    it('reports the backend and delivers changed paths, a deleted folder as itself', async function () {
      const dog = await startReal(worktree);
      assert.equal(dog.backend, 'native');
      await fs.writeFile(path.join(worktree, 'src', 'new.txt'), 'n');
      await fs.writeFile(path.join(worktree, 'README.md'), 'changed\n');
      await waitFor(() => sink.paths().has('src/new.txt') && sink.paths().has('README.md'), 10_000, 'both paths');
      await fs.rm(path.join(worktree, 'src'), { recursive: true });
      await waitFor(() => sink.paths().get('src') === 'deleted', 10_000, 'folder deletion');
      assert.ok(dog.stats.eventsSeen >= 3);
      assert.equal(dog.stats.batchesEmitted, sink.batches.length);
    });

    it('keeps batching a writer that never pauses (maxWait)', async function () {
      this.timeout(20_000);
      await startReal(worktree, { quietMs: 150, maxWaitMs: 400 });
      // Every 20 ms for 2 s: never 150 ms of quiet, so only maxWait can release batches.
      for (let i = 0; i < 100; i++) {
        await fs.writeFile(path.join(worktree, `w${i % 10}.txt`), String(i));
        await new Promise((r) => setTimeout(r, 20));
      }
      const whileWriting = sink.batches.length;
      assert.ok(whileWriting >= 2, `expected at least 2 batches while the writer ran, got ${whileWriting}`);
      await waitFor(() => sink.paths().size === 10, 10_000, 'all ten files');
    });

    for (const backend of ['native', 'chokidar', 'polling'] as const) {
      it(`${backend}: reports an overwritten .git file as a git-dir write and keeps it out of batches`, async function () {
        const dog = await startReal(worktree, { backend });
          assert.equal(dog.backend, backend);
        const gitFile = path.join(worktree, '.git');
        assert.ok((await fs.lstat(gitFile)).isFile(), 'a linked worktree has a .git file');
        await fs.writeFile(gitFile, 'gitdir: /somewhere/else\n');
        await fs.writeFile(path.join(worktree, 'marker.txt'), 'm');
        await waitFor(() => sink.gitPaths().has('.git'), 10_000, 'git-dir write');
        await waitFor(() => sink.paths().has('marker.txt'), 10_000, 'marker in a batch');
        assert.ok(![...sink.paths().keys()].some((p) => p === '.git' || p.startsWith('.git/')), 'no .git path in batches');
        assert.ok(dog.stats.gitDirWrites >= 1);
      });

      it(`${backend}: reports a .git folder created in a worktree, with what is written inside it`, async function () {
        await startReal(worktree, { backend });
        await fs.rm(path.join(worktree, '.git'));
        await fs.mkdir(path.join(worktree, '.git'));
        await fs.writeFile(path.join(worktree, '.git', 'HEAD'), 'ref: refs/heads/evil\n');
        await waitFor(() => sink.gitPaths().has('.git') && sink.gitPaths().has('.git/HEAD'), 10_000, 'git-dir writes').catch((e: Error) => {
          throw new Error(`${e.message}; seen: ${JSON.stringify(sink.gitWrites)}, batches: ${JSON.stringify(sink.batches.map((b) => [...b.paths]))}`);
        });
        await fs.writeFile(path.join(worktree, 'marker.txt'), 'm');
        await waitFor(() => sink.paths().has('marker.txt'), 10_000, 'marker in a batch');
        assert.ok(![...sink.paths().keys()].some((p) => p === '.git' || p.startsWith('.git/')), 'no .git path in batches');
      });

      it(`${backend}: a file replaced at once by a folder with files in it: the files are reported`, async function () {
        // The native library folds "deleted, then created" into one update of the path; files
        // written into the new folder before its watch existed were lost (the flaky .git test).
        await startReal(worktree, { backend });
        for (let i = 0; i < 30; i++) syncFs.writeFileSync(path.join(worktree, `swap${i}`), 'a file\n');
        await waitFor(() => [...Array(30).keys()].every((i) => sink.paths().has(`swap${i}`)), 10_000, 'the files');
        for (let i = 0; i < 30; i++) {
          syncFs.rmSync(path.join(worktree, `swap${i}`));
          syncFs.mkdirSync(path.join(worktree, `swap${i}`));
          syncFs.writeFileSync(path.join(worktree, `swap${i}`, 'inside.txt'), 'in\n');
        }
        await waitFor(() => [...Array(30).keys()].every((i) => sink.paths().has(`swap${i}/inside.txt`)), 10_000, 'every file inside the new folders');
      });

      it(`${backend}: ignores git activity inside a repository whose .git is a folder`, async function () {
        await startReal(repo, { backend });
        await fs.writeFile(path.join(repo, 'README.md'), 'edited\n');
        await waitFor(() => sink.paths().has('README.md'), 10_000, 'README.md');
        // `git add` writes the index and objects under .git.
        await git(repo, 'add', 'README.md');
        await fs.writeFile(path.join(repo, 'marker.txt'), 'm');
        await waitFor(() => sink.paths().has('marker.txt'), 10_000, 'marker');
        assert.deepEqual(sink.gitWrites, []);
        assert.ok(![...sink.paths().keys()].some((p) => p.startsWith('.git')), 'no .git path in batches');
      });
    }
  });
});
