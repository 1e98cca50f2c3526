import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import { CheckpointService } from '../../../src/core/checkpoints/checkpointService';
import { EventLog } from '../../../src/core/events/eventLog';
import { ObjectStore } from '../../../src/core/git/objectStore';
import { zlibStored } from '../../../src/core/git/packWriter';
import { makePlan } from '../../../src/core/plan';
import { Validator } from '../../../src/core/validation';
import { makeTempRepo, referenceTree, type TempRepo } from '../helpers/tempRepo';

describe('ObjectStore: a checkpoint\'s objects as one pack', () => {
  let repo: TempRepo;
  let store: ObjectStore;

  beforeEach(async () => {
    repo = makeTempRepo({ 'a.txt': 'a\n' });
    repo.git('gc', '-q', '--prune=now');
    store = await ObjectStore.open(repo.dir);
  });

  afterEach(() => {
    store.close();
    repo.cleanup();
  });

  const packDir = () => path.join(repo.dir, '.git', 'objects', 'pack');
  const packs = () => fs.readdirSync(packDir()).filter((n) => n.endsWith('.idx')).sort();
  const loose = () => Number(/^(\d+) objects/.exec(repo.git('count-objects'))![1]);
  const treeOf = (entries: [string, string, string][]) =>
    Buffer.concat(entries.map(([mode, name, oid]) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')])));

  /** Blobs of every size class (empty, small, past the 4-bit and 11-bit size headers, 70 KB), a tree and a commit. */
  async function writeSome(tag: string): Promise<{ blobs: [string, Buffer][]; tree: string; commit: string }> {
    const contents = ['', 'x', 'y'.repeat(15), 'z'.repeat(16), 'w'.repeat(2047), 'v'.repeat(2048), `${tag}\n`.repeat(10_000)].map((s, i) => Buffer.from(`${tag}${i}${s}`));
    const blobs = contents.map((c) => [store.writeObjectSync('blob', c), c] as [string, Buffer]);
    const sorted = blobs.map(([oid], i) => ['100644', `f${i}`, oid] as [string, string, string]);
    const tree = store.writeObjectSync('tree', treeOf(sorted));
    const commit = await store.writeObject('commit', Buffer.from(`tree ${tree}\nauthor a <a@a> 0 +0000\ncommitter a <a@a> 0 +0000\n\n${tag}\n`));
    return { blobs, tree, commit };
  }

  it('writes everything between beginPack and endPack as one pack git reads and fsck accepts, and nothing loose', async () => {
    const before = packs();
    store.beginPack();
    const w = await writeSome('one');
    assert.equal(store.writeObjectSync('blob', w.blobs[1]![1]), w.blobs[1]![0], 'written twice: one object');
    store.endPack();
    assert.equal(loose(), 0, 'no loose object');
    assert.equal(packs().length, before.length + 1, 'one new pack');
    for (const [oid, content] of w.blobs) assert.ok(execFileSync('git', ['cat-file', 'blob', oid], { cwd: repo.dir }).equals(content), `blob ${oid} reads back`);
    assert.equal(repo.git('cat-file', '-t', w.commit), 'commit');
    assert.equal(repo.git('rev-parse', `${w.commit}^{tree}`), w.tree);
    repo.git('update-ref', 'refs/aop/test/1', w.commit);
    repo.git('fsck', '--strict', '--no-dangling');
    const added = packs().find((n) => !before.includes(n))!;
    repo.git('verify-pack', path.join(packDir(), added));
    // After endPack, objects are loose again.
    store.writeObjectSync('blob', Buffer.from('after the pack\n'));
    assert.equal(loose(), 1);
  });

  it('stores a big tree (a folder of thousands of entries) uncompressed and loose, even in a pack, and git reads it', async () => {
    const blob = store.writeObjectSync('blob', Buffer.from('same content\n'));
    const names = Array.from({ length: 3000 }, (_, i) => `file-${String(i).padStart(5, '0')}.ts`);
    const body = treeOf(names.map((n) => ['100644', n, blob]));
    assert.ok(body.length >= 64 * 1024);
    const looseTree = store.writeObjectSync('tree', body);
    assert.equal(repo.git('ls-tree', looseTree).split('\n').length, 3000);
    const packed = await store.packing(async () => store.writeObjectSync('tree', treeOf([...names, 'zz-one-more.ts'].map((n) => ['100644', n, blob]))));
    assert.equal(repo.git('ls-tree', packed).split('\n').length, 3001);
    assert.equal(loose(), 3, 'the blob and both big trees are loose: merges never copy big trees');
    repo.git('update-ref', 'refs/aop/test/a', repo.git('commit-tree', looseTree, '-m', 'a'));
    repo.git('update-ref', 'refs/aop/test/b', repo.git('commit-tree', packed, '-m', 'b'));
    repo.git('fsck', '--strict', '--no-dangling');
    for (const n of [0, 1, 65535, 65536, 200_000]) {
      const data = Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919) % 251));
      assert.ok(inflateSync(zlibStored(data)).equals(data), `${n} bytes round-trip`);
    }
  });

  it('a read of an object still waiting for its pack writes the pack first', async () => {
    store.beginPack();
    const oid = store.writeObjectSync('blob', Buffer.from('read me before the end\n'));
    const read = await store.read(oid);
    assert.equal(read?.data.toString(), 'read me before the end\n');
    store.endPack();
    assert.equal(loose(), 0);
  });

  it('merges its packs once they pile up, leaving every object readable and fsck clean', async () => {
    const base = packs().length;
    const commits: string[] = [];
    for (let i = 0; i < 20; i++) {
      const w = await store.packing(async () => writeSome(`round${i}`));
      commits.push(w.commit);
      repo.git('update-ref', `refs/aop/test/${i}`, w.commit);
    }
    assert.ok(packs().length - base < 16, `merged: ${packs().length - base} packs of ours left`);
    for (const c of commits) assert.equal(repo.git('cat-file', '-t', c), 'commit');
    repo.git('fsck', '--strict', '--no-dangling');
    assert.equal(loose(), 0);
  });

  it('bounds what one merge writes: at most 8 MB, so old versions of big objects are not copied again and again', async () => {
    for (let i = 0; i < 16; i++) await store.packing(async () => store.writeObjectSync('blob', randomBytes(600 * 1024)));
    const sizes = fs.readdirSync(packDir()).filter((n) => n.endsWith('.pack')).map((n) => fs.statSync(path.join(packDir(), n)).size);
    assert.ok(sizes.length < 16, 'merged');
    assert.ok(Math.max(...sizes) <= 8 * 1024 * 1024, `largest pack ${Math.max(...sizes)} bytes`);
    repo.git('fsck', '--strict');
  });

  it('leaves nothing half-written when the task throws: what it wrote is in a pack', async () => {
    let oid = '';
    await assert.rejects(
      store.packing(async () => {
        oid = store.writeObjectSync('blob', Buffer.from('before the failure\n'));
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(repo.git('cat-file', 'blob', oid), 'before the failure');
    store.writeObjectSync('blob', Buffer.from('loose again\n'));
    assert.equal(loose(), 1);
  });
});

describe('CheckpointService: each checkpoint is one pack', () => {
  let repo: TempRepo;
  let wt: string;
  let svc: CheckpointService;
  let log: EventLog;
  let base: string;

  beforeEach(async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`src/d${i % 6}/sub${i % 3}/f${i}.ts`] = `export const v${i} = ${i};\n`;
    repo = makeTempRepo(files);
    repo.git('gc', '-q', '--prune=now');
    base = repo.git('rev-parse', 'HEAD');
    wt = path.join(repo.dir, '..', 'wt');
    repo.git('worktree', 'add', '-q', '-b', 'aop/f1', wt, base);
    log = new EventLog(path.join(repo.dir, '..', 'events.jsonl'), 'f1');
    const validator = new Validator(makePlan({ version: 1 }), { worktree: wt, readBlob: (oid) => Promise.resolve(execFileSync('git', ['cat-file', 'blob', oid], { cwd: wt })) });
    svc = await CheckpointService.open({ featureId: 'f1', worktree: wt, baseCommit: base, log, validator, statCacheFile: path.join(repo.dir, '..', 'stat.json') });
  });

  afterEach(async () => {
    await svc.dispose();
    await log.close();
    repo.cleanup();
  });

  it('writes no loose object, records the tree `git add -A` would, and git fsck accepts every checkpoint', async () => {
    const loose = () => Number(/^(\d+) objects/.exec(repo.git('count-objects'))![1]);
    for (let round = 0; round < 20; round++) {
      const paths: string[] = [];
      for (let i = round; i < 60; i += 7) {
        const rel = `src/d${i % 6}/sub${i % 3}/f${i}.ts`;
        fs.writeFileSync(path.join(wt, rel), `export const v${i} = ${round * 100 + i};\n`);
        paths.push(rel);
      }
      const added = `src/new${round}/deep/n.ts`;
      fs.mkdirSync(path.dirname(path.join(wt, added)), { recursive: true });
      fs.writeFileSync(path.join(wt, added), `new ${round}\n`);
      paths.push(added);
      const rec = await svc.request({ paths, trigger: 'watch' });
      assert.ok(rec);
      assert.equal(rec.tree, referenceTree(wt), `round ${round}: the tree git add -A writes`);
      assert.equal(loose(), 0, `round ${round}: nothing loose`);
    }
    repo.git('fsck', '--strict', '--no-dangling');
    assert.ok(fs.readdirSync(path.join(repo.dir, '.git', 'objects', 'pack')).filter((n) => n.endsWith('.idx')).length < 17, 'packs merged as they pile up');
  });
});
