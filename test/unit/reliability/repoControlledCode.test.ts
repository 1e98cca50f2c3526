/**
 * No repository-controlled code runs in any operation of ours (issue 11, point 2).
 *
 * A hostile agent can write the shared `.git/config`, `.git/info/attributes`, hooks, included
 * config files and `.gitattributes`. This suite plants every kind of program git can be told to
 * run from there, each one appending its own label to a marker log when executed, and then runs
 * every operation of ours through the real Orchestrator on a real repository: create, checkpoint,
 * reconciliation, diffs, the three rollbacks and undo, gates, accept with each strategy, delete,
 * and opening the repository again (recovery at start: an interrupted rollback completed from
 * its journal, a stale ref lock removed). The marker log must stay empty.
 *
 * A control case first runs plain git commands on the same plants and checks that they do fire,
 * so the plants are live and an empty log means something.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { featurePaths } from '../../../src/core/features/featurePaths';
import { makeTempDir } from '../helpers/tempRepo';
import { testOrchestrator } from '../helpers/testOrchestrator';

/** Every hook git knows (githooks(5)), each planted in .git/hooks and in a core.hooksPath folder. */
const HOOKS = [
  'applypatch-msg', 'pre-applypatch', 'post-applypatch', 'pre-commit', 'pre-merge-commit', 'prepare-commit-msg',
  'commit-msg', 'post-commit', 'pre-rebase', 'post-checkout', 'post-merge', 'pre-push', 'pre-receive', 'update',
  'proc-receive', 'post-receive', 'post-update', 'reference-transaction', 'push-to-checkout', 'pre-auto-gc',
  'post-rewrite', 'sendemail-validate', 'fsmonitor-watchman', 'p4-changelist', 'p4-prepare-changelist',
  'p4-post-changelist', 'p4-pre-submit', 'post-index-change',
];

/** Attribute-chosen drivers, by name, and where the name is configured. */
const DRIVERS = ['evil', 'lfs', 'proc', 'inc', 'incif', 'onb', 'wtcfg'] as const;

/** Ten lines, so that two sides can change different lines and merge cleanly. */
const lines = (tag: string) => Array.from({ length: 10 }, (_, i) => `${tag} line ${i}`).join('\n') + '\n';
const edit = (text: string, line: number, what: string) => text.split('\n').map((l, i) => (i === line ? `${l} ${what}` : l)).join('\n');

/** Files whose attributes name a driver (from every source), each changed on both sides later. */
const FILES: Record<string, string> = {
  'info-a.txt': lines('info'), // .git/info/attributes
  'glob-a.txt': lines('glob'), // core.attributesFile
  'committed-a.txt': lines('committed'), // committed .gitattributes
  'a.bin': 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n',
  'a.p': lines('process'),
  'a.inc': lines('include'),
  'a.incif': lines('includeIf'),
  'a.onb': lines('onbranch'),
  'a.wtcfg': lines('worktree config'),
  'src/main.ts': lines('main'),
  '.gitattributes': [
    'committed-*.txt filter=evil merge=evil diff=evil',
    '*.bin filter=lfs diff=lfs merge=lfs -text',
    '*.p filter=proc merge=evil diff=evil',
    '*.inc filter=inc merge=inc diff=inc',
    '*.incif filter=incif merge=incif diff=incif',
    '*.onb filter=onb merge=onb diff=onb',
    '*.wtcfg filter=wtcfg merge=wtcfg diff=wtcfg',
    '',
  ].join('\n'),
};
const DRIVEN = Object.keys(FILES).filter((f) => f !== '.gitattributes' && f !== 'a.bin');

interface Plants {
  /** The marker log: one label per line, appended by every planted program when it runs. */
  log: string;
  /** `git` for the test's own set-up, with every planted program switched off. */
  git(cwd: string, ...args: string[]): string;
  /** Labels written so far (and clears the log). */
  take(): string[];
}

/** A script that records `label` and behaves well enough for its role (filters pass content through). */
function script(dir: string, label: string, log: string): string {
  const file = path.join(dir, `${label.replace(/[^a-z0-9-]/gi, '_')}.sh`);
  const body = label.startsWith('filter') || label.startsWith('textconv') ? 'cat' : 'true';
  fs.writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' ${JSON.stringify(label)} >> ${JSON.stringify(log)}\n${body}\n`, { mode: 0o755 });
  return file;
}

/** The test's own git: every planted program neutralised by name (the test knows the names). */
function neutralisers(): string[] {
  const out = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'diff.external=', '-c', 'commit.gpgSign=false', '-c', 'core.pager=cat'];
  for (const d of DRIVERS) {
    out.push('-c', `filter.${d}.clean=`, '-c', `filter.${d}.smudge=`, '-c', `filter.${d}.process=`, '-c', `filter.${d}.required=false`);
    out.push('-c', `diff.${d}.textconv=`, '-c', `diff.${d}.command=`);
  }
  return out;
}

function driverConfig(dir: string, log: string, name: string, from: string): string {
  const s = (role: string) => script(dir, `${role}:${name}:${from}`, log);
  return [
    `[filter "${name}"]`,
    `\tclean = ${s('filter-clean')} %f`,
    `\tsmudge = ${s('filter-smudge')} %f`,
    // A failing process filter that is required stops a checkout before the others run.
    ...(name === 'proc' || name === 'lfs' ? [`\tprocess = ${s('filter-process')}`] : ['\trequired = true']),
    `[merge "${name}"]`,
    `\tdriver = ${s('merge-driver')} %O %A %B`,
    `[diff "${name}"]`,
    `\tcommand = ${s('diff-command')}`,
    `\ttextconv = ${s('textconv')}`,
    '',
  ].join('\n');
}

/** Plants everything in the repository at `repo` (its main checkout). */
function plant(repo: string, evil: string): Plants {
  const log = path.join(evil, 'markers.log');
  const gitDir = path.join(repo, '.git');
  const hooksPath = path.join(evil, 'hooks');
  fs.mkdirSync(hooksPath, { recursive: true });
  for (const h of HOOKS) {
    fs.copyFileSync(script(evil, `hook:${h}`, log), path.join(gitDir, 'hooks', h));
    fs.chmodSync(path.join(gitDir, 'hooks', h), 0o755);
    fs.copyFileSync(script(evil, `hooksPath:${h}`, log), path.join(hooksPath, h));
    fs.chmodSync(path.join(hooksPath, h), 0o755);
  }
  const s = (label: string) => script(evil, label, log);
  fs.writeFileSync(path.join(evil, 'global-attributes'), 'glob-*.txt filter=evil merge=evil diff=evil\n');
  fs.writeFileSync(path.join(gitDir, 'info', 'attributes'), 'info-*.txt filter=evil merge=evil diff=evil\n');
  fs.writeFileSync(path.join(gitDir, 'evil.inc'), driverConfig(evil, log, 'inc', 'include') + `[core]\n\tfsmonitor = ${s('fsmonitor:include')}\n`);
  fs.writeFileSync(path.join(gitDir, 'evil-if.inc'), driverConfig(evil, log, 'incif', 'includeIf'));
  fs.writeFileSync(path.join(gitDir, 'evil-onbranch.inc'), driverConfig(evil, log, 'onb', 'onbranch'));
  const config = [
    '[core]',
    '\trepositoryformatversion = 1',
    `\thooksPath = ${hooksPath}`,
    `\tfsmonitor = ${s('fsmonitor')}`,
    `\tsshCommand = ${s('sshCommand')}`,
    `\tpager = ${s('pager')}`,
    `\teditor = ${s('editor')}`,
    `\taskPass = ${s('askPass')}`,
    `\tgitProxy = ${s('gitProxy')}`,
    `\talternateRefsCommand = ${s('alternateRefsCommand')}`,
    `\tattributesFile = ${path.join(evil, 'global-attributes')}`,
    '[extensions]',
    '\tworktreeConfig = true',
    '[credential]',
    `\thelper = !${s('credential-helper')}`,
    '[sequence]',
    `\teditor = ${s('sequence-editor')}`,
    '[pager]',
    `\tdiff = ${s('pager-diff')}`,
    `\tlog = ${s('pager-log')}`,
    '[diff]',
    `\texternal = ${s('diff-external')}`,
    '[gpg]',
    `\tprogram = ${s('gpg-program')}`,
    '[commit]',
    '\tgpgSign = true',
    '[log]',
    '\tshowSignature = true',
    '[uploadpack]',
    `\tpackObjectsHook = ${s('packObjectsHook')}`,
    '[remote "origin"]',
    `\turl = ext::${s('remote-ext')}`,
    `\tuploadpack = ${s('remote-uploadpack')}`,
    '[submodule]',
    '\trecurse = true',
    '[merge]',
    '\trenormalize = true',
    driverConfig(evil, log, 'evil', 'config'),
    driverConfig(evil, log, 'lfs', 'config'),
    driverConfig(evil, log, 'proc', 'config'),
    // Includes last, so what they define wins over the lines above (core.fsmonitor).
    '[include]',
    '\tpath = evil.inc',
    '[includeIf "gitdir:/"]',
    '\tpath = evil-if.inc',
    '[includeIf "onbranch:**"]',
    '\tpath = evil-onbranch.inc',
  ].join('\n');
  fs.appendFileSync(path.join(gitDir, 'config'), '\n' + config + '\n');
  // The main checkout's own worktree config (extensions.worktreeConfig is on).
  fs.writeFileSync(path.join(gitDir, 'config.worktree'), driverConfig(evil, log, 'wtcfg', 'config.worktree') + `[core]\n\tfsmonitor = ${s('fsmonitor:config.worktree')}\n`);
  const n = neutralisers();
  return {
    log,
    git: (cwd, ...args) =>
      execFileSync('git', [...n, ...args], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }).replace(/\n$/, ''),
    take() {
      if (!fs.existsSync(log)) return [];
      const labels = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
      fs.rmSync(log);
      return [...new Set(labels)].sort();
    },
  };
}

/** Plants the feature worktree's own config.worktree and hooks folder (the agent can reach both). */
function plantWorktree(p: Plants, evil: string, worktree: string): void {
  const adminDir = p.git(worktree, 'rev-parse', '--absolute-git-dir');
  const s = (label: string) => script(evil, label, p.log);
  fs.writeFileSync(
    path.join(adminDir, 'config.worktree'),
    driverConfig(evil, p.log, 'wtcfg', 'worktree config.worktree') + `[core]\n\tfsmonitor = ${s('fsmonitor:worktree config.worktree')}\n\thooksPath = ${path.join(evil, 'hooks')}\n`,
  );
  fs.mkdirSync(path.join(adminDir, 'hooks'), { recursive: true });
  for (const h of HOOKS) fs.copyFileSync(path.join(evil, 'hooks', h), path.join(adminDir, 'hooks', h));
}

/**
 * A commit on `branch` changing every driven file with `change`, made by the test's own git in a
 * throwaway worktree (so the user's checkout is not touched).
 */
function commitOn(p: Plants, root: string, repo: string, branch: string, change: (text: string) => string, message = `change ${branch}`): string {
  const wt = path.join(root, `scratch-${branch.replace(/\W/g, '_')}-${Date.now()}`);
  p.git(repo, 'worktree', 'add', '-q', wt, branch);
  try {
    for (const f of DRIVEN) fs.writeFileSync(path.join(wt, f), change(fs.readFileSync(path.join(wt, f), 'utf8')));
    p.git(wt, 'commit', '-q', '-am', message);
    return p.git(wt, 'rev-parse', 'HEAD');
  } finally {
    p.git(repo, 'worktree', 'remove', '--force', wt);
  }
}

function makeRepo(root: string): string {
  const dir = path.join(root, 'repo');
  fs.mkdirSync(dir);
  const g = (...a: string[]) => execFileSync('git', a, { cwd: dir, stdio: 'pipe' });
  g('init', '-q', '-b', 'main');
  g('config', 'user.email', 't@t');
  g('config', 'user.name', 't');
  for (const [f, c] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), c);
  }
  g('add', '-A');
  g('commit', '-q', '-m', 'initial');
  g('branch', 'develop');
  return dir;
}

describe('reliability: no repository-controlled code in our git calls', function () {
  this.timeout(180_000);
  let root: string;
  let repo: string;
  let evil: string;
  let p: Plants;

  beforeEach(() => {
    root = makeTempDir('aop-rcc-');
    evil = path.join(root, 'evil');
    fs.mkdirSync(evil);
    repo = makeRepo(root);
    p = plant(repo, evil);
  });

  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('control: plain git commands on the same repository run the planted programs', () => {
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
    const fired = new Set<string>();
    const attempt = (cwd: string, ...args: string[]) => {
      try {
        execFileSync('git', args, { cwd, stdio: 'pipe', env });
      } catch {
        // a planted program that misbehaves may fail the command; it ran, which is what counts
      }
      for (const l of p.take()) fired.add(l);
    };
    const wt = path.join(root, 'plain-wt');
    attempt(repo, 'worktree', 'add', '-b', 'plain', wt, 'main');
    attempt(repo, 'status');
    attempt(repo, 'update-ref', 'refs/heads/x', 'main');
    fs.appendFileSync(path.join(repo, 'committed-a.txt'), 'more\n');
    attempt(repo, 'diff');
    attempt(repo, 'diff', '--no-ext-diff');
    attempt(wt, 'commit', '--allow-empty', '-m', 'x');
    commitOn(p, root, repo, 'develop', (f) => edit(f, 0, 'develop'));
    p.git(repo, 'branch', 'side', 'develop~1');
    commitOn(p, root, repo, 'side', (f) => edit(f, 5, 'side'));
    assert.deepEqual(p.take(), [], "the test's own git ran a planted program");
    attempt(repo, 'merge-tree', '--write-tree', 'side', 'develop');
    const expected = [
      'filter-smudge:evil:config', // info/attributes, core.attributesFile and .gitattributes on checkout
      'filter-process:lfs:config',
      'filter-process:proc:config',
      'filter-smudge:inc:include',
      'filter-smudge:incif:includeIf',
      'filter-smudge:onb:onbranch',
      'filter-smudge:wtcfg:config.worktree',
      'hooksPath:post-checkout',
      'hooksPath:reference-transaction',
      'fsmonitor:config.worktree',
      'textconv:evil:config',
      'diff-command:evil:config',
      'gpg-program',
      'merge-driver:evil:config',
      'merge-driver:inc:include',
      'merge-driver:incif:includeIf',
      'merge-driver:onb:onbranch',
      'merge-driver:wtcfg:config.worktree',
    ];
    const missing = expected.filter((l) => !fired.has(l));
    assert.deepEqual(missing, [], `plants that plain git did not run: ${missing.join(', ')}; ran: ${[...fired].join(', ')}`);
  });

  it('every operation of ours, through the Orchestrator, runs none of them', async () => {
    const ran: string[] = [];
    /** Records what ran during `op` (planted programs, by label). */
    const check = (op: string) => {
      const labels = p.take();
      if (labels.length > 0) ran.push(`${op}: ${labels.join(', ')}`);
    };
    const helper = () => assert.deepEqual(p.take(), [], "the test's own git ran a planted program");
    const noneRan = () => assert.deepEqual(ran, [], `planted programs ran:\n${ran.join('\n')}`);
    // spareMinFiles 1: every feature after the first starts from a worktree prepared ahead.
    const settings = { spareMinFiles: 1 };
    let orch = await testOrchestrator(repo, { settings });
    check('open');
    const runner = orch.createGateRunner({ isTrusted: () => true });
    const planYaml = 'version: 1\nforbidden: ["secret/**"]\ngates:\n  - {"name": "check", "run": "echo ok", "requiredForAccept": true}\n';
    const features = { squash: 3, merge: 6, rebase: 9, work: 2 } as const;
    const wts: Record<string, string> = {};
    try {
      for (const [id, line] of Object.entries(features)) {
        const f = await orch.createFeature({ id, baseRef: 'develop', spec: `# ${id}\n`, planYaml });
        await orch.sparesIdle();
        check(`create ${id}`);
        wts[id] = f.worktree!;
        // The files are as committed: no smudge filter ran on the LFS pointer or anything else.
        for (const [file, text] of Object.entries(FILES)) assert.equal(fs.readFileSync(path.join(f.worktree!, file), 'utf8'), text, file);
        plantWorktree(p, evil, f.worktree!);
        // The agent: a commit of its own, then uncommitted work, with attributes of its own.
        for (const file of DRIVEN) fs.writeFileSync(path.join(f.worktree!, file), edit(FILES[file]!, line, `agent ${id}`));
        fs.mkdirSync(path.join(f.worktree!, `sub-${id}`));
        fs.writeFileSync(path.join(f.worktree!, `sub-${id}/.gitattributes`), '* filter=evil merge=evil diff=evil\n');
        fs.writeFileSync(path.join(f.worktree!, `sub-${id}/own.txt`), `own ${id}\n`);
        p.git(f.worktree!, 'add', '-A');
        p.git(f.worktree!, 'commit', '-q', '-m', `agent ${id}`);
        fs.writeFileSync(path.join(f.worktree!, `uncommitted-${id}.txt`), 'not committed\n');
        helper();
      }

      // Checkpoints, reconciliation, review.
      const first = await orch.checkpointNow('work');
      check('checkpoint');
      await orch.diff('work', 'base', 'worktree');
      check('diff base..worktree');
      await orch.diff('work', 'base', first!.seq, 'committed-a.txt');
      check('diff of one file');
      await orch.changedFiles('work', 'base', first!.seq);
      check('changed files');
      await orch.readFileAt('work', first!.seq, 'a.bin');
      check('read file');
      await runner.runAll('work');
      check('gates');

      // Rollbacks of every kind, and undo.
      fs.mkdirSync(path.join(wts.work!, 'secret'));
      fs.writeFileSync(path.join(wts.work!, 'secret/key.txt'), 'forbidden\n');
      fs.writeFileSync(path.join(wts.work!, 'committed-a.txt'), 'overwritten\n');
      const second = await orch.checkpointNow('work');
      check('checkpoint with a violation');
      await orch.previewRollback('work', 'smart');
      await orch.previewRollback('work', 'checkpoint', first!.seq);
      await orch.previewRollback('work', 'files', first!.seq, ['committed-a.txt']);
      check('rollback previews');
      await orch.smartRollback('work');
      check('smart rollback');
      await orch.undoRollback('work');
      check('undo');
      await orch.rollbackFiles('work', first!.seq, ['committed-a.txt']);
      check('rollback of files');
      await orch.rollbackToCheckpoint('work', first!.seq);
      check('rollback to a checkpoint');
      await orch.undoRollback('work');
      check('undo');
      await orch.rollbackToCheckpoint('work', second!.seq - 1);
      check('rollback to a checkpoint');

      // The target moves on (the same files, another line), so every accept merges them for real.
      commitOn(p, root, repo, 'develop', (t) => edit(t, 0, 'develop'));
      helper();
      for (const strategy of ['squash', 'merge', 'rebase'] as const) {
        const summary = await orch.prepareAccept(strategy, { gates: runner });
        check(`prepare accept (${strategy})`);
        assert.equal(summary.ready, true, summary.blockers.join('\n'));
        const out = await orch.accept(strategy, { strategy, expectSeq: summary.seq, isTrusted: () => true });
        check(`accept (${strategy})`);
        noneRan();
        assert.equal(out.status, 'landed', JSON.stringify(out).slice(0, 500));
      }
      // Every driven file holds the target's change and each feature's, merged by git's own text merge.
      for (const file of DRIVEN) {
        const text = p.git(repo, 'cat-file', 'blob', `develop:${file}`);
        for (const [id, line] of Object.entries(features)) if (id !== 'work') assert.ok(text.split('\n')[line]!.endsWith(`agent ${id}`), `${file}: ${text}`);
        assert.ok(text.split('\n')[0]!.endsWith('develop'), `${file}: ${text}`);
      }
      helper();

      // Recovery at start: the repository opened again with a feature in it, a rollback the
      // editor did not finish (its journal: the agent's committed version of a file is to come
      // back) and a ref lock a killed checkpoint left.
      const target = { mode: '100644', oid: p.git(repo, 'rev-parse', 'aop/work:committed-a.txt') };
      fs.writeFileSync(path.join(wts.work!, 'committed-a.txt'), 'half rolled back\n');
      const pre = await orch.checkpointNow('work');
      check('checkpoint before the interrupted rollback');
      const paths = featurePaths(repo, 'work');
      const lock = path.join(repo, '.git', 'refs', 'aop', 'work', `${pre!.seq + 1}.lock`);
      await orch.dispose();
      check('dispose');
      fs.mkdirSync(path.dirname(paths.rollbackJournal), { recursive: true });
      fs.writeFileSync(paths.rollbackJournal, JSON.stringify({ kind: 'files', targetSeq: first!.seq, preRollbackSeq: pre!.seq, items: [{ path: 'committed-a.txt', to: target, fromSeq: first!.seq, action: 'restore' }] }));
      fs.writeFileSync(lock, '');
      orch = await testOrchestrator(repo, { settings });
      check('open again (rollback completed from its journal, stale ref lock removed)');
      assert.equal(fs.existsSync(paths.rollbackJournal), false, 'the interrupted rollback was completed');
      assert.equal(fs.readFileSync(path.join(wts.work!, 'committed-a.txt'), 'utf8'), edit(FILES['committed-a.txt']!, features.work, 'agent work'));
      assert.equal(fs.existsSync(lock), false, 'the stale ref lock was removed');
      await orch.checkpointNow('work');
      check('reconciliation after opening again');
      await orch.deleteFeature('work', { deleteBranchAndRefs: true });
      check('delete');
    } finally {
      runner.dispose();
      await orch.dispose();
    }
    noneRan();
  });
});
