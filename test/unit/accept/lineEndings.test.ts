/**
 * Accept commits what the user's own `git add` would (issue 12, CRLF): where `.gitattributes`
 * asks for normalisation and the agent writes CRLF, the landed tree equals `git add` of the
 * worktree onto the base, for every strategy; checkpoints keep the raw bytes. No filter runs.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gitIn, makeTempDir, type TempRepo } from '../helpers/tempRepo';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

/** The tree the user's own `git add -A` records for `worktree`, starting from an index of `base`. */
function gitAddTree(worktree: string, base: string): string {
  const dir = makeTempDir('aop-add-');
  const env = { ...process.env, GIT_INDEX_FILE: path.join(dir, 'index') };
  try {
    execFileSync('git', ['read-tree', base], { cwd: worktree, env });
    execFileSync('git', ['-c', 'core.safecrlf=false', 'add', '-A'], { cwd: worktree, env, stdio: 'pipe' });
    return execFileSync('git', ['write-tree'], { cwd: worktree, env, encoding: 'utf8' }).trim();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('accept: line endings as git add would record them', function () {
  this.timeout(120_000);
  const t = useTestOrchestrator({
    files: { 'README.md': '# r\n', 'src/lf.txt': 'one\ntwo\n', 'docs/keep.txt': 'k\n' },
    prepare: (repo) => {
      repo.git('config', 'core.safecrlf', 'false');
      repo.write('.gitattributes', '* text=auto eol=lf\n*.bat eol=crlf\n');
      // A file committed with CRLF before the attributes said otherwise: text=auto keeps it so.
      repo.write('legacy/old.txt', 'was\r\ncrlf\r\n');
      repo.git('add', '-A');
      repo.git('-c', 'core.autocrlf=false', 'update-index', '--add', '--cacheinfo', `100644,${repo.git('hash-object', '-w', '--no-filters', 'legacy/old.txt')},legacy/old.txt`);
      repo.git('commit', '-q', '-m', 'attributes');
      repo.git('branch', 'develop');
    },
  });
  const isTrusted = () => true;

  /** The agent writes CRLF everywhere (new and changed files, a binary, a .bat, the legacy file), and commits some of it. */
  async function crlfFeature(id: string): Promise<string> {
    const f = await t.orch.createFeature({ id, baseRef: 'develop', spec: 'x' });
    const wt = f.worktree!;
    const w = (rel: string, content: string | Buffer) => {
      fs.mkdirSync(path.dirname(path.join(wt, rel)), { recursive: true });
      fs.writeFileSync(path.join(wt, rel), content);
    };
    w('src/lf.txt', 'one\r\ntwo\r\nthree\r\n');
    w('src/new.txt', `new ${id}\r\nfile\r\n`);
    w('run.bat', 'echo hi\n');
    w('legacy/old.txt', 'was\r\ncrlf\r\nstill\r\n');
    w('img.bin', Buffer.from([0, 1, 2, 13, 10, 255, 13, 10]));
    gitIn(wt, 'add', 'src/new.txt');
    gitIn(wt, '-c', 'core.safecrlf=false', 'commit', '-q', '-m', 'agent commit');
    w('src/later.txt', 'uncommitted\r\nwork\r\n');
    return wt;
  }

  for (const strategy of ['squash', 'merge', 'rebase'] as const) {
    it(`${strategy}: the landed tree equals git add of the worktree; the checkpoint kept the raw bytes`, async () => {
      const wt = await crlfFeature(strategy);
      const base = t.repo.git('rev-parse', 'develop');
      const expected = gitAddTree(wt, base);
      const s = await t.orch.prepareAccept(strategy);
      assert.equal(s.ready, true, s.blockers.join('\n'));
      assert.equal((await t.orch.readFileAt(strategy, s.seq, 'src/lf.txt'))?.toString(), 'one\r\ntwo\r\nthree\r\n', 'checkpoints keep raw bytes');
      assert.notEqual(s.tree, expected);

      const out = await t.orch.accept(strategy, { strategy, expectSeq: s.seq, isTrusted });
      assert.equal(out.status, 'landed');
      assert.equal(t.repo.git('rev-parse', 'develop^{tree}'), expected);
      assert.equal(t.repo.git('cat-file', 'blob', 'develop:src/lf.txt'), 'one\ntwo\nthree');
      assert.equal(execFileSync('git', ['cat-file', 'blob', 'develop:legacy/old.txt'], { cwd: t.repo.dir, encoding: 'utf8' }), 'was\r\ncrlf\r\nstill\r\n', 'text=auto keeps CRLF a file already had');
      assert.ok(out.status === 'landed' && out.notes.some((n) => /Line endings of \d+ file\(s\) were normalised/.test(n)), JSON.stringify(out.status === 'landed' && out.notes));
    });
  }

  it('no attributes, no autocrlf: the checkpoint content lands byte for byte', async () => {
    t.repo.git('rm', '-q', '.gitattributes');
    t.repo.git('commit', '-q', '-m', 'no attributes');
    t.repo.git('branch', '-f', 'develop');
    const f = await t.orch.createFeature({ id: 'raw', baseRef: 'develop', spec: 'x' });
    fs.writeFileSync(path.join(f.worktree!, 'src/lf.txt'), 'crlf\r\nkept\r\n');
    const s = await t.orch.prepareAccept('raw');
    const out = await t.orch.accept('raw', { strategy: 'squash', expectSeq: s.seq, isTrusted });
    assert.equal(out.status, 'landed');
    assert.equal(t.repo.git('rev-parse', 'develop^{tree}'), s.tree);
  });

  for (const [source, set] of [
    ['core.autocrlf=input in the repository config', (r: TempRepo) => r.git('config', 'core.autocrlf', 'input')],
    ['.git/info/attributes', (r: TempRepo) => fs.writeFileSync(path.join(r.dir, '.git', 'info', 'attributes'), '* text=auto eol=lf\n')],
  ] as const) {
    it(`no committed attributes, normalisation asked by ${source}: the landed tree equals git add`, async () => {
      t.repo.git('rm', '-q', '.gitattributes');
      t.repo.git('commit', '-q', '-m', 'no attributes');
      t.repo.git('branch', '-f', 'develop');
      set(t.repo);
      const f = await t.orch.createFeature({ id: 'asked', baseRef: 'develop', spec: 'x' });
      fs.writeFileSync(path.join(f.worktree!, 'src/lf.txt'), 'crlf\r\nnormalised\r\n');
      fs.writeFileSync(path.join(f.worktree!, 'src/new.txt'), 'new\r\n');
      const expected = gitAddTree(f.worktree!, t.repo.git('rev-parse', 'develop'));
      const s = await t.orch.prepareAccept('asked');
      assert.notEqual(s.tree, expected, 'the checkpoint kept the raw bytes');
      const out = await t.orch.accept('asked', { strategy: 'squash', expectSeq: s.seq, isTrusted });
      assert.equal(out.status, 'landed');
      assert.equal(t.repo.git('rev-parse', 'develop^{tree}'), expected);
      assert.equal(t.repo.git('cat-file', 'blob', 'develop:src/lf.txt'), 'crlf\nnormalised');
    });
  }

  it('files under a filter (filter=lfs) land as written, and the summary says so', async () => {
    t.repo.write('.gitattributes', '* text=auto eol=lf\n*.psd filter=lfs diff=lfs merge=lfs -text\n');
    t.repo.git('commit', '-q', '-am', 'lfs');
    t.repo.git('branch', '-f', 'develop');
    const f = await t.orch.createFeature({ id: 'lfs', baseRef: 'develop', spec: 'x' });
    const raw = Buffer.from('8BPS not a pointer\r\n');
    fs.writeFileSync(path.join(f.worktree!, 'art.psd'), raw);
    const s = await t.orch.prepareAccept('lfs');
    assert.ok(s.warnings.some((w) => /1 file\(s\) are under a filter \(filter=lfs\): art\.psd/.test(w)), s.warnings.join('\n'));
    const out = await t.orch.accept('lfs', { strategy: 'squash', expectSeq: s.seq, isTrusted });
    assert.equal(out.status, 'landed');
    assert.deepEqual(execFileSync('git', ['cat-file', 'blob', 'develop:art.psd'], { cwd: t.repo.dir }), raw);
  });
});
