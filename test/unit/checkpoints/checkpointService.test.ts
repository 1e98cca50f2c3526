import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointService } from '../../../src/core/checkpoints/checkpointService';
import { EventLog } from '../../../src/core/events/eventLog';
import { makePlan } from '../../../src/core/plan';
import { Validator } from '../../../src/core/validation';
import { gitIn, makeTempRepo, referenceTree, userState, type TempRepo } from '../helpers/tempRepo';

describe('CheckpointService', () => {
  let repo: TempRepo;
  let wt: string;
  let svc: CheckpointService;
  let log: EventLog;
  let base: string;

  async function open(plan = makePlan({ version: 1 })): Promise<CheckpointService> {
    const store = { read: (oid: string) => Promise.resolve(Buffer.from(gitIn(wt, 'cat-file', 'blob', oid))) };
    const validator = new Validator(plan, { worktree: wt, readBlob: (oid) => store.read(oid) });
    return CheckpointService.open({ featureId: 'f1', worktree: wt, baseCommit: base, log, validator, statCacheFile: path.join(repo.dir, '..', 'stat.json') });
  }

  beforeEach(async () => {
    repo = makeTempRepo({ 'README.md': '# r\n', 'src/a.ts': 'export const a = 1;\n', 'src/deep/b/c.ts': 'c\n', 'bin/run.sh': '#!/bin/sh\n' });
    fs.chmodSync(path.join(repo.dir, 'bin/run.sh'), 0o755);
    base = repo.commitAll('exec bit');
    wt = path.join(repo.dir, '..', 'wt');
    repo.git('worktree', 'add', '-q', '-b', 'aop/f1', wt, base);
    log = new EventLog(path.join(repo.dir, '..', 'events.jsonl'), 'f1');
    svc = await open();
  });

  afterEach(async () => {
    await svc.dispose();
    await log.close();
    repo.cleanup();
  });

  it('records exactly the tree `git add -A` would, touching only the changed paths', async () => {
    const before = userState(repo.dir);
    fs.writeFileSync(path.join(wt, 'src/a.ts'), 'export const a = 2;\n');
    fs.mkdirSync(path.join(wt, 'src/new/deeper'), { recursive: true });
    fs.writeFileSync(path.join(wt, 'src/new/deeper/x.ts'), 'x\n');
    fs.rmSync(path.join(wt, 'src/deep/b/c.ts'));
    const rec = await svc.request({ paths: ['src/a.ts', 'src/new', 'src/deep/b/c.ts'], trigger: 'watch' });
    assert.ok(rec);
    assert.equal(rec.seq, 1);
    assert.equal(rec.parent, base);
    assert.equal(rec.tree, referenceTree(wt));
    const byPath = Object.fromEntries(rec.files.map((f) => [f.path, f]));
    assert.equal(byPath['src/a.ts']?.status, 'M');
    assert.equal(byPath['src/a.ts']?.added, 1);
    assert.equal(byPath['src/a.ts']?.removed, 1);
    assert.equal(byPath['src/new/deeper/x.ts']?.status, 'A');
    assert.equal(byPath['src/deep/b/c.ts']?.status, 'D');
    assert.equal(gitIn(repo.dir, 'rev-parse', 'refs/aop/f1/1'), rec.commit);
    assert.equal(gitIn(repo.dir, 'rev-parse', `${rec.commit}^`), base);
    assert.equal(userState(repo.dir), before, 'user index, HEAD, branches and stash are untouched');
  });

  it('returns nothing when nothing changed, and chains checkpoints', async () => {
    assert.equal(await svc.request({ paths: ['src/a.ts'], trigger: 'watch' }), undefined);
    fs.writeFileSync(path.join(wt, 'one.txt'), '1');
    const r1 = await svc.request({ paths: ['one.txt'], trigger: 'watch' });
    fs.writeFileSync(path.join(wt, 'two.txt'), '2');
    const r2 = await svc.request({ paths: ['two.txt'], trigger: 'watch' });
    assert.equal(r2?.parent, r1?.commit);
    assert.deepEqual((await svc.history.refs()).map((r) => r.seq), [1, 2]);
  });

  it('records modes and symlinks exactly', async () => {
    fs.chmodSync(path.join(wt, 'src/a.ts'), 0o755);
    fs.chmodSync(path.join(wt, 'bin/run.sh'), 0o644);
    fs.symlinkSync('../README.md', path.join(wt, 'src/link'));
    const rec = await svc.request({ paths: ['src/a.ts', 'bin/run.sh', 'src/link'], trigger: 'watch' });
    assert.equal(rec?.tree, referenceTree(wt));
    const ls = gitIn(repo.dir, 'ls-tree', '-r', rec!.commit);
    assert.match(ls, /^100755 blob \w+\tsrc\/a\.ts$/m);
    assert.match(ls, /^100644 blob \w+\tbin\/run\.sh$/m);
    assert.match(ls, /^120000 blob \w+\tsrc\/link$/m);
  });

  it('a full reconciliation finds changes the watcher never reported', async () => {
    fs.writeFileSync(path.join(wt, 'src/a.ts'), 'changed behind our back\n');
    fs.mkdirSync(path.join(wt, 'lib'));
    fs.writeFileSync(path.join(wt, 'lib/z.ts'), 'z\n');
    fs.rmSync(path.join(wt, 'src/deep'), { recursive: true });
    const rec = await svc.request({ full: true, trigger: 'reconcile' });
    assert.equal(rec?.tree, referenceTree(wt));
    assert.deepEqual(rec?.files.map((f) => `${f.status} ${f.path}`).sort(), ['A lib/z.ts', 'D src/deep/b/c.ts', 'M src/a.ts']);
    assert.equal(await svc.request({ full: true, trigger: 'reconcile' }), undefined, 'a second scan finds nothing new');
  });

  it('follows content whatever the agent does with its own index and commits', async () => {
    fs.writeFileSync(path.join(wt, 'src/a.ts'), 'committed by the agent\n');
    gitIn(wt, 'add', '-A');
    gitIn(wt, 'commit', '-qm', 'agent commit');
    fs.writeFileSync(path.join(wt, 'staged.txt'), 'staged\n');
    gitIn(wt, 'add', 'staged.txt');
    const rec = await svc.request({ full: true, trigger: 'reconcile' });
    assert.equal(rec?.tree, referenceTree(wt));
    const cumulative = (await svc.cumulativeChanges()).map((c) => c.path).sort();
    assert.deepEqual(cumulative, ['src/a.ts', 'staged.txt']);
  });

  it('leaves ignored files out of the snapshot but validates them', async () => {
    await svc.dispose();
    const plan = makePlan({ version: 1, forbidden: ['build/secret.env'] });
    fs.writeFileSync(path.join(wt, '.gitignore'), 'build/\n');
    svc = await open(plan);
    fs.mkdirSync(path.join(wt, 'build'));
    fs.writeFileSync(path.join(wt, 'build/secret.env'), 'x');
    const rec = await svc.request({ paths: ['.gitignore', 'build/secret.env'], trigger: 'watch' });
    assert.equal(rec?.tree, referenceTree(wt));
    assert.ok(!gitIn(repo.dir, 'ls-tree', '-r', '--name-only', rec!.commit).includes('build/'));
    assert.ok(rec!.violations.some((v) => v.kind === 'forbidden_path' && v.path === 'build/secret.env'));
  });

  it('sees a .gitignore written or edited after files were checked (git check-ignore keeps what it read)', async () => {
    fs.writeFileSync(path.join(wt, 'one.txt'), '1');
    assert.equal((await svc.request({ paths: ['one.txt'], trigger: 'watch' }))?.tree, referenceTree(wt));
    fs.writeFileSync(path.join(wt, '.gitignore'), '*.log\n');
    fs.writeFileSync(path.join(wt, 'x.log'), 'x');
    const written = await svc.request({ paths: ['.gitignore', 'x.log'], trigger: 'watch' });
    assert.equal(written?.tree, referenceTree(wt), 'a .gitignore written later');
    assert.ok(!written!.files.some((f) => f.path === 'x.log'));
    fs.writeFileSync(path.join(wt, '.gitignore'), '*.log\n*.tmp\n');
    fs.writeFileSync(path.join(wt, 'y.tmp'), 'y');
    const edited = await svc.request({ paths: ['.gitignore', 'y.tmp'], trigger: 'watch' });
    assert.equal(edited?.tree, referenceTree(wt), 'a .gitignore edited later');
    fs.writeFileSync(path.join(wt, '.gitignore'), '*.log\n*.tmp\n*.out\n');
    fs.writeFileSync(path.join(wt, 'z.out'), 'z');
    const scanned = await svc.request({ full: true, trigger: 'reconcile' });
    assert.equal(scanned?.tree, referenceTree(wt), 'a .gitignore edit the watcher missed, found by a scan');
  });

  it('records a nested repository as a link and says its files are not snapshotted', async () => {
    const nested = path.join(wt, 'vendor/inner');
    fs.mkdirSync(nested, { recursive: true });
    gitIn(nested, 'init', '-q');
    fs.writeFileSync(path.join(nested, 'f.txt'), 'f');
    gitIn(nested, 'add', '-A');
    gitIn(nested, '-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-qm', 'x');
    const head = gitIn(nested, 'rev-parse', 'HEAD');
    const rec = await svc.request({ paths: ['vendor/inner/f.txt'], trigger: 'watch' });
    assert.match(gitIn(repo.dir, 'ls-tree', '-r', rec!.commit), new RegExp(`^160000 commit ${head}\\tvendor/inner$`, 'm'));
    assert.ok(rec!.notSnapshotted?.some((n) => n.path === 'vendor/inner'));
  });

  it('merges requests that arrive while a checkpoint runs and never runs two at once', async () => {
    const writes = Array.from({ length: 20 }, (_, i) => `m/${i}.txt`);
    const results = await Promise.all(
      writes.map((p) => {
        fs.mkdirSync(path.join(wt, 'm'), { recursive: true });
        fs.writeFileSync(path.join(wt, p), p);
        return svc.request({ paths: [p], trigger: 'watch' });
      }),
    );
    const seqs = new Set(results.filter(Boolean).map((r) => r!.seq));
    assert.ok(seqs.size <= 2, `20 concurrent requests became ${seqs.size} checkpoints`);
    const last = (await svc.history.refs()).at(-1)!;
    assert.equal(gitIn(repo.dir, 'rev-parse', `${last.commit}^{tree}`), referenceTree(wt));
  });

  it('never runs repository-controlled code (hooks, fsmonitor)', async () => {
    const marker = path.join(repo.dir, '..', 'pwned');
    const hook = path.join(repo.dir, '..', 'hook.sh');
    fs.writeFileSync(hook, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    gitIn(repo.dir, 'config', 'core.fsmonitor', hook);
    gitIn(repo.dir, 'config', 'core.hooksPath', path.dirname(hook));
    for (const h of ['post-checkout', 'post-commit', 'reference-transaction', 'pre-commit']) fs.copyFileSync(hook, path.join(path.dirname(hook), h));
    fs.chmodSync(path.dirname(hook), 0o755);
    await svc.dispose();
    svc = await open();
    fs.writeFileSync(path.join(wt, 'src/a.ts'), 'x\n');
    const rec = await svc.request({ full: true, trigger: 'reconcile' });
    assert.ok(rec);
    await svc.commitOf(rec.seq);
    assert.equal(fs.existsSync(marker), false, 'a hostile hook or fsmonitor ran');
  });

  it('writes a readable checkpoint record to the event log', async () => {
    fs.writeFileSync(path.join(wt, 'n.txt'), 'n');
    await svc.request({ paths: ['n.txt'], trigger: 'manual' });
    const { events } = await log.read();
    const cp = events.find((e) => e.t === 'checkpoint');
    assert.ok(cp && cp.t === 'checkpoint');
    assert.equal(cp.trigger, 'manual');
    assert.deepEqual(cp.files.map((f) => f.path), ['n.txt']);
    assert.ok(events.some((e) => e.t === 'validation'));
  });

  it('does not copy a huge file into the object store, but reports it and flags its size', async () => {
    await svc.dispose();
    svc = await open(makePlan({ version: 1, limits: { maxFileBytes: 1024 * 1024 } }));
    const big = path.join(wt, 'big.bin');
    const fd = fs.openSync(big, 'w');
    fs.ftruncateSync(fd, 200 * 1024 * 1024); // sparse: 200 MB without writing them
    fs.closeSync(fd);
    fs.writeFileSync(path.join(wt, 'small.txt'), 's');
    const rec = await svc.request({ paths: ['big.bin', 'small.txt'], trigger: 'watch' });
    assert.deepEqual(rec!.files.map((f) => f.path), ['small.txt']);
    assert.ok(rec!.notSnapshotted?.some((n) => n.path === 'big.bin'));
    assert.ok(rec!.violations.some((v) => v.kind === 'file_too_large' && v.path === 'big.bin'));
  });

  it('clears a ref lock left by a process killed mid-checkpoint, so checkpoints go on after a restart', async () => {
    fs.writeFileSync(path.join(wt, 'one.txt'), '1');
    await svc.request({ paths: ['one.txt'], trigger: 'watch' });
    await svc.dispose();
    fs.writeFileSync(path.join(repo.dir, '.git/refs/aop/f1/2.lock'), '');
    svc = await open();
    fs.writeFileSync(path.join(wt, 'two.txt'), '2');
    const rec = await svc.request({ paths: ['two.txt'], trigger: 'watch' });
    assert.equal(rec?.seq, 2);
    assert.equal(fs.existsSync(path.join(repo.dir, '.git/refs/aop/f1/2.lock')), false);
  });
});
