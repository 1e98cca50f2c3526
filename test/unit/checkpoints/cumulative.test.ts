import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointService } from '../../../src/core/checkpoints/checkpointService';
import { StatCache } from '../../../src/core/checkpoints/statCache';
import { EventLog } from '../../../src/core/events/eventLog';
import type { FileChange } from '../../../src/core/model/types';
import { makePlan } from '../../../src/core/plan';
import { Validator } from '../../../src/core/validation';
import { gitIn, makeTempDir, makeTempRepo, type TempRepo } from '../helpers/tempRepo';

const AWS = 'AKIA' + 'QWERTYUIOPASDFGH';

describe('Checkpoints: cumulative state kept from each checkpoint', function () {
  this.timeout(60_000);
  let repo: TempRepo;
  let wt: string;
  let base: string;
  const open: { svc: CheckpointService; log: EventLog }[] = [];

  async function openService(validator: Validator, id = 'f1'): Promise<CheckpointService> {
    const log = new EventLog(path.join(repo.dir, '..', `${id}-${open.length}.jsonl`), id);
    const svc = await CheckpointService.open({ featureId: id, worktree: wt, baseCommit: base, log, validator, statCacheFile: path.join(repo.dir, '..', `${id}-stat.json`) });
    open.push({ svc, log });
    return svc;
  }

  function validator(plan = makePlan({ version: 1, forbidden: ['secret/**'], allowed: ['src/**', 'secret/**', 'docs/**'] })): Validator {
    return new Validator(plan, { worktree: wt, readBlob: async (oid) => Buffer.from(gitIn(wt, 'cat-file', 'blob', oid)) });
  }

  const write = (rel: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(wt, rel)), { recursive: true });
    fs.writeFileSync(path.join(wt, rel), content);
  };

  beforeEach(() => {
    const files: Record<string, string> = { 'README.md': '# r\n', 'docs/a.md': 'a\n' };
    for (let i = 0; i < 30; i++) files[`src/m${i % 3}/f${i}.ts`] = `export const v${i} = ${i};\n`;
    repo = makeTempRepo(files);
    base = repo.git('rev-parse', 'HEAD');
    wt = path.join(repo.dir, '..', 'wt');
    repo.git('worktree', 'add', '-q', '--detach', wt, base);
  });

  afterEach(async () => {
    for (const o of open.splice(0)) {
      await o.svc.dispose();
      await o.log.close();
    }
    repo.cleanup();
  });

  it('re-judges only the paths a checkpoint changed, and finds what validating everything finds', async () => {
    const v = validator();
    const judged: number[] = [];
    const verdicts = v.verdicts.bind(v);
    v.verdicts = (changes, content) => {
      judged.push(changes.length);
      return verdicts(changes, content);
    };
    const svc = await openService(v);
    const first = Array.from({ length: 30 }, (_, i) => `src/m${i % 3}/f${i}.ts`);
    for (const p of first) write(p, `changed ${p}\n`);
    write('secret/key.txt', `key ${AWS}\n`);
    write('outside.txt', 'not in scope\n');
    await svc.request({ paths: [...first, 'secret/key.txt', 'outside.txt'], trigger: 'watch' });
    judged.length = 0;
    write('src/m0/f0.ts', 'again\n');
    write('src/m1/f1.ts', `leak ${AWS}\n`);
    const rec = await svc.request({ paths: ['src/m0/f0.ts', 'src/m1/f1.ts'], trigger: 'watch' });
    assert.deepEqual(judged, [2], 'the second checkpoint judged its 2 paths, not the 32 the feature changed');
    const whole = await validator().validate(await svc.cumulativeChanges());
    assert.deepEqual(rec!.violations, whole.violations);
    const got = rec!.violations.map((x) => `${x.kind} ${x.path}`);
    for (const want of ['out_of_scope outside.txt', 'forbidden_path secret/key.txt', 'secret_detected src/m1/f1.ts']) assert.ok(got.includes(want), `${want} in ${got.join(', ')}`);
  });

  it('after a clean stop, the first validation of the restarted feature reads only what changed since (verdicts kept), finding the same', async () => {
    const counted = (plan?: Parameters<typeof validator>[0]) => {
      const v = validator(plan);
      const reads: string[] = [];
      const opts = (v as unknown as { options: { readBlob: (oid: string) => Promise<Buffer> } }).options;
      const read = opts.readBlob;
      opts.readBlob = (oid) => (reads.push(oid), read(oid));
      return { v, reads };
    };
    const first = Array.from({ length: 30 }, (_, i) => `src/m${i % 3}/f${i}.ts`);
    for (const p of first) write(p, `changed ${p}\n`);
    write('secret/key.txt', `key ${AWS}\n`);
    const a = counted();
    const svcA = await openService(a.v);
    await svcA.request({ paths: [...first, 'secret/key.txt'], trigger: 'watch' });
    const o = open.splice(0)[0]!;
    await o.svc.dispose();
    await o.log.close();

    write('src/m0/f0.ts', 'changed while stopped\n');
    const b = counted();
    const svcB = await openService(b.v);
    const sized: string[] = [];
    const info = svcB.store.info.bind(svcB.store);
    svcB.store.info = (rev) => (sized.push(rev), info(rev));
    const rec = await svcB.request({ paths: ['src/m0/f0.ts'], trigger: 'watch' });
    const fresh = gitIn(wt, 'hash-object', 'src/m0/f0.ts').trim();
    assert.deepEqual(b.reads.filter((x) => x !== fresh), [], 'no blob judged before the stop is read again');
    assert.deepEqual(sized.filter((x) => x !== fresh), [], 'no size looked up again');
    assert.deepEqual(
      rec!.violations.map((x) => `${x.kind} ${x.path}`).sort(),
      (await validator().validate(await svcB.cumulativeChanges())).violations.map((x) => `${x.kind} ${x.path}`).sort(),
      'the same violations as judging everything afresh',
    );
    assert.ok(rec!.violations.some((x) => x.path === 'secret/key.txt'), 'a verdict kept from before the stop still counts');

    // Under another plan nothing saved applies: everything is judged (and read) again.
    const o2 = open.splice(0)[0]!;
    await o2.svc.dispose();
    await o2.log.close();
    write('src/m1/f1.ts', 'after another stop\n');
    const c = counted(makePlan({ version: 1, forbidden: ['secret/**', 'docs/**'], allowed: ['src/**', 'secret/**', 'docs/**'] }));
    const svcC = await openService(c.v);
    await svcC.request({ paths: ['src/m1/f1.ts'], trigger: 'watch' });
    assert.ok(c.reads.length >= first.length, `read ${c.reads.length} blobs under the new plan`);
  });

  it('keeps the same changes git finds between the base and the head, through edits, reverts, deletions, links and modes', async () => {
    const svc = await openService(validator());
    const steps: (() => string[])[] = [
      () => (write('src/m0/f0.ts', 'one\n'), write('new/a.txt', 'a\n'), ['src/m0/f0.ts', 'new/a.txt']),
      () => (fs.rmSync(path.join(wt, 'src/m1/f1.ts')), ['src/m1/f1.ts']),
      () => (write('src/m0/f0.ts', 'export const v0 = 0;\n'), ['src/m0/f0.ts']), // back to the base's content
      () => (fs.rmSync(path.join(wt, 'docs/a.md')), fs.symlinkSync('../README.md', path.join(wt, 'docs/a.md')), ['docs/a.md']),
      () => (fs.chmodSync(path.join(wt, 'src/m2/f2.ts'), 0o755), ['src/m2/f2.ts']),
      () => (fs.rmSync(path.join(wt, 'src/m1'), { recursive: true }), ['src/m1']),
      () => (write('src/m1/f1.ts', 'export const v1 = 1;\n'), ['src/m1']),
    ];
    for (const step of steps) {
      await svc.request({ paths: step(), trigger: 'watch' });
      // A fresh service builds its cumulative changes from git's diff of the base and the head.
      const fresh = await openService(validator());
      const strip = (cs: FileChange[]) => cs.map((c) => JSON.stringify(c)).sort();
      assert.deepEqual(strip(await svc.cumulativeChanges()), strip(await fresh.cumulativeChanges()));
    }
    const paths = (await svc.cumulativeChanges()).map((c) => `${c.status} ${c.path}`);
    assert.ok(paths.includes('T docs/a.md'), 'a file turned into a link is a type change, as git says');
    assert.ok(!paths.some((p) => p.endsWith('src/m0/f0.ts')), 'a file back at its base content is no change');
  });
});

describe('StatCache', () => {
  let dir: string;
  const stat = () => fs.lstatSync(__filename);
  beforeEach(() => (dir = makeTempDir('aop-stat-')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('between full scans, saves what checkpoints learnt as journal lines, and a later load has it all', async () => {
    const file = path.join(dir, 'stat.json');
    const a = new StatCache(file);
    await a.load();
    a.put('kept.ts', stat(), 'a'.repeat(40));
    a.put('gone.ts', stat(), 'b'.repeat(40));
    await a.release();
    assert.equal(a.loaded, false, 'not held in memory between scans');
    a.put('later.ts', stat(), 'c'.repeat(40));
    a.delete('gone.ts');
    await a.save();
    assert.ok(fs.existsSync(`${file}.journal`), 'appended, not rewritten whole');
    fs.appendFileSync(`${file}.journal`, '["p","torn');
    const b = new StatCache(file);
    await b.load();
    assert.equal(b.lookup('kept.ts', stat()), 'a'.repeat(40));
    assert.equal(b.lookup('later.ts', stat()), 'c'.repeat(40));
    assert.equal(b.lookup('gone.ts', stat()), undefined);
    b.put('x.ts', stat(), 'd'.repeat(40));
    await b.release();
    assert.ok(!fs.existsSync(`${file}.journal`), 'a full save folds the journal in');
  });
});
