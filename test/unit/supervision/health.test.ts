/** Health figures from the event log, and disk use measured on real repositories and folders. */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkpointBytes, cleanDeleted, deletedFolder, diskTotals, folderBytes, pruneUnreachable } from '../../../src/core/supervision/diskUsage';
import { HEALTH_WINDOW, HealthFold, percentile } from '../../../src/core/supervision/health';
import { makeTempDir, makeTempRepo } from '../helpers/tempRepo';
import { clock } from './events';

describe('Health', () => {
  it('nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 95), 95);
    assert.equal(percentile(xs, 99), 99);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), 0);
  });

  it('derives latency percentiles, the last checkpoint, cache-hit rate, failures, watcher and pace from the log', () => {
    const c = clock();
    const h = new HealthFold();
    h.apply(c.ev({ t: 'watcher', state: 'ready', backend: 'native' }));
    for (let i = 1; i <= 20; i++) {
      h.apply(c.ev({ t: 'checkpoint', seq: i, commit: 'c', tree: 't', parent: 'p', trigger: 'watch', files: [], durationMs: i * 10, violations: [] }));
      h.apply(c.ev({ t: 'validation', seq: i, durationMs: 1, checked: 4, cacheHits: i % 2 === 0 ? 3 : 1, violations: 0 }));
    }
    h.apply(c.ev({ t: 'checkpoint.failed', error: 'disk full' }));
    h.apply(c.ev({ t: 'checkpoint.pace', factor: 2, quietMs: 300, maxWaitMs: 2000, reason: 'slow' }));
    h.apply(c.ev({ t: 'watcher', state: 'overflow', message: 'dropped events' }));
    const f = h.figures();
    assert.deepEqual(f.checkpoints, { count: 20, p50: 100, p95: 190, p99: 200, last: 200, lastAt: new Date(c.at(40)).toISOString() });
    assert.deepEqual(f.validation, { runs: 20, checked: 80, cacheHits: 40, hitRate: 0.5 });
    assert.deepEqual(f.failures, { count: 1, last: 'disk full' });
    assert.equal(f.pace.factor, 2);
    assert.equal(f.watcher?.state, 'overflow');
    assert.equal(f.watcher?.backend, 'native', 'the backend is remembered across state changes');
  });

  it('keeps percentiles over the recent window only', () => {
    const c = clock();
    const h = new HealthFold();
    for (let i = 0; i < HEALTH_WINDOW; i++) h.apply(c.ev({ t: 'checkpoint', seq: i + 1, commit: 'c', tree: 't', parent: 'p', trigger: 'watch', files: [], durationMs: 5000, violations: [] }));
    for (let i = 0; i < HEALTH_WINDOW; i++) h.apply(c.ev({ t: 'checkpoint', seq: i + 1, commit: 'c', tree: 't', parent: 'p', trigger: 'watch', files: [], durationMs: 5, violations: [] }));
    assert.equal(h.figures().checkpoints?.p99, 5);
  });

  describe('disk', () => {
    it('measures what checkpoints hold beyond the base in the object store', async () => {
      const repo = makeTempRepo({ 'README.md': '# r\n' });
      try {
        const base = repo.git('rev-parse', 'HEAD');
        assert.equal(await checkpointBytes(repo.dir, base, base), 0);
        repo.write('big.bin', randomBytes(200_000));
        const head = repo.commitAll('big');
        const bytes = await checkpointBytes(repo.dir, head, base);
        // Random bytes do not compress: the blob alone takes about its size.
        assert.ok(bytes > 190_000 && bytes < 260_000, `checkpoint bytes ${bytes}`);
      } finally {
        repo.cleanup();
      }
    });

    it('measures a folder without following links and leaves out what it is told to skip', async () => {
      const dir = makeTempDir();
      try {
        fs.writeFileSync(path.join(dir, 'a.bin'), randomBytes(100_000));
        fs.mkdirSync(path.join(dir, 'sub/deeper'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'sub/deeper/b.bin'), randomBytes(50_000));
        fs.writeFileSync(path.join(dir, '.git'), 'gitdir: elsewhere\n');
        fs.symlinkSync('/usr', path.join(dir, 'link'));
        const u = await folderBytes(dir, ['.git']);
        assert.equal(u.files, 3, 'a.bin, b.bin and the link itself');
        assert.ok(u.bytes >= 150_000 && u.bytes < 200_000, `folder bytes ${u.bytes}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('cleans <worktrees>/.deleted/ and says what it gave back', async () => {
      const root = makeTempDir();
      try {
        const kept = path.join(deletedFolder(root), 'old-123');
        fs.mkdirSync(kept, { recursive: true });
        fs.writeFileSync(path.join(kept, 'x.bin'), randomBytes(40_000));
        fs.mkdirSync(path.join(root, 'live'));
        const r = await cleanDeleted(root);
        assert.deepEqual(r.removed, ['old-123']);
        assert.ok(r.bytes >= 40_000);
        assert.deepEqual(fs.readdirSync(deletedFolder(root)), []);
        assert.ok(fs.existsSync(path.join(root, 'live')), 'only .deleted/ is touched');
        assert.deepEqual(await cleanDeleted(makeTempDir()), { removed: [], bytes: 0 });
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });

    it('prunes unreachable objects older than an hour and keeps fresh ones (a checkpoint being written)', async () => {
      const repo = makeTempRepo();
      try {
        const write = (text: string) => {
          fs.writeFileSync(path.join(repo.dir, '..', 'obj.txt'), text);
          return repo.git('hash-object', '-w', '--no-filters', path.join(repo.dir, '..', 'obj.txt'));
        };
        const stale = write('unreachable and old\n');
        const fresh = write('unreachable but just written\n');
        const objPath = (oid: string) => path.join(repo.dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
        const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
        fs.utimesSync(objPath(stale), twoHoursAgo, twoHoursAgo);
        await pruneUnreachable(repo.dir);
        assert.equal(fs.existsSync(objPath(stale)), false, 'the old unreachable object is gone');
        assert.equal(fs.existsSync(objPath(fresh)), true, 'the fresh one stays');
        assert.equal(repo.git('cat-file', '-t', 'HEAD'), 'commit');
      } finally {
        repo.cleanup();
      }
    });

    it('sums features and .deleted/ against the quota', () => {
      const t = diskTotals([{ checkpointBytes: 100, worktreeBytes: 300 }, { checkpointBytes: 50, worktreeBytes: 50 }], 500, 800);
      assert.deepEqual(t, { usedBytes: 1000, deletedBytes: 500, quotaBytes: 800, fraction: 1.25, over: true });
      assert.deepEqual(diskTotals([], 0, 0), { usedBytes: 0, deletedBytes: 0, fraction: 0, over: false });
    });
  });
});
