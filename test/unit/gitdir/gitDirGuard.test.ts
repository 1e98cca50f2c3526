import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitDirGuard, type GitDirDetection } from '../../../src/core/gitdir';
import { waitFor } from '../../../src/core/util/async';
import type { FileWatcher, WatcherOptions } from '../../../src/core/watch';
import { gitIn, makeTempRepo, type TempRepo } from '../helpers/tempRepo';

describe('gitdir/GitDirGuard', () => {
  let repo: TempRepo;
  let gitDir: string;
  let guards: GitDirGuard[];
  let detections: GitDirDetection[];

  beforeEach(() => {
    repo = makeTempRepo({ 'README.md': '# r\n' });
    gitDir = path.join(repo.dir, '.git');
    repo.git('branch', 'other');
    repo.git('worktree', 'add', '-q', '-b', 'aop/f1', path.join(path.dirname(repo.dir), 'wt'), 'main');
    guards = [];
    detections = [];
  });

  afterEach(async () => {
    for (const g of guards) await g.dispose();
    repo.cleanup();
  });

  const store = () => path.join(path.dirname(repo.dir), 'state', 'git-dir-findings.json');

  async function openGuard(opts: { createWatcher?: (s: unknown, o: WatcherOptions) => FileWatcher; checkEveryMs?: number } = {}): Promise<GitDirGuard> {
    const g = await GitDirGuard.open({
      gitDir,
      backend: 'auto',
      allowRef: (name) => name === 'refs/heads/aop/f1' || name.startsWith('refs/aop/') || name === 'worktrees/wt/HEAD',
      suspects: () => ['f1'],
      findingsFile: store(),
      quarantineDir: path.join(path.dirname(repo.dir), 'quarantine'),
      createWatcher: opts.createWatcher,
      checkEveryMs: opts.checkEveryMs,
    });
    g.onDetected((d) => detections.push(d));
    guards.push(g);
    return g;
  }

  const has = (g: GitDirGuard, p: string) => waitFor(() => g.finding(p) !== undefined, 15_000, `a finding for ${p}`);

  it('a hook planted by an agent is a finding naming the file and the running feature; restore moves it into the quarantine', async () => {
    const g = await openGuard();
    await g.start();
    fs.writeFileSync(path.join(gitDir, 'hooks', 'pre-commit'), '#!/bin/sh\ntouch /tmp/pwned\n', { mode: 0o755 });
    await has(g, 'hooks/pre-commit');
    const f = g.finding('hooks/pre-commit')!;
    assert.equal(f.role, 'guarded');
    assert.equal(f.before, undefined);
    assert.deepEqual(f.features, ['f1']);
    assert.ok(detections.some((d) => d.findings.some((x) => x.path === 'hooks/pre-commit')));
    assert.match(g.diff('hooks/pre-commit', '.git/hooks/pre-commit'), /\+touch \/tmp\/pwned/);
    const kept = await g.restore('hooks/pre-commit');
    assert.equal(fs.existsSync(path.join(gitDir, 'hooks', 'pre-commit')), false);
    assert.equal(fs.readFileSync(kept!, 'utf8'), '#!/bin/sh\ntouch /tmp/pwned\n', 'kept, not deleted');
    assert.equal(g.findings.length, 0);
  });

  it('a changed config is shown as a diff and restored to the exact previous bytes and mode', async () => {
    const cfg = path.join(gitDir, 'config');
    fs.chmodSync(cfg, 0o640);
    const before = fs.readFileSync(cfg);
    const g = await openGuard();
    await g.start();
    fs.appendFileSync(cfg, '[core]\n\tfsmonitor = "touch /tmp/pwned"\n\thooksPath = /tmp/evil\n');
    await has(g, 'config');
    assert.match(g.diff('config'), /\+\tfsmonitor = "touch \/tmp\/pwned"/);
    await g.restore('config');
    assert.deepEqual(fs.readFileSync(cfg), before);
    assert.equal(fs.statSync(cfg).mode & 0o777, 0o640);
    // The watch sees our own restore: it must not come back as a finding.
    await g.checkAll();
    assert.equal(g.findings.length, 0);
  });

  it('the feature may move its own branch; moving another branch is a finding, restored by value', async () => {
    const g = await openGuard();
    await g.start();
    const wt = path.join(path.dirname(repo.dir), 'wt');
    fs.writeFileSync(path.join(wt, 'a.txt'), 'a\n');
    gitIn(wt, 'add', 'a.txt');
    gitIn(wt, 'commit', '-q', '-m', 'own work');
    const own = gitIn(wt, 'rev-parse', 'HEAD');
    const mainBefore = repo.git('rev-parse', 'main');
    gitIn(wt, 'update-ref', 'refs/heads/main', own);
    await has(g, 'refs/heads/main');
    assert.equal(g.finding('refs/heads/aop/f1'), undefined, 'own branch moved freely');
    assert.equal(g.findings.length, 1, g.findings.map((f) => f.path).join());
    await g.restore('refs/heads/main');
    assert.equal(repo.git('rev-parse', 'main'), mainBefore);
    assert.equal(repo.git('rev-parse', 'aop/f1'), own);
  });

  it('a rewritten packed-refs is judged ref by ref', async () => {
    repo.git('pack-refs', '--all');
    const packed = path.join(gitDir, 'packed-refs');
    const original = fs.readFileSync(packed);
    const g = await openGuard();
    await g.start();
    const newOid = repo.commitAll('more');
    repo.git('update-ref', 'refs/heads/main', repo.git('rev-parse', 'HEAD~1')); // main back where it was
    // Only the feature's own branch moves in packed-refs: allowed.
    fs.writeFileSync(packed, original.toString('utf8').replace(/^(\w+) refs\/heads\/aop\/f1$/m, `${newOid} refs/heads/aop/f1`));
    await g.checkAll();
    assert.equal(g.finding('packed-refs'), undefined);
    const afterOwn = fs.readFileSync(packed);
    // Another branch moves: a finding that names it.
    fs.writeFileSync(packed, afterOwn.toString('utf8').replace(/^(\w+) refs\/heads\/other$/m, `${newOid} refs/heads/other`));
    await has(g, 'packed-refs');
    assert.deepEqual(g.finding('packed-refs')!.refs, ['refs/heads/other']);
    await g.restore('packed-refs');
    assert.deepEqual(fs.readFileSync(packed), afterOwn);
  });

  it("a worktree's config.worktree or redirected commondir is a finding; its index is not", async () => {
    const g = await openGuard();
    await g.start();
    const admin = path.join(gitDir, 'worktrees', 'wt');
    const wt = path.join(path.dirname(repo.dir), 'wt');
    fs.writeFileSync(path.join(wt, 'b.txt'), 'b\n');
    gitIn(wt, 'add', 'b.txt'); // writes the worktree's index
    fs.writeFileSync(path.join(admin, 'config.worktree'), '[core]\n\tfsmonitor = evil\n');
    fs.writeFileSync(path.join(admin, 'commondir'), '/tmp/elsewhere\n');
    await has(g, 'worktrees/wt/config.worktree');
    await g.checkAll();
    assert.deepEqual(
      g.findings.map((f) => f.path).sort(),
      ['worktrees/wt/commondir', 'worktrees/wt/config.worktree'],
    );
  });

  it('what our own operations write inside expect() becomes the baseline', async () => {
    const g = await openGuard();
    await g.start();
    await g.expect(['info/exclude', 'refs/heads/aop/f2'], async () => {
      fs.appendFileSync(path.join(gitDir, 'info', 'exclude'), '/.aop/x\n');
      repo.git('branch', 'aop/f2');
    });
    await g.checkAll();
    assert.equal(g.findings.length, 0);
    fs.appendFileSync(path.join(gitDir, 'info', 'exclude'), '/more\n');
    await has(g, 'info/exclude');
  });

  it('an acknowledged change becomes the baseline; findings and their previous bytes survive a restart', async () => {
    const cfg = path.join(gitDir, 'config');
    const original = fs.readFileSync(cfg);
    const g = await openGuard();
    await g.start();
    fs.appendFileSync(path.join(gitDir, 'info', 'exclude'), '/mine\n');
    fs.appendFileSync(cfg, '[alias]\n\tx = !touch /tmp/pwned\n');
    await has(g, 'info/exclude');
    await has(g, 'config');
    await g.acknowledge('info/exclude');
    await g.stop();
    await g.dispose();
    const g2 = await openGuard();
    assert.deepEqual(
      g2.findings.map((f) => f.path),
      ['config'],
    );
    await g2.start();
    await g2.restore('config');
    assert.deepEqual(fs.readFileSync(cfg), original);
    assert.equal(fs.existsSync(store()), false, 'no findings, no file');
  });

  it('a change the watcher never reported is found by the full check at stop', async () => {
    // A watcher that reports nothing: only the reconciliation at stop can see the write.
    const deaf = (_s: unknown, o: WatcherOptions): FileWatcher => ({ backend: 'polling', start: async () => undefined, close: async () => undefined, ...{ o } });
    const g = await openGuard({ createWatcher: deaf });
    await g.start();
    fs.writeFileSync(path.join(gitDir, 'info', 'attributes'), '* filter=evil\n');
    await g.stop();
    assert.equal(g.finding('info/attributes')?.before, undefined);
    assert.deepEqual(g.finding('info/attributes')?.features, ['f1']);
  });
  it('a change the watcher never reported is found by the periodic check while it watches', async () => {
    const deaf = (_s: unknown, o: WatcherOptions): FileWatcher => ({ backend: 'polling', start: async () => undefined, close: async () => undefined, ...{ o } });
    const g = await openGuard({ createWatcher: deaf, checkEveryMs: 100 });
    await g.start();
    fs.appendFileSync(path.join(gitDir, 'config'), '[core]\n\tfsmonitor = /tmp/evil\n');
    await has(g, 'config');
    assert.deepEqual(g.finding('config')?.features, ['f1']);
  });
});
