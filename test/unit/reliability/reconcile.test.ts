/**
 * What the watcher can miss, and what a worktree can hold that is not plain files: events dropped
 * on purpose (changes made with no watcher, a watcher that loses a burst and says so), a folder
 * deleted and recreated under a live watcher, a nested repository, a submodule, an LFS pointer.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FeatureRuntime } from '../../../src/core/orchestrator/featureRuntime';
import { waitFor } from '../../../src/core/util/async';
import { createWatcher, Watchdog, type WatcherOptions } from '../../../src/core/watch';
import { gitIn, makeTempDir, makeTempRepo, userState, type TempRepo } from '../helpers/tempRepo';
import { commitState, openLane, openRuntime, treeState, write, type Lane, referenceTree } from './helpers';

/** Agent-like changes of every shape: edits, new nested folders, deletes, a folder deleted and recreated, file<->folder swaps, a link, a mode, a rename. */
function churn(wt: string): void {
  write(wt, 'src/a.ts', 'changed\n');
  write(wt, 'src/new/deep/er/x.ts', 'x\n');
  fs.rmSync(path.join(wt, 'docs'), { recursive: true });
  fs.rmSync(path.join(wt, 'lib'), { recursive: true });
  write(wt, 'lib/again.ts', 'recreated with other content\n');
  fs.rmSync(path.join(wt, 'swap/file'));
  write(wt, 'swap/file/now-a-folder.txt', 'f\n');
  fs.rmSync(path.join(wt, 'swap/dir'), { recursive: true });
  write(wt, 'swap/dir', 'now a file\n');
  fs.symlinkSync('../src/a.ts', path.join(wt, 'swap/link'));
  fs.chmodSync(path.join(wt, 'bin/tool'), 0o755);
  fs.renameSync(path.join(wt, 'src/b.ts'), path.join(wt, 'src/renamed.ts'));
}

const FILES = {
  'README.md': '# r\n',
  'src/a.ts': 'a\n',
  'src/b.ts': 'b\n',
  'docs/guide.md': 'g\n',
  'lib/one.ts': '1\n',
  'lib/sub/two.ts': '2\n',
  'swap/file': 'a file\n',
  'swap/dir/inner.txt': 'inner\n',
  'bin/tool': '#!/bin/sh\n',
};

describe('reliability: missed events and special folders', function () {
  this.timeout(60_000);
  let repo: TempRepo;
  let base: string;
  let lane: Lane | undefined;
  let rt: FeatureRuntime | undefined;
  let wd: Watchdog | undefined;

  beforeEach(() => {
    repo = makeTempRepo(FILES);
    base = repo.git('rev-parse', 'HEAD');
  });

  afterEach(async () => {
    await wd?.close();
    await rt?.dispose();
    await lane?.close();
    wd = undefined;
    rt = undefined;
    lane = undefined;
    repo.cleanup();
  });

  it('changes made with no watcher at all: one reconciliation scan records every one, exactly', async () => {
    lane = await openLane(repo.dir, 'nowatch', base);
    churn(lane.wt);
    const rec = await lane.svc.request({ full: true, trigger: 'reconcile' });
    assert.equal(rec?.tree, referenceTree(lane.wt));
    assert.deepEqual(commitState(repo.dir, rec!.commit), treeState(lane.wt));
    assert.equal(await lane.svc.request({ full: true, trigger: 'reconcile' }), undefined, 'a second scan finds nothing');
  });

  it('a live watcher that drops a burst and reports overflow: the reconciliation it triggers recovers every change', async () => {
    lane = await openLane(repo.dir, 'drop', base);
    const l = lane;
    let drop = false;
    let dropped = 0;
    let backend: WatcherOptions | undefined;
    const reasons: string[] = [];
    wd = new Watchdog({
      root: l.wt,
      backend: 'auto',
      quietMs: 30,
      maxWaitMs: 200,
      createWatcher: (setting, o) => {
        backend = o;
        return createWatcher(setting, {
          ...o,
          onEvents: (events) => {
            if (drop) dropped += events.length;
            else o.onEvents(events);
          },
        });
      },
      onBatch: async (b) => void (await l.svc.request({ paths: b.paths.keys(), trigger: 'watch' })),
      onNeedsReconcile: (why) => {
        reasons.push(why);
        void l.svc.request({ full: true, trigger: 'reconcile' });
      },
    });
    await wd.start();
    write(l.wt, 'seen.txt', 'seen\n');
    await waitFor(() => l.svc.head.seq >= 1, 15_000, 'the first write to be checkpointed');
    drop = true;
    churn(l.wt);
    await waitFor(() => dropped > 0, 15_000, 'the watcher to see (and drop) the burst');
    assert.notEqual(l.svc.head.tree, referenceTree(l.wt), 'the dropped changes are not recorded yet');
    drop = false;
    backend!.onError(new Error('event queue overflow'), true);
    const want = referenceTree(l.wt);
    await waitFor(() => l.svc.head.tree === want, 15_000, 'the reconciliation to record the dropped changes');
    assert.ok(reasons.some((r) => r.includes('dropped events')));
  });

  it('a folder deleted and recreated under the live watcher of a running feature: the checkpoints follow it exactly', async () => {
    rt = await openRuntime(repo, 'recreate', base);
    await rt.startWatching();
    const r = rt;
    for (let round = 0; round < 3; round++) {
      fs.rmSync(path.join(r.worktree, 'lib'), { recursive: true });
      write(r.worktree, `lib/round${round}/x.ts`, `${round}\n`);
      write(r.worktree, 'lib/sub/two.ts', `two ${round}\n`);
      const want = referenceTree(r.worktree);
      await waitFor(() => r.checkpoints.head.tree === want, 15_000, `round ${round} to be checkpointed by the watcher`);
    }
  });

  it('a nested repository: recorded as a link, never descended into or rolled back over', async () => {
    lane = await openLane(repo.dir, 'nested', base);
    const cp0 = (await lane.svc.request({ full: true, force: true, trigger: 'manual' }))!;
    const inner = path.join(lane.wt, 'vendor/inner');
    fs.mkdirSync(inner, { recursive: true });
    gitIn(inner, 'init', '-q');
    write(inner, 'f.txt', 'precious nested work\n');
    gitIn(inner, 'add', '-A');
    gitIn(inner, 'commit', '-qm', 'x');
    write(inner, 'uncommitted.txt', 'not committed in the nested repo\n');
    const rec = await lane.svc.request({ full: true, trigger: 'reconcile' });
    assert.equal(rec?.tree, referenceTree(lane.wt), 'as git add -A records it: a gitlink');
    assert.ok(rec!.notSnapshotted?.some((n) => n.path === 'vendor/inner'), 'the user is told its files are not snapshotted');
    const r = await lane.rb.toCheckpoint(cp0.seq);
    assert.equal(r.ok, true);
    assert.equal(fs.readFileSync(path.join(inner, 'f.txt'), 'utf8'), 'precious nested work\n', 'rollback leaves the nested repository alone');
    assert.equal(fs.readFileSync(path.join(inner, 'uncommitted.txt'), 'utf8'), 'not committed in the nested repo\n');
  });

  it('a submodule inside the worktree: a gitlink plus .gitmodules, exactly as git records it; rollback keeps its files', async () => {
    const up = makeTempDir('aop-sub-');
    try {
      gitIn(up, 'init', '-q', '-b', 'main');
      fs.writeFileSync(path.join(up, 'lib.txt'), 'library\n');
      gitIn(up, 'add', '-A');
      gitIn(up, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'lib');
      lane = await openLane(repo.dir, 'sub', base);
      const cp0 = (await lane.svc.request({ full: true, force: true, trigger: 'manual' }))!;
      const before = userState(repo.dir);
      execFileSync('git', ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', up, 'deps/lib'], { cwd: lane.wt, stdio: 'pipe' });
      write(lane.wt, 'deps/lib/local-change.txt', 'work inside the submodule\n');
      const rec = await lane.svc.request({ full: true, trigger: 'reconcile' });
      assert.ok(rec);
      const ls = gitIn(repo.dir, 'ls-tree', '-r', rec.commit);
      assert.match(ls, new RegExp(`^160000 commit ${gitIn(path.join(lane.wt, 'deps/lib'), 'rev-parse', 'HEAD')}\\tdeps/lib$`, 'm'));
      assert.match(ls, /\t\.gitmodules$/m);
      assert.equal(rec.tree, referenceTree(lane.wt));
      const r = await lane.rb.toCheckpoint(cp0.seq);
      assert.equal(r.ok, true);
      assert.equal(fs.existsSync(path.join(lane.wt, '.gitmodules')), false);
      assert.equal(fs.readFileSync(path.join(lane.wt, 'deps/lib/local-change.txt'), 'utf8'), 'work inside the submodule\n', 'the submodule and its work are kept');
      assert.equal(JSON.parse(userState(repo.dir)).head, JSON.parse(before).head);
    } finally {
      fs.rmSync(up, { recursive: true, force: true });
    }
  });

  it('a git LFS pointer file is snapshotted and restored byte for byte; no clean or smudge filter runs', async () => {
    const marker = path.join(repo.dir, '..', 'filter-ran');
    const filter = `sh -c 'touch "${marker}"; cat'`;
    gitIn(repo.dir, 'config', 'filter.lfs.clean', filter);
    gitIn(repo.dir, 'config', 'filter.lfs.smudge', filter);
    gitIn(repo.dir, 'config', 'filter.lfs.process', filter);
    gitIn(repo.dir, 'config', 'filter.lfs.required', 'true');
    lane = await openLane(repo.dir, 'lfs', base);
    const pointer = 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n';
    write(lane.wt, '.gitattributes', '*.psd filter=lfs diff=lfs merge=lfs -text\n');
    write(lane.wt, 'art/logo.psd', pointer);
    write(lane.wt, 'art/raw.psd', Buffer.from([0, 1, 2, 255, 13, 10]));
    const rec = (await lane.svc.request({ full: true, trigger: 'reconcile' }))!;
    assert.equal(gitIn(repo.dir, 'cat-file', 'blob', `${rec.commit}:art/logo.psd`) + '\n', pointer);
    assert.deepEqual(commitState(repo.dir, rec.commit), treeState(lane.wt));
    fs.rmSync(path.join(lane.wt, 'art'), { recursive: true });
    const r = await lane.rb.toCheckpoint(rec.seq);
    assert.equal(r.ok, true);
    assert.equal(fs.readFileSync(path.join(lane.wt, 'art/logo.psd'), 'utf8'), pointer);
    assert.deepEqual(fs.readFileSync(path.join(lane.wt, 'art/raw.psd')), Buffer.from([0, 1, 2, 255, 13, 10]));
    assert.equal(fs.existsSync(marker), false, 'the repository-configured LFS filter never ran');
  });
});
