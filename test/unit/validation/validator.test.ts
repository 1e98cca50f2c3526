import * as assert from 'node:assert/strict';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { FileChange, Violation } from '../../../src/core/model/types';
import { makePlan } from '../../../src/core/plan';
import type { PlanInput } from '../../../src/core/plan';
import { Validator } from '../../../src/core/validation';
import { SECRET_SCAN_BYTES } from '../../../src/core/validation/secrets';
import type { BlobRepo } from './fixtures';
import { fakeSecrets, makeBlobRepo } from './fixtures';

describe('validation: Validator', () => {
  let repo: BlobRepo;
  beforeEach(async () => {
    repo = await makeBlobRepo();
  });
  afterEach(async () => {
    await repo.cleanup();
  });

  const validator = (plan: Omit<PlanInput, 'version'> = {}, extra: { cacheEntries?: number } = {}) =>
    new Validator(makePlan({ version: 1, ...plan }), { worktree: repo.dir, readBlob: (oid) => repo.readBlob(oid), ...extra });
  const kinds = (vs: Violation[]) => vs.map((v) => `${v.kind}:${v.severity}:${v.path}`);
  const run = async (v: Validator, changes: FileChange[]) => (await v.validate(changes)).violations;
  const deleted = (p: string, mode: FileChange['mode'] = '100644'): FileChange => ({ path: p, status: 'D', mode, oldOid: '0'.repeat(40) });

  describe('forbidden_path and out_of_scope', () => {
    it('flags a forbidden path, naming the pattern, and forbidden wins over allowed', async () => {
      const v = validator({ allowed: ['**'], forbidden: ['.env', 'secrets/**'] });
      const vs = await run(v, [repo.change('.env', 'A=1\n'), repo.change('secrets/k.txt', 'k'), repo.change('src/a.ts', 'x'), repo.change('.env.example', 'A=\n')]);
      assert.deepEqual(kinds(vs), ['forbidden_path:error:.env', 'forbidden_path:error:secrets/k.txt']);
      assert.match(vs[1].message, /secrets\/k\.txt matches the plan's forbidden pattern secrets\/\*\*/);
    });

    it('flags files outside allowed, deletions included, with a message that says what to do', async () => {
      const v = validator({ allowed: ['src/**', 'docs'] });
      const vs = await run(v, [repo.change('src/a.ts', 'x'), repo.change('docs/deep/a.md', 'x'), repo.change('lib/b.ts', 'x'), deleted('README.md')]);
      assert.deepEqual(kinds(vs), ['out_of_scope:error:lib/b.ts', 'out_of_scope:error:README.md']);
      assert.equal(vs[0].message, "lib/b.ts is outside the plan's allowed areas (src/**, docs). Roll it back or widen `allowed` in plan.yaml.");
      assert.match(vs[1].message, /was deleted/);
    });

    it('an empty allowed list allows everything', async () => {
      assert.deepEqual(await run(validator(), [repo.change('anything/at/all.txt', 'x'), deleted('gone.txt')]), []);
    });
  });

  describe('git_dir_write and outside_worktree', () => {
    it('flags .git at any depth, critically, and nothing else for that file', async () => {
      const v = validator({ allowed: ['src/**'] });
      const vs = await run(v, [repo.change('.git/config', 'x'), repo.change('sub/.git/hooks/pre-commit', '#!/bin/sh\n'), repo.change('a/.GIT/x', 'x'), deleted('.git/index')]);
      assert.deepEqual(kinds(vs), ['git_dir_write:critical:.git/config', 'git_dir_write:critical:sub/.git/hooks/pre-commit', 'git_dir_write:critical:a/.GIT/x', 'git_dir_write:critical:.git/index']);
    });

    it('does not confuse .github or .gitignore with .git', async () => {
      assert.deepEqual(await run(validator(), [repo.change('.github/workflows/ci.yml', 'x'), repo.change('.gitignore', 'x'), repo.change('a/.gitkeep', '')]), []);
    });

    it('flags paths that climb out or are absolute', async () => {
      const vs = await run(validator(), [repo.change('../outside.txt', 'x'), repo.change('/etc/passwd', 'x')]);
      assert.deepEqual(kinds(vs), ['outside_worktree:critical:../outside.txt', 'outside_worktree:critical:/etc/passwd']);
    });
  });

  describe('symlinks', () => {
    const link = (p: string, target: string, extra: Partial<FileChange> = {}) => repo.change(p, target, { mode: '120000', ...extra });

    it('flags links that escape the worktree, critically', async () => {
      const v = validator();
      const vs = await run(v, [link('abs', '/etc/passwd'), link('a/b/up', '../../..'), link('hooks', '.git/hooks'), link('ok', 'src/a.ts'), link('a/ok2', '../src')]);
      assert.deepEqual(kinds(vs), ['symlink_escape:critical:abs', 'symlink_escape:critical:a/b/up', 'symlink_escape:critical:hooks']);
      assert.match(vs[0].message, /abs is a symlink that leads outside the worktree: its target "\/etc\/passwd" is an absolute path/);
    });

    it('follows links in the change set and on disk', async () => {
      // x/y/up -> ../.. (the root) is harmless on its own; x/y/esc -> up/../../.. then lands above the root.
      const inChanges = await run(validator(), [link('x/y/up', '../..'), link('x/y/esc', 'up/../../..')]);
      assert.deepEqual(kinds(inChanges), ['symlink_escape:critical:x/y/esc']);
      // The same, with the first link already in the base (only on disk, not a change).
      await mkdir(path.join(repo.dir, 'p/q'), { recursive: true });
      await symlink('../..', path.join(repo.dir, 'p/q/up'));
      const onDisk = await run(validator(), [link('p/q/esc', 'up/../../..')]);
      assert.deepEqual(kinds(onDisk), ['symlink_escape:critical:p/q/esc']);
    });

    it('blockSymlinks flags every added or retargeted link as forbidden_path', async () => {
      const vs = await run(validator({ policy: { blockSymlinks: true } }), [link('ok', 'src/a.ts'), link('re', 'b', { status: 'M', oldMode: '120000' }), deleted('gone', '120000')]);
      assert.deepEqual(kinds(vs), ['forbidden_path:error:ok', 'forbidden_path:error:re']);
      assert.match(vs[0].message, /symlinks are blocked by policy/);
    });

    it('reads an ignored link from the worktree', async () => {
      await symlink('/etc', path.join(repo.dir, 'cache-link'));
      const vs = await run(validator(), [{ path: 'cache-link', status: 'A', mode: '120000', ignored: true }]);
      assert.deepEqual(kinds(vs), ['symlink_escape:critical:cache-link']);
      assert.equal(repo.reads, 0);
    });
  });

  describe('executable_added', () => {
    const exe = (p: string, extra: Partial<FileChange> = {}) => repo.change(p, '#!/bin/sh\necho hi\n', { mode: '100755', ...extra });

    it('flags new executables and files that became executable: error by default policy', async () => {
      const vs = await run(validator(), [
        exe('new.sh'),
        exe('chmodded.sh', { status: 'M', oldMode: '100644' }),
        exe('was-link.sh', { status: 'T', oldMode: '120000' }),
        exe('already.sh', { status: 'M', oldMode: '100755' }),
        repo.change('plain.txt', 'x'),
      ]);
      assert.deepEqual(kinds(vs), ['executable_added:error:new.sh', 'executable_added:error:chmodded.sh', 'executable_added:error:was-link.sh']);
      assert.match(vs[0].message, /chmod -x/);
    });

    it('is a warning when the policy allows executables', async () => {
      assert.deepEqual(kinds(await run(validator({ policy: { blockExecutables: false } }), [exe('new.sh')])), ['executable_added:warning:new.sh']);
    });

    it('reads the executable bit of an ignored file from disk', async function () {
      if (process.platform === 'win32') this.skip();
      await writeFile(path.join(repo.dir, 'tool'), '#!/bin/sh\n');
      await chmod(path.join(repo.dir, 'tool'), 0o755);
      const vs = await run(validator(), [{ path: 'tool', status: 'A', mode: '100644', ignored: true }]);
      assert.deepEqual(kinds(vs), ['executable_added:error:tool']);
    });
  });

  describe('sizes', () => {
    it('file_too_large above maxFileBytes, not at it', async () => {
      const v = validator({ limits: { maxFileBytes: 10 } });
      const vs = await run(v, [repo.change('big.bin', 'x'.repeat(11)), repo.change('edge.bin', 'x'.repeat(10))]);
      assert.deepEqual(kinds(vs), ['file_too_large:error:big.bin']);
      assert.match(vs[0].message, /big\.bin is 11 bytes, over the plan's limit of 10 bytes per file/);
    });

    it('reads the blob when the size is not given', async () => {
      const v = validator({ limits: { maxFileBytes: 10 }, policy: { secretScan: false } });
      const c = repo.change('big.bin', 'x'.repeat(20));
      delete c.size;
      assert.deepEqual(kinds(await run(v, [c])), ['file_too_large:error:big.bin']);
      assert.equal(repo.reads, 1);
    });

    it('does not read blobs at all when the size is known and secret scanning is off', async () => {
      await run(validator({ policy: { secretScan: false } }), [repo.change('a.txt', 'hello')]);
      assert.equal(repo.reads, 0);
    });

    it('quota_exceeded once for the feature, counting added and modified files, not deletions', async () => {
      const v = validator({ limits: { quotaBytes: 25 } });
      const under = [repo.change('a', 'x'.repeat(10)), repo.change('b', 'x'.repeat(10), { status: 'M', oldMode: '100644' }), deleted('c')];
      assert.deepEqual(await run(v, under), []);
      const over = [...under, repo.change('d', 'x'.repeat(6))];
      const vs = await run(v, over);
      assert.deepEqual(kinds(vs), ['quota_exceeded:error:']);
      assert.match(vs[0].message, /total 26 bytes, over the plan's quota of 25 bytes/);
    });

    it('counts ignored files on disk toward size limits', async () => {
      await writeFile(path.join(repo.dir, 'model.bin'), Buffer.alloc(4096, 1));
      const vs = await run(validator({ limits: { maxFileBytes: 1000, quotaBytes: 2000 } }), [{ path: 'model.bin', status: 'A', mode: '100644', ignored: true }]);
      assert.deepEqual(kinds(vs), ['file_too_large:error:model.bin', 'quota_exceeded:error:']);
      assert.match(vs[0].message, /4 KiB/);
    });

    it('too_many_files when the change count exceeds the limit', async () => {
      const v = validator({ limits: { maxChangedFiles: 2 } });
      assert.deepEqual(await run(v, [deleted('a'), deleted('b')]), []);
      const vs = await run(v, [deleted('a'), deleted('b'), deleted('c')]);
      assert.deepEqual(kinds(vs), ['too_many_files:error:']);
      assert.match(vs[0].message, /changes 3 files, more than the plan's limit of 2/);
    });
  });

  describe('secret_detected', () => {
    it('reports each secret with its line, and never echoes it', async () => {
      const token = fakeSecrets.github();
      const vs = await run(validator(), [repo.change('src/config.ts', `export const a = 1;\n\nexport const token = '${token}';\n`), repo.change('src/clean.ts', 'export {};\n')]);
      assert.deepEqual(
        vs.map((v) => [v.kind, v.severity, v.path, v.line]),
        [['secret_detected', 'critical', 'src/config.ts', 3]],
      );
      assert.match(vs[0].message, /Possible GitHub token in src\/config\.ts at line 3\. Remove it, rotate the credential/);
      assert.ok(!vs[0].message.includes(token));
    });

    it('scans ignored files from disk', async () => {
      await writeFile(path.join(repo.dir, '.env'), `X=1\nAWS_KEY=${fakeSecrets.aws()}\n`);
      const vs = await run(validator(), [{ path: '.env', status: 'A', mode: '100644', ignored: true }]);
      assert.deepEqual(
        vs.map((v) => [v.kind, v.line]),
        [['secret_detected', 2]],
      );
      assert.equal(repo.reads, 0);
    });

    it('reads only a bounded prefix of a big blob: a secret inside it is found, one beyond it is not read', async () => {
      const asked: (number | undefined)[] = [];
      const v = new Validator(makePlan({ version: 1 }), {
        worktree: repo.dir,
        readBlob: async (oid, maxBytes) => {
          asked.push(maxBytes);
          const all = await repo.readBlob(oid);
          return maxBytes === undefined ? all : all.subarray(0, maxBytes);
        },
      });
      const filler = 'x'.repeat(79) + '\n';
      const early = `key = "${fakeSecrets.aws()}"\n` + filler.repeat(40_000); // 3.2 MB, the secret on line 1
      const late = filler.repeat(40_000) + `key = "${fakeSecrets.aws()}"\n`; // the secret 3.2 MB in
      const vs = await run(v, [repo.change('early.txt', early), repo.change('late.txt', late), repo.change('small.txt', 'hello\n')]);
      assert.deepEqual(vs.map((x) => [x.kind, x.path, x.line]), [['secret_detected', 'early.txt', 1]]);
      assert.deepEqual(asked, [SECRET_SCAN_BYTES, SECRET_SCAN_BYTES, SECRET_SCAN_BYTES], 'never more than the scan reads');
    });

    it('is off when policy.secretScan is false, and skips binary files', async () => {
      const text = `k = "${fakeSecrets.stripe()}"\n`;
      assert.deepEqual(await run(validator({ policy: { secretScan: false } }), [repo.change('a.py', text)]), []);
      assert.deepEqual(await run(validator(), [repo.change('a.bin', Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(text)]))]), []);
    });
  });

  describe('precheck: the rules that need no content, from lstat', () => {
    it('finds links out, .git writes, executables and sizes without reading any file or blob', async () => {
      const w = async (rel: string, content: string | Buffer, mode?: number) => {
        await mkdir(path.dirname(path.join(repo.dir, rel)), { recursive: true });
        await writeFile(path.join(repo.dir, rel), content);
        if (mode !== undefined) await chmod(path.join(repo.dir, rel), mode);
      };
      await mkdir(path.join(repo.dir, 'src'), { recursive: true });
      await symlink('/etc/passwd', path.join(repo.dir, 'src/escape'));
      await symlink('../../..', path.join(repo.dir, 'src/up'));
      await symlink('a.ts', path.join(repo.dir, 'src/fine'));
      await w('sub/.git/hooks/pre-commit', '#!/bin/sh\n');
      await w('tool.sh', '#!/bin/sh\n', 0o755);
      await w('was-exec.sh', '#!/bin/sh\n', 0o755);
      await w('big.bin', Buffer.alloc(64));
      await w('src/a.ts', 'a\n');
      await symlink('/etc', path.join(repo.dir, 'via'));
      let reads = 0;
      const v = new Validator(makePlan({ version: 1, limits: { maxFileBytes: 32 } }), { worktree: repo.dir, readBlob: async () => (reads++, Buffer.alloc(0)) });
      const paths = ['src/escape', 'src/up', 'src/fine', 'sub/.git/hooks/pre-commit', 'tool.sh', 'was-exec.sh', 'big.bin', 'src/a.ts', 'gone.txt', 'via/passwd', 'src'];
      const vs = await v.precheck(paths, async (p) => (p === 'was-exec.sh' ? '100755' : undefined));
      assert.deepEqual(kinds(vs).sort(), [
        'executable_added:error:tool.sh',
        'file_too_large:error:big.bin',
        'git_dir_write:critical:sub/.git/hooks/pre-commit',
        'symlink_escape:critical:src/escape',
        'symlink_escape:critical:src/up',
      ]);
      assert.equal(reads, 0);
    });
  });

  describe('severity overrides', () => {
    it('plan.severity replaces the default, including policy-raised ones', async () => {
      const v = validator({
        allowed: ['src/**'],
        severity: { out_of_scope: 'warning', executable_added: 'critical', git_dir_write: 'error' },
      });
      const vs = await run(v, [repo.change('lib/x', 'x'), repo.change('src/run.sh', '#!/bin/sh\n', { mode: '100755' }), repo.change('.git/x', 'x')]);
      assert.deepEqual(kinds(vs), ['out_of_scope:warning:lib/x', 'executable_added:critical:src/run.sh', 'git_dir_write:error:.git/x']);
    });
  });

  describe('cache', () => {
    it('a second validation of unchanged files is answered from the cache', async () => {
      const v = validator({ allowed: ['src/**'] });
      const changes = [repo.change('src/a.ts', 'a'), repo.change('lib/b.ts', 'b'), repo.change('src/c.sh', 'c', { mode: '100755' }), deleted('src/d.ts')];
      const first = await v.validate(changes);
      assert.deepEqual({ checked: first.checked, cacheHits: first.cacheHits }, { checked: 4, cacheHits: 0 });
      const reads = repo.reads;
      const second = await v.validate(changes);
      assert.deepEqual({ checked: second.checked, cacheHits: second.cacheHits }, { checked: 4, cacheHits: 4 });
      assert.equal(repo.reads, reads, 'no blob is read again');
      assert.deepEqual(second.violations, first.violations);
    });

    it('new content, a new mode or a new plan misses', async () => {
      const v = validator();
      const a = repo.change('a.txt', 'one');
      await v.validate([a]);
      assert.equal((await v.validate([repo.change('a.txt', 'two')])).cacheHits, 0);
      assert.equal((await v.validate([{ ...a, mode: '100755' }])).cacheHits, 0);
      assert.equal((await v.validate([a])).cacheHits, 1);
      v.setPlan(makePlan({ version: 1, allowed: ['src/**'] }));
      const after = await v.validate([a]);
      assert.equal(after.cacheHits, 0);
      assert.deepEqual(kinds(after.violations), ['out_of_scope:error:a.txt']);
    });

    it('an ignored file changed on disk misses', async () => {
      const file = path.join(repo.dir, 'notes.txt');
      await writeFile(file, 'clean\n');
      const v = validator();
      const change: FileChange = { path: 'notes.txt', status: 'A', mode: '100644', ignored: true };
      assert.deepEqual((await v.validate([change])).violations, []);
      assert.equal((await v.validate([change])).cacheHits, 1);
      await writeFile(file, `now with a secret\n${fakeSecrets.google()}\n`);
      const after = await v.validate([change]);
      assert.equal(after.cacheHits, 0);
      assert.deepEqual(kinds(after.violations), ['secret_detected:critical:notes.txt']);
    });

    it('is bounded', async () => {
      const v = validator({}, { cacheEntries: 2 });
      const changes = ['a', 'b', 'c'].map((p) => repo.change(p, p));
      await v.validate(changes);
      assert.equal(v.cacheSize, 2);
      assert.ok((await v.validate(changes)).cacheHits < 3);
    });
  });

  it('checkPath applies the path rules to one path', () => {
    const v = validator({ allowed: ['src/**'], forbidden: ['src/secret/**'] });
    assert.deepEqual(v.checkPath('src/a.ts'), []);
    assert.deepEqual(kinds(v.checkPath('src/secret/x')), ['forbidden_path:error:src/secret/x']);
    assert.deepEqual(kinds(v.checkPath('lib/x')), ['out_of_scope:error:lib/x']);
    assert.deepEqual(kinds(v.checkPath('.git/HEAD')), ['git_dir_write:critical:.git/HEAD']);
  });
});
