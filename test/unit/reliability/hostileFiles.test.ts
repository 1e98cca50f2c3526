/**
 * Files an agent writes that a naive snapshotter or rollback gets wrong: odd names, very long
 * paths, links out of the worktree and link loops, writes to `.git`, a 1 GB file, 10,000 files,
 * modes, binary and CRLF content. Each must be recorded exactly (or reported), rolled back
 * exactly, and never followed out of the worktree.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FeatureRuntime } from '../../../src/core/orchestrator/featureRuntime';
import { makePlan } from '../../../src/core/plan';
import { waitFor } from '../../../src/core/util/async';
import { AopError } from '../../../src/core/util/errors';
import type { Violation } from '../../../src/core/model/types';
import { gitIn, makeTempDir, makeTempRepo, userState, type TempRepo } from '../helpers/tempRepo';
import { assertRefsConsistent, checkpointRefs, commitState, openLane, openRuntime, referenceTree, treeState, write, type Lane } from './helpers';

/** Total bytes of the files under `dir`. */
function du(dir: string): number {
  let n = 0;
  for (const d of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (d.isFile()) n += fs.statSync(path.join(d.parentPath, d.name)).size;
  }
  return n;
}

describe('reliability: hostile files in the worktree', function () {
  this.timeout(120_000);
  let repo: TempRepo;
  let base: string;
  let lane: Lane | undefined;
  let rt: FeatureRuntime | undefined;
  const extra: string[] = [];

  beforeEach(() => {
    repo = makeTempRepo({ 'README.md': '# r\n', 'src/a.ts': 'a1\n', 'src/dir/keep.ts': 'keep\n' });
    base = repo.git('rev-parse', 'HEAD');
  });

  afterEach(async () => {
    await rt?.dispose();
    await lane?.close();
    rt = undefined;
    lane = undefined;
    // `rm -rf` (not fs.rm): it can remove trees deeper than PATH_MAX.
    for (const d of [...extra.splice(0), path.dirname(repo.dir)]) execFileSync('rm', ['-rf', d]);
  });

  const open = async (id: string, plan = makePlan({ version: 1 })) => (lane = await openLane(repo.dir, id, base, plan));

  /** Rolls back to the base and then undoes it: the worktree must go to the base exactly, then back exactly. */
  async function roundTrip(l: Lane): Promise<void> {
    const now = treeState(l.wt);
    const r = await l.rb.toCheckpoint(0);
    assert.equal(r.ok, true);
    assert.deepEqual(treeState(l.wt), commitState(repo.dir, base), 'rolled back to the base exactly');
    const u = await l.rb.undo();
    assert.equal(u.ok, true);
    assert.deepEqual(treeState(l.wt), now, 'the undo restored every byte, mode and link');
  }

  it('names with newlines, quotes, backslashes, tabs, leading dashes, spaces, shell syntax and unicode (NFC and NFD): exact both ways', async () => {
    const l = await open('names');
    const names = [
      'line\nbreak.txt',
      'carriage\rreturn.txt',
      '"quoted".txt',
      '"',
      "it's.txt",
      'back\\slash.txt',
      'tab\there.txt',
      '-rf',
      '--upload-pack=touch pwned',
      ' leading space',
      'trailing space ',
      '$(touch pwned)',
      '`touch pwned`',
      'star*?[x].txt',
      'caf\u00e9.txt',
      'cafe\u0301.txt',
      '日本語/ファイル.md',
      '😀/🚀.txt',
      'src/dir/ünïcödé.ts',
    ];
    for (const n of names) write(l.wt, n, `content of ${JSON.stringify(n)}\n`);
    const rec = await l.svc.request({ paths: names, trigger: 'watch' });
    assert.equal(rec?.tree, referenceTree(l.wt), 'incremental snapshot of the watched paths equals git add -A');
    assert.deepEqual(rec!.files.map((f) => f.path).sort(), [...names].sort());
    assert.equal(await l.svc.request({ full: true, trigger: 'reconcile' }), undefined, 'a full scan agrees');
    assert.deepEqual(commitState(repo.dir, rec!.commit), treeState(l.wt));
    await roundTrip(l);
    assert.equal(fs.existsSync(path.join(l.wt, 'pwned')) || fs.existsSync(path.join(repo.dir, 'pwned')), false, 'no name was ever run by a shell');
  });

  it('a file name that is not valid UTF-8 is reported as not snapshotted, never dropped in silence', async function () {
    if (process.platform !== 'linux') this.skip(); // Linux: PATH_MAX 4096, names are bytes
    const l = await open('latin1');
    const raw = Buffer.concat([Buffer.from(`${l.wt}/src/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]);
    fs.writeFileSync(raw, 'a Latin-1 name\n');
    write(l.wt, 'src/fine.txt', 'fine\n');
    const rec = await l.svc.request({ full: true, trigger: 'reconcile' });
    assert.deepEqual(rec?.files.map((f) => f.path), ['src/fine.txt']);
    const reported = l.svc.notSnapshottedPaths.find((n) => n.path.startsWith('src/caf'));
    assert.ok(reported, 'the file is listed as not snapshotted');
    assert.match(reported.reason, /UTF-8/);
    assert.ok(rec!.notSnapshotted?.some((n) => n.path.startsWith('src/caf')));
    // A rollback never touches what no checkpoint holds.
    await l.rb.toCheckpoint(0);
    assert.equal(fs.readFileSync(raw, 'utf8'), 'a Latin-1 name\n');
  });

  it('250-character folder names nested to just under PATH_MAX: recorded and rolled back exactly', async function () {
    if (process.platform !== 'linux') this.skip(); // Linux: PATH_MAX 4096, names are bytes
    const l = await open('long');
    const comp = (i: number) => `${i}`.padEnd(250, 'x');
    const depth = Math.floor((4000 - l.wt.length - 20) / 251);
    const dirs = Array.from({ length: depth }, (_, i) => comp(i)).join('/');
    const leaf = `${dirs}/${'y'.repeat(200)}.txt`;
    assert.ok(path.join(l.wt, leaf).length > 3900 && path.join(l.wt, leaf).length < 4096, `leaf path is ${path.join(l.wt, leaf).length} characters`);
    write(l.wt, leaf, 'deep\n');
    write(l.wt, `${comp(0)}/shallow.txt`, 'shallow\n');
    const rec = await l.svc.request({ paths: [leaf, comp(0)], trigger: 'watch' });
    assert.equal(rec?.tree, referenceTree(l.wt));
    assert.equal(await l.svc.request({ full: true, trigger: 'reconcile' }), undefined);
    await roundTrip(l);
  });

  it('a path beyond PATH_MAX (made with relative paths, as a shell can): reported, and the rest of the snapshot is exact', async function () {
    if (process.platform !== 'linux') this.skip(); // Linux: PATH_MAX 4096, names are bytes
    const l = await open('toolong');
    const comp = 'z'.repeat(250);
    // A shell's cd gives up beyond PATH_MAX; chdir with relative names does not.
    const make = `const fs = require('fs'); process.chdir(process.argv[1]); fs.mkdirSync('deep'); process.chdir('deep'); for (let i = 0; i < 17; i++) { fs.mkdirSync('${comp}'); process.chdir('${comp}'); } fs.writeFileSync('leaf.txt', 'leaf');`;
    execFileSync(process.execPath, ['-e', make, l.wt]);
    write(l.wt, 'src/ok.ts', 'ok\n');
    const rec = await l.svc.request({ full: true, trigger: 'reconcile' });
    assert.ok(rec);
    assert.ok(l.svc.notSnapshottedPaths.some((n) => n.path.startsWith('deep/') && /long|ENAMETOOLONG/i.test(n.reason)), JSON.stringify(l.svc.notSnapshottedPaths.map((n) => n.reason)));
    const files = Object.keys(commitState(repo.dir, rec.commit));
    assert.ok(files.includes('src/ok.ts'));
    assert.ok(files.every((p) => !p.endsWith('leaf.txt')));
  });

  it('links to /etc/passwd and to ../../ are critical symlink_escape violations', async () => {
    const l = await open('escape');
    fs.symlinkSync('/etc/passwd', path.join(l.wt, 'src/passwd'));
    fs.symlinkSync('../../', path.join(l.wt, 'src/up'));
    const rec = (await l.svc.request({ full: true, trigger: 'reconcile' }))!;
    const escapes = rec.violations.filter((v: Violation) => v.kind === 'symlink_escape');
    assert.deepEqual(escapes.map((v) => v.path).sort(), ['src/passwd', 'src/up']);
    assert.ok(escapes.every((v) => v.severity === 'critical'));
    assert.equal(rec.tree, referenceTree(l.wt), 'the links themselves are recorded as links');
  });

  it('rollback replaces a link the agent put where a file was, and never writes through it', async () => {
    const l = await open('linkfile');
    const outside = makeTempDir('aop-victim-');
    extra.push(outside);
    const victim = path.join(outside, 'passwd');
    fs.writeFileSync(victim, 'root:x:0:0\n');
    write(l.wt, 'src/a.ts', 'a2\n');
    const cp = (await l.svc.request({ full: true, trigger: 'manual' }))!;
    fs.rmSync(path.join(l.wt, 'src/a.ts'));
    fs.symlinkSync(victim, path.join(l.wt, 'src/a.ts'));
    const r = await l.rb.toCheckpoint(cp.seq);
    assert.equal(r.ok, true);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'root:x:0:0\n', 'the file outside is untouched');
    assert.equal(fs.lstatSync(path.join(l.wt, 'src/a.ts')).isFile(), true);
    assert.equal(fs.readFileSync(path.join(l.wt, 'src/a.ts'), 'utf8'), 'a2\n');
  });

  it('completing a journaled rollback never deletes through a link the agent put where a folder was', async () => {
    const l = await open('linkdir');
    const outside = makeTempDir('aop-victim-');
    extra.push(outside);
    fs.writeFileSync(path.join(outside, 'victim.txt'), 'not yours\n');
    write(l.wt, 'src/dir/victim.txt', 'agent file\n');
    const cp = (await l.svc.request({ full: true, trigger: 'manual' }))!;
    // The journal of a rollback to the base, cut short by a crash: it must delete src/dir/victim.txt.
    fs.mkdirSync(path.dirname(l.journal), { recursive: true });
    fs.writeFileSync(l.journal, JSON.stringify({ kind: 'checkpoint', targetSeq: 0, preRollbackSeq: cp.seq, items: [{ path: 'src/dir/victim.txt', fromSeq: 0, action: 'delete' }] }));
    // Before the restart, the agent swaps the folder for a link out of the worktree (a relative one: ../../ and up).
    fs.rmSync(path.join(l.wt, 'src/dir'), { recursive: true });
    fs.symlinkSync(path.relative(path.join(l.wt, 'src'), outside), path.join(l.wt, 'src/dir'));
    const r = await l.rb.recover();
    assert.equal(fs.readFileSync(path.join(outside, 'victim.txt'), 'utf8'), 'not yours\n', 'nothing outside the worktree was deleted');
    assert.equal(r?.ok, true, 'src/dir/victim.txt is gone as git sees the worktree (a path under a link does not exist)');
    assert.equal(l.svc.head.tree, referenceTree(l.wt), 'the checkpoint after it records the link, not the file behind it');
  });

  it('a watched path under a folder the agent swapped for a link out of the worktree is never read through the link', async () => {
    const l = await open('readlink');
    const outside = makeTempDir('aop-secret-');
    extra.push(outside);
    const secret = 'TOP SECRET, outside the worktree\n';
    fs.writeFileSync(path.join(outside, 'key.pem'), secret);
    write(l.wt, 'x/key.pem', 'harmless\n');
    await l.svc.request({ paths: ['x/key.pem'], trigger: 'watch' });
    // The events the watcher reports for the swap, in the order an agent could make them land.
    fs.rmSync(path.join(l.wt, 'x'), { recursive: true });
    fs.symlinkSync(outside, path.join(l.wt, 'x'));
    const rec = await l.svc.request({ paths: ['x', 'x/key.pem'], trigger: 'watch' });
    assert.equal(rec?.tree, referenceTree(l.wt), 'x is recorded as the link it is');
    const oid = execFileSync('git', ['hash-object', '--stdin'], { input: secret, encoding: 'utf8' }).trim();
    assert.throws(() => execFileSync('git', ['cat-file', '-e', oid], { cwd: repo.dir, stdio: 'pipe' }), 'the file behind the link was never copied into the object store');
  });

  it('a symlinked folder loop (loop -> ., a/b -> ../a, self -> self) never makes the scan, the watcher or a rollback walk forever', async () => {
    rt = await openRuntime(repo, 'loops', base);
    await rt.startWatching();
    const r = rt;
    fs.symlinkSync('.', path.join(r.worktree, 'loop'));
    fs.mkdirSync(path.join(r.worktree, 'a'));
    fs.symlinkSync('../a', path.join(r.worktree, 'a/b'));
    fs.symlinkSync('self', path.join(r.worktree, 'self'));
    write(r.worktree, 'a/marker.txt', 'm\n');
    const want = referenceTree(r.worktree);
    await waitFor(() => r.checkpoints.head.tree === want, 15_000, 'the watcher to checkpoint the loops');
    assert.equal(await r.checkpoints.request({ full: true, trigger: 'reconcile' }), undefined);
    const rb = await r.rollback.toCheckpoint(0);
    assert.equal(rb.ok, true);
    assert.deepEqual(treeState(r.worktree), commitState(repo.dir, base));
  });

  it('the worktree .git file overwritten: a critical git_dir_write; checkpoints go on into the feature\'s own repository (or refuse), never into the one the file now names', async () => {
    const other = makeTempRepo({ 'other.md': 'o\n' });
    extra.push(path.dirname(other.dir));
    rt = await openRuntime(repo, 'gitfile', base);
    const r = rt;
    const critical: Violation[] = [];
    r.violations.onDidChange((c) => critical.push(...c.raised));
    await r.startWatching();
    write(r.worktree, 'src/before.ts', 'before\n');
    await r.checkpoints.request({ full: true, trigger: 'manual' });
    const refs = checkpointRefs(repo.dir, 'gitfile');
    const gitFile = path.join(r.worktree, '.git');
    const original = fs.readFileSync(gitFile);
    const otherObjects = du(path.join(other.dir, '.git/objects'));
    const otherRefs = other.git('for-each-ref');
    fs.writeFileSync(gitFile, `gitdir: ${other.dir}/.git\n`);
    await waitFor(() => critical.some((v) => v.kind === 'git_dir_write' && v.path === '.git'), 15_000, 'a git_dir_write violation');
    const events = (await r.log.read()).events;
    assert.ok(events.some((e) => e.t === 'violation.critical' && e.violations.some((v) => v.kind === 'git_dir_write' && v.severity === 'critical')));
    await r.stopWatching(); // the rest runs without watch batches racing it
    write(r.worktree, 'src/after.ts', 'after\n');
    const outcome = await r.checkpoints.request({ full: true, trigger: 'manual' }).then(
      (rec) => ({ rec }),
      (err: unknown) => ({ err }),
    );
    if ('err' in outcome) {
      assert.ok(AopError.is(outcome.err, 'GIT_FAILED'), String(outcome.err));
      assert.deepEqual(checkpointRefs(repo.dir, 'gitfile'), refs, 'a refused checkpoint leaves the refs as they were');
    } else {
      const rec = outcome.rec!;
      assert.equal(gitIn(repo.dir, 'rev-parse', `refs/aop/gitfile/${rec.seq}`), rec.commit, 'recorded in the feature\'s own repository');
      assert.deepEqual(commitState(repo.dir, rec.commit), treeState(r.worktree), 'exactly the worktree');
    }
    assert.equal(du(path.join(other.dir, '.git/objects')), otherObjects, 'nothing written into the repository the .git file now names');
    assert.equal(other.git('for-each-ref'), otherRefs);
    fs.writeFileSync(gitFile, original);
    await r.checkpoints.request({ full: true, trigger: 'manual' });
    assert.equal(r.checkpoints.head.tree, referenceTree(r.worktree));
    assertRefsConsistent(repo.dir, 'gitfile', base);
  });

  it('a 1 GB file (sparse) is reported and flagged, never copied into the object store, and never removed by a rollback', async () => {
    const l = await open('huge', makePlan({ version: 1, limits: { maxFileBytes: 10 * 1024 * 1024 } }));
    const objects = path.join(repo.dir, '.git/objects');
    const before = du(objects);
    const big = path.join(l.wt, 'data/huge.bin');
    fs.mkdirSync(path.dirname(big));
    const fd = fs.openSync(big, 'w');
    fs.ftruncateSync(fd, 1024 * 1024 * 1024);
    fs.closeSync(fd);
    write(l.wt, 'data/small.txt', 's\n');
    const rec = (await l.svc.request({ full: true, trigger: 'reconcile' }))!;
    assert.deepEqual(rec.files.map((f) => f.path), ['data/small.txt']);
    assert.ok(rec.notSnapshotted?.some((n) => n.path === 'data/huge.bin'));
    assert.ok(rec.violations.some((v) => v.kind === 'file_too_large' && v.path === 'data/huge.bin'));
    assert.ok(du(objects) - before < 1024 * 1024, `the object store grew by ${du(objects) - before} bytes`);
    const r = await l.rb.toCheckpoint(0);
    assert.equal(r.ok, true);
    assert.equal(fs.statSync(big).size, 1024 * 1024 * 1024, 'no checkpoint holds it, so no rollback deletes it');
  });

  it('10,000 files in one checkpoint: recorded exactly, rolled back and restored exactly, every record kept in the log', async () => {
    const l = await open('many');
    const paths: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const rel = `generated/module-${i % 100}/file-${i}.ts`;
      write(l.wt, rel, `export const n${i} = ${i};\n`);
      paths.push(rel);
    }
    const before = userState(repo.dir);
    const rec = (await l.svc.request({ paths, trigger: 'watch' }))!;
    assert.equal(rec.files.length, 10_000);
    assert.equal(rec.tree, referenceTree(l.wt));
    await roundTrip(l);
    assert.equal(userState(repo.dir), before);
    // The records of a big checkpoint and a big rollback (over a megabyte of JSON) are in the log: a restart lists them and can undo.
    const { events } = await l.log.read();
    assert.deepEqual(
      events.filter((e) => e.t === 'checkpoint').map((e) => e.t === 'checkpoint' && e.seq),
      checkpointRefs(repo.dir, 'many').map((r) => r.seq),
    );
    assert.equal(events.filter((e) => e.t === 'rollback' && e.paths.length === 10_000).length, 2);
    assert.ok(!events.some((e) => e.t === 'warning'), JSON.stringify(events.filter((e) => e.t === 'warning')).slice(0, 300));
  });

  it('a file made executable, a binary file, CRLF and mixed line endings under core.autocrlf and eol attributes: bytes and modes exact both ways', async () => {
    gitIn(repo.dir, 'config', 'core.autocrlf', 'true');
    gitIn(repo.dir, 'config', 'core.safecrlf', 'true');
    const l = await open('bytes');
    write(l.wt, '.gitattributes', '*.txt text eol=crlf\n*.lf text eol=lf\n');
    write(l.wt, 'crlf.txt', 'one\r\ntwo\r\n');
    write(l.wt, 'mixed.txt', 'lf\ncrlf\r\ncr\rend');
    write(l.wt, 'crlf.lf', 'would be normalised by git add\r\n');
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    write(l.wt, 'blob.bin', binary);
    fs.chmodSync(path.join(l.wt, 'src/a.ts'), 0o755);
    const rec = (await l.svc.request({ full: true, trigger: 'reconcile' }))!;
    assert.deepEqual(commitState(repo.dir, rec.commit), treeState(l.wt), 'the checkpoint holds the bytes on disk, not a normalised copy');
    const byPath = new Map(rec.files.map((f) => [f.path, f]));
    assert.equal(byPath.get('src/a.ts')?.mode, '100755');
    assert.equal(byPath.get('src/a.ts')?.oldMode, '100644');
    assert.equal(byPath.get('blob.bin')?.binary, true);
    await roundTrip(l);
    assert.deepEqual(fs.readFileSync(path.join(l.wt, 'blob.bin')), binary);
    assert.equal(fs.readFileSync(path.join(l.wt, 'mixed.txt'), 'latin1'), 'lf\ncrlf\r\ncr\rend');
  });
});
