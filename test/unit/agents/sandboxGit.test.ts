import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectSandbox } from '../../../src/core/agents/sandbox';
import { gitIn, makeTempRepo, type TempRepo } from '../helpers/tempRepo';
import { waitFor } from '../../../src/core/util/async';
import { EventRecorder, cleanupTemp, launchSession, readIfExists, scriptedConfig, stopLiveSessions, tempDir, writeScript } from './helpers';

/**
 * A real process under bubblewrap with git usable: it commits to its own branch, and every
 * write that would make git run code, move another branch or touch the main checkout fails.
 */
describe('agents/sandbox: git inside', () => {
  let repo: TempRepo;
  let wt: string;
  let gitDir: string;

  beforeEach(() => {
    repo = makeTempRepo({ 'README.md': '# r\n' });
    gitDir = path.join(repo.dir, '.git');
    repo.git('branch', 'aop/other');
    wt = path.join(path.dirname(repo.dir), 'wt');
    repo.git('worktree', 'add', '-q', '-b', 'aop/f1', wt, 'main');
  });

  afterEach(async () => {
    await stopLiveSessions();
    cleanupTemp();
    repo.cleanup();
  });

  // Each attempt prints "<name> ok" or "<name> refused" into the worktree.
  const attempts: [string, string][] = [
    ['commit', 'echo a > a.txt && git add a.txt && git commit -q -m own-work && git rev-parse HEAD > head.txt'],
    ['config', 'git config core.fsmonitor "touch /tmp/pwned"'],
    ['hook', `echo evil > "${'$G'}/hooks/pre-commit"`],
    ['attributes', `echo "* filter=x" > "${'$G'}/info/attributes"`],
    ['alternates', `echo /tmp > "${'$G'}/objects/info/alternates"`],
    ['main-branch', 'git update-ref refs/heads/main HEAD'],
    ['tag', 'git tag planted'],
    ['packed-refs', `touch "${'$G'}/packed-refs"`],
    ['main-checkout', `echo x > "${'$R'}/planted.txt"`],
    ['tmp', 'echo t > "$TMPDIR/t.txt"'],
    ['peer-branch', 'git update-ref refs/heads/aop/other HEAD'],
    // Last: once redirected, git in this worktree no longer works.
    ['commondir', `echo /tmp > "${'$G'}/worktrees/wt/commondir"`],
  ];

  function script(dir: string): string {
    const body = attempts.map(([name, cmd]) => `if ( ${cmd} ) 2>/dev/null; then echo "${name} ok"; else echo "${name} refused"; fi >> results.txt`).join('\n');
    const sh = path.join(dir, 'attempts.sh');
    fs.writeFileSync(sh, `G="${gitDir}"\nR="${repo.dir}"\n${body}\n`);
    // Then it stays alive a while, so the test sees its commit reach the real branch as it runs.
    return writeScript(dir, `steps:\n  - run: { command: "sh ${sh}", ask: false }\n  - sleep: 30000\n`);
  }

  it('commits to its own branch (carried to the real ref); config, hooks, info/, other refs and the main checkout stay read-only', async function () {
    const cap = detectSandbox(process.env.PATH, true);
    if (!cap.available) {
      // Not a skip: the machine must say why, and the sandbox tests that matter run where bwrap works (CI installs it).
      assert.match(cap.reason, /bubblewrap|Linux/);
      return;
    }
    const dir = tempDir();
    const rec = new EventRecorder();
    const configBefore = fs.readFileSync(path.join(gitDir, 'config'));
    const otherBefore = repo.git('rev-parse', 'aop/other');
    const mainBefore = repo.git('rev-parse', 'main');
    const s = await launchSession(scriptedConfig(script(dir), 'plain', { sandbox: true }), { log: rec.log }, wt, 'go', { repository: { gitDir, branch: 'aop/f1' } });
    assert.equal(s.sandbox?.sandboxed, true);
    assert.match(s.sandbox?.git ?? '', /commits to aop\/f1 only/);
    const resultsFile = path.join(wt, 'results.txt');
    await waitFor(() => /^commondir /m.test(readIfExists(resultsFile) ?? ''), 30_000, 'every attempt made');
    // While the agent still runs, its commit reaches the real branch.
    // (HEAD as the agent saw it inside: outside, the worktree resolves its branch through the real ref.)
    const agentHead = fs.readFileSync(path.join(wt, 'head.txt'), 'utf8').trim();
    assert.notEqual(agentHead, mainBefore);
    await waitFor(() => gitIn(repo.dir, 'rev-parse', 'aop/f1') === agentHead, 10_000, 'the real branch to follow the commit');
    await s.stop();
    const results = fs.readFileSync(resultsFile, 'utf8');
    const outcome = Object.fromEntries(results.trim().split('\n').map((l) => l.split(' ') as [string, string]));
    assert.deepEqual(outcome, {
      commit: 'ok',
      config: 'refused',
      hook: 'refused',
      attributes: 'refused',
      alternates: 'refused',
      commondir: 'refused',
      'main-branch': 'refused',
      tag: 'refused',
      'packed-refs': 'refused',
      'main-checkout': 'refused',
      tmp: 'ok',
      // Inside, the peer's branch is a private copy that is never carried out (checked below).
      'peer-branch': 'ok',
    });
    // The commit reached the real branch; nothing else moved.
    assert.equal(gitIn(repo.dir, 'log', '-1', '--format=%s', 'aop/f1'), 'own-work');
    assert.equal(gitIn(repo.dir, 'rev-parse', 'aop/f1'), agentHead);
    assert.equal(repo.git('rev-parse', 'aop/other'), otherBefore, 'a peer branch written inside the sandbox never reaches the real one');
    assert.equal(repo.git('rev-parse', 'main'), mainBefore);
    assert.deepEqual(fs.readFileSync(path.join(gitDir, 'config')), configBefore);
    assert.equal(fs.existsSync(path.join(gitDir, 'hooks', 'pre-commit')), false);
    assert.equal(fs.existsSync(path.join(repo.dir, 'planted.txt')), false);
    assert.equal(repo.git('tag', '-l'), '');
  });

  it('the same script unsandboxed succeeds at every attempt (the test above is not vacuous)', async () => {
    const dir = tempDir();
    const otherBefore = repo.git('rev-parse', 'aop/other');
    const s = await launchSession(scriptedConfig(script(dir), 'plain', { sandbox: false }), { log: () => undefined }, wt, 'go', { repository: { gitDir, branch: 'aop/f1' } });
    assert.equal(s.sandbox?.sandboxed, false);
    assert.match(s.sandbox?.reason ?? '', /turned off/);
    await waitFor(() => /^commondir /m.test(readIfExists(path.join(wt, 'results.txt')) ?? ''), 30_000, 'every attempt made');
    await s.stop();
    const results = fs.readFileSync(path.join(wt, 'results.txt'), 'utf8');
    const refused = results.split('\n').filter((l) => l.endsWith(' refused'));
    assert.deepEqual(refused, []);
    assert.notEqual(repo.git("rev-parse", "aop/other"), otherBefore, results + repo.git("log", "--all", "--oneline"));
    assert.ok(fs.existsSync(path.join(gitDir, 'hooks', 'pre-commit')));
  });

  it("'auto' where bubblewrap cannot run: the agent runs unsandboxed and the session says why", async () => {
    const dir = tempDir();
    const rec = new EventRecorder();
    const sc = writeScript(dir, 'steps:\n  - write: { path: x.txt, content: "x" }\n');
    const s = await launchSession(scriptedConfig(sc, 'plain'), { log: rec.log }, wt, 'go', {
      detectSandbox: () => ({ available: false, reason: 'bubblewrap is not installed' }),
    });
    await s.exited;
    assert.deepEqual(s.sandbox, { sandboxed: false, state: 'unavailable', reason: 'bubblewrap is not installed' });
    assert.ok(rec.of('warning').some((e) => /without the sandbox: bubblewrap is not installed/.test(e.message)));
    assert.equal(fs.readFileSync(path.join(wt, 'x.txt'), 'utf8'), 'x');
  });
});
