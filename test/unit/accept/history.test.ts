/**
 * Accept lands only checked content (issue 12, point 2): the agent's own commits are validated
 * like checkpoints, and merge and rebase, which land them, are refused when they hold what the
 * accepted content does not. The scenario of the issue: a smart rollback cleaned the worktree,
 * but the agent's commits still hold a 60 MB file, an AWS key, an executable, a link to
 * /etc/passwd, 3,000 generated files and a gitlink to a missing commit; and a secret committed
 * and then deleted.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkHistory } from '../../../src/core/accept/history';
import { defaultPlan } from '../../../src/core/plan';
import { gitIn } from '../helpers/tempRepo';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

const KEY = 'AKIAZ7Q3EGRT4PLM2DXV';
const MISSING = '1234567890abcdef1234567890abcdef12345678';

describe('accept: the agent history is checked like checkpoints', function () {
  this.timeout(300_000);
  const t = useTestOrchestrator({ files: { 'README.md': '# r\n', 'src/a.ts': 'a\n' }, prepare: (repo) => repo.git('branch', 'develop') });
  const isTrusted = () => true;

  /** The agent: unclean commits, then a worktree made clean again by smart rollback. */
  async function uncleanHistory(id: string): Promise<{ wt: string; commits: string[] }> {
    const f = await t.orch.createFeature({ id, baseRef: 'develop', spec: 'x', planYaml: 'version: 1\nallowed: ["src/**"]\n' });
    const wt = f.worktree!;
    const w = (rel: string, content: string | Buffer, mode?: number) => {
      fs.mkdirSync(path.dirname(path.join(wt, rel)), { recursive: true });
      fs.writeFileSync(path.join(wt, rel), content);
      if (mode) fs.chmodSync(path.join(wt, rel), mode);
    };
    const big = Buffer.alloc(60 * 1024 * 1024, 'x');
    w('src/big.bin', big);
    w('src/creds.txt', `aws_access_key_id = ${KEY}\n`);
    w('src/tool.sh', '#!/bin/sh\necho hi\n', 0o755);
    fs.symlinkSync('/etc/passwd', path.join(wt, 'src/passwd'));
    for (let i = 0; i < 3000; i++) w(`src/gen/f${i}.ts`, `export const f${i} = ${i};\n`);
    gitIn(wt, 'add', '-A');
    gitIn(wt, 'update-index', '--add', '--cacheinfo', `160000,${MISSING},src/sub`);
    gitIn(wt, 'commit', '-q', '-m', 'generate things');
    w('src/secret.txt', `key ${KEY}\n`);
    gitIn(wt, 'add', '-A');
    gitIn(wt, 'commit', '-q', '-m', 'add a secret');
    fs.rmSync(path.join(wt, 'src/secret.txt'));
    w('src/ok.ts', 'export const ok = true;\n');
    gitIn(wt, 'add', '-A');
    gitIn(wt, 'commit', '-q', '-m', 'remove the secret, add ok');
    const commits = gitIn(wt, 'rev-list', '--reverse', 'develop..HEAD').split('\n');

    await t.orch.checkpointNow(id);
    assert.ok(t.orch.summary(id).violations.length > 0, 'the worktree held violations before the rollback');
    fs.rmSync(path.join(wt, 'src/gen'), { recursive: true }); // too many files is feature-wide: taken out by hand
    await t.orch.smartRollback(id);
    await t.orch.checkpointNow(id);
    for (const gone of ['src/big.bin', 'src/creds.txt', 'src/tool.sh', 'src/passwd']) assert.ok(!fs.existsSync(path.join(wt, gone)), `${gone} rolled back`);
    return { wt, commits };
  }

  it('merge and rebase are refused with the offending commits and files; squash lands only the checked content', async () => {
    const { commits } = await uncleanHistory('dirty');
    const s = await t.orch.prepareAccept('dirty');
    assert.equal(s.ready, true, s.blockers.join('\n'));
    assert.deepEqual(s.violations, [], 'the accepted content itself is clean');
    assert.equal(s.history.commits, 3);

    // Each finding is listed once, at the commit that brought it.
    const found = s.history.unclean.map((u) => [u.commit, u.violations.map((v) => `${v.kind} ${v.path}`).sort()]);
    assert.deepEqual(found, [
      [
        commits[0],
        ['broken_gitlink src/sub', 'executable_added src/tool.sh', 'file_too_large src/big.bin', 'secret_detected src/creds.txt', 'symlink_escape src/passwd', 'too_many_files '].sort(),
      ],
      [commits[1], ['secret_detected src/secret.txt']],
    ]);
    assert.deepEqual(s.history.uncleanReplayed, s.history.unclean);
    assert.deepEqual(Object.keys(s.history.refused).sort(), ['merge', 'rebase']);
    assert.ok(s.warnings.some((w) => /merge and rebase are refused; squash lands only the checked content/.test(w)), s.warnings.join('\n'));

    const developBefore = t.repo.git('rev-parse', 'develop');
    for (const strategy of ['merge', 'rebase'] as const) {
      const out = await t.orch.accept('dirty', { strategy, expectSeq: s.seq, isTrusted });
      assert.equal(out.status, 'blocked', strategy);
      const reason = out.status === 'blocked' ? out.reasons.join('\n') : '';
      for (const c of commits.slice(0, 2)) assert.ok(reason.includes(c!.slice(0, 10)), `${strategy}: ${reason}`);
      for (const f of ['src/big.bin', 'src/creds.txt', 'src/tool.sh', 'src/passwd', 'src/sub', 'src/secret.txt']) assert.ok(reason.includes(f), `${strategy} names ${f}: ${reason}`);
      assert.match(reason, /Accept with squash/);
      assert.equal(t.repo.git('rev-parse', 'develop'), developBefore, 'nothing moved');
    }

    const out = await t.orch.accept('dirty', { strategy: 'squash', expectSeq: s.seq, isTrusted });
    assert.equal(out.status, 'landed');
    const landed = t.repo.git('ls-tree', '-r', '--name-only', 'develop').split('\n').sort();
    assert.deepEqual(landed, ['README.md', 'src/a.ts', 'src/ok.ts']);
    // Nothing of the agent's commits is reachable from the target.
    for (const c of commits) assert.throws(() => t.repo.git('merge-base', '--is-ancestor', c!, 'develop'));
  });

  it('a clean history keeps every strategy; a gitlink to a missing commit in the accepted content is itself a violation', async () => {
    const f = await t.orch.createFeature({ id: 'clean', baseRef: 'develop', spec: 'x' });
    fs.writeFileSync(path.join(f.worktree!, 'src/b.ts'), 'b\n');
    gitIn(f.worktree!, 'add', '-A');
    gitIn(f.worktree!, 'commit', '-q', '-m', 'clean work');
    const s = await t.orch.prepareAccept('clean');
    assert.equal(s.history.commits, 1);
    assert.deepEqual(s.history.unclean, []);
    assert.deepEqual(s.history.refused, {});
    const out = await t.orch.accept('clean', { strategy: 'rebase', expectSeq: s.seq, isTrusted });
    assert.equal(out.status, 'landed');

    // A nested repository in the worktree becomes a gitlink to a commit this repository lacks.
    const g = await t.orch.createFeature({ id: 'nested', baseRef: 'develop', spec: 'x' });
    const nested = path.join(g.worktree!, 'src/vendor');
    fs.mkdirSync(nested, { recursive: true });
    gitIn(nested, 'init', '-q');
    fs.writeFileSync(path.join(nested, 'x.txt'), 'x\n');
    gitIn(nested, 'add', '-A');
    gitIn(nested, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'nested');
    const n = await t.orch.prepareAccept('nested');
    assert.deepEqual(n.violations.map((v) => `${v.kind} ${v.path}`), ['broken_gitlink src/vendor']);
    assert.equal(n.ready, false);
  });

  it('rebase is refused when a merge commit on its line brings in what a side branch held; allowed when the side branch cleaned it first', async () => {
    /** An agent that commits a secret on a side branch and merges it into its own branch. */
    const sideSecret = async (id: string, removeOnSide: boolean) => {
      const wt = (await t.orch.createFeature({ id, baseRef: 'develop', spec: 'x', planYaml: 'version: 1\nallowed: ["src/**"]\n' })).worktree!;
      const branch = gitIn(wt, 'rev-parse', '--abbrev-ref', 'HEAD');
      gitIn(wt, 'checkout', '-q', '-b', `side-${id}`);
      fs.writeFileSync(path.join(wt, 'src/secret.txt'), `key ${KEY}\n`);
      gitIn(wt, 'add', '-A');
      gitIn(wt, 'commit', '-q', '-m', 'side: a secret');
      const side = gitIn(wt, 'rev-parse', 'HEAD');
      if (removeOnSide) {
        gitIn(wt, 'rm', '-q', 'src/secret.txt');
        gitIn(wt, 'commit', '-q', '-m', 'side: the secret removed');
      }
      gitIn(wt, 'checkout', '-q', branch);
      fs.writeFileSync(path.join(wt, 'src/main.ts'), 'main\n');
      gitIn(wt, 'add', '-A');
      gitIn(wt, 'commit', '-q', '-m', 'main line');
      gitIn(wt, 'merge', '-q', '--no-ff', '--no-edit', `side-${id}`);
      const merge = gitIn(wt, 'rev-parse', 'HEAD');
      if (!removeOnSide) {
        gitIn(wt, 'rm', '-q', 'src/secret.txt');
        gitIn(wt, 'commit', '-q', '-m', 'the secret removed');
      }
      await t.orch.checkpointNow(id);
      const s = await t.orch.prepareAccept(id);
      assert.equal(s.ready, true, s.blockers.join('\n'));
      assert.deepEqual(s.violations, [], 'the accepted content itself is clean');
      return { s, side, merge };
    };

    // Merged in, removed afterwards on the main line: replaying the merge commit lands the secret.
    const merged = await sideSecret('merged', false);
    assert.deepEqual(merged.s.history.unclean.map((u) => u.commit), [merged.side]);
    assert.deepEqual(merged.s.history.uncleanReplayed.map((u) => [u.commit, u.violations.map((v) => `${v.kind} ${v.path}`)]), [[merged.merge, ['secret_detected src/secret.txt']]]);
    assert.deepEqual(Object.keys(merged.s.history.refused).sort(), ['merge', 'rebase']);
    const developBefore = t.repo.git('rev-parse', 'develop');
    const out = await t.orch.accept('merged', { strategy: 'rebase', expectSeq: merged.s.seq, isTrusted });
    assert.equal(out.status, 'blocked');
    assert.ok(out.status === 'blocked' && out.reasons.join('\n').includes(merged.merge.slice(0, 10)), JSON.stringify(out.status === 'blocked' && out.reasons));
    assert.equal(t.repo.git('rev-parse', 'develop'), developBefore, 'nothing moved');

    // Removed on the side branch before the merge: no tree on the first-parent line holds it.
    const cleaned = await sideSecret('cleaned', true);
    assert.deepEqual(cleaned.s.history.unclean.map((u) => u.commit), [cleaned.side]);
    assert.deepEqual(cleaned.s.history.uncleanReplayed, []);
    assert.deepEqual(Object.keys(cleaned.s.history.refused), ['merge']);
    const landed = await t.orch.accept('cleaned', { strategy: 'rebase', expectSeq: cleaned.s.seq, isTrusted });
    assert.equal(landed.status, 'landed');
    // What rebase landed: no commit of the target's new history holds the secret.
    for (const c of t.repo.git('rev-list', `${developBefore}..develop`).split('\n')) {
      assert.equal(t.repo.git('ls-tree', '-r', '--name-only', c).split('\n').includes('src/secret.txt'), false, c);
    }
  });

  it('more commits than it checks: merge and rebase are refused as unchecked', async () => {
    const wt = (await t.orch.createFeature({ id: 'many', baseRef: 'develop', spec: 'x' })).worktree!;
    for (let i = 0; i < 4; i++) gitIn(wt, 'commit', '-q', '--allow-empty', '-m', `c${i}`);
    const h = await checkHistory({
      repo: t.repo.dir,
      baseCommit: t.repo.git('rev-parse', 'develop'),
      branchTip: gitIn(wt, 'rev-parse', 'HEAD'),
      plan: defaultPlan(),
      validator: { validate: () => Promise.resolve({ violations: [] }) as never },
      store: { info: () => Promise.resolve(undefined) },
      finalViolations: [],
      maxCommits: 3,
    });
    assert.equal(h.commits, 4);
    assert.match(h.unchecked ?? '', /made 4 commits; at most 3 are checked/);
    assert.deepEqual(Object.keys(h.refused).sort(), ['merge', 'rebase']);
  });
});
