/** What the accept dialogs say: the summary to confirm and each kind of outcome. */
import * as assert from 'node:assert/strict';
import type { AcceptOutcome, AcceptSummary } from '../../../../src/core/accept';
import { describeAcceptOutcome, describeAcceptSummary, gateLine, shellWord } from '../../../../src/vscode/commands/acceptText';

const TIP = 'b'.repeat(40);
const RESULT = 'c'.repeat(40);

function summary(over: Partial<AcceptSummary> = {}): AcceptSummary {
  return {
    featureId: 'login',
    seq: 7,
    checkpointCommit: 'a'.repeat(40),
    tree: 't'.repeat(40),
    baseRef: 'main',
    baseCommit: 'd'.repeat(40),
    target: { label: 'main', ref: 'refs/heads/main', tip: TIP, commitsSinceBase: 0 },
    files: [
      { path: 'src/login.ts', status: 'A', added: 30, removed: 0 },
      { path: 'src/app.ts', status: 'M', added: 4, removed: 2 },
      { path: 'logo.png', status: 'A', binary: true },
    ],
    linesAdded: 34,
    linesRemoved: 2,
    violations: [],
    collisions: [],
    gates: [
      { name: 'lint', command: 'npm run lint', required: true, status: 'passed', evidence: { seq: 7, passed: true, exitCode: 0, durationMs: 10, ts: 't', output: '' } },
      { name: 'e2e', command: 'npm run e2e', required: false, status: 'missing', lastRun: { seq: 5, passed: false, exitCode: 1, durationMs: 10, ts: 't', output: '' } },
    ],
    gateRuns: [],
    history: { commits: 0, unclean: [], uncleanReplayed: [], refused: {} },
    warnings: [],
    blockers: [],
    ready: true,
    ...over,
  };
}

describe('vscode/acceptText', () => {
  it('summarises what accepting lands: files with line counts, violations, gates, shared files', () => {
    const { message, detail } = describeAcceptSummary(
      summary({ collisions: [{ path: 'src/app.ts', otherFeature: 'signup', status: 'M', otherStatus: 'M' }], target: { label: 'main', ref: 'refs/heads/main', tip: TIP, commitsSinceBase: 2 } }),
    );
    assert.equal(message, 'Accept feature "login" into main?');
    assert.match(detail, /^Checkpoint #7 onto main \(bbbbbbbb\), which has 2 new commit\(s\)/);
    assert.match(detail, /3 file\(s\), \+34 −2:/);
    assert.match(detail, /A src\/login\.ts {2}\+30 −0/);
    assert.match(detail, /A logo\.png \(binary\)/);
    assert.match(detail, /Violations: none\./);
    assert.match(detail, /✓ lint \(required\) passed on #7/);
    assert.match(detail, /○ e2e \(optional\) not run on #7; last run on #5 failed/);
    assert.match(detail, /src\/app\.ts \(also changed by "signup"\)/);
    assert.doesNotMatch(detail, /Blocked by/);
  });

  it('says why a feature cannot be accepted, and cuts long lists', () => {
    const files = Array.from({ length: 40 }, (_, i) => ({ path: `f${i}.ts`, status: 'A' as const, added: 1, removed: 0 }));
    const { message, detail } = describeAcceptSummary(
      summary({
        ready: false,
        files,
        violations: [{ kind: 'out_of_scope', severity: 'error', path: 'docs/x.md', message: 'm' }],
        gates: [{ name: 'tests', command: 'false', required: true, status: 'failed', evidence: { seq: 7, passed: false, exitCode: 1, durationMs: 3, ts: 't', output: '' } }],
        blockers: ['Required gate "tests" failed on checkpoint 7 (exit 1); fix the cause and run it again.'],
      }),
    );
    assert.equal(message, 'Feature "login" cannot be accepted yet.');
    assert.match(detail, /…and 25 more/);
    assert.match(detail, /error out_of_scope docs\/x\.md/);
    assert.match(detail, /✗ tests \(required\) failed on #7, exit 1/);
    assert.match(detail, /Blocked by:\n {2}- Required gate "tests" failed/);
  });

  it('describes each outcome; finishing in the checkout offers one command to copy', () => {
    const s = summary();
    const landed: AcceptOutcome = { status: 'landed', ref: 'refs/heads/release', previous: TIP, commit: RESULT, acceptedRef: 'refs/aop/login/accepted', strategy: 'squash', summary: s, notes: [] };
    assert.deepEqual(describeAcceptOutcome('login', landed), { level: 'info', message: 'Feature "login" landed on release as cccccccc (squash of checkpoint #7).' });

    const archiveFailed = describeAcceptOutcome('login', { ...landed, archived: { error: 'The worktree could not be removed.' } });
    assert.equal(archiveFailed.level, 'warning');
    assert.match(archiveFailed.message, /could not be removed/);

    const finish = describeAcceptOutcome('login', {
      status: 'finish-in-checkout',
      ref: 'refs/heads/main',
      checkout: '/home/me/my repo',
      instructions: 'main is checked out in /home/me/my repo …',
      commit: RESULT,
      acceptedRef: 'refs/aop/login/accepted',
      strategy: 'merge',
      summary: s,
      notes: [],
    });
    assert.equal(finish.command, `git -C '/home/me/my repo' merge --ff-only ${RESULT}`);
    assert.match(finish.message, /main is checked out in \/home\/me\/my repo/);
    assert.match(finish.message, /To finish, run: git -C/);

    const conflicts = describeAcceptOutcome('login', {
      status: 'conflicts',
      step: 'applying feature login onto main',
      conflicts: [
        { path: 'src/app.ts', types: ['CONFLICT (contents)'], messages: ['Merge conflict in src/app.ts'] },
        { path: 'README.md', types: ['CONFLICT (modify/delete)'], messages: [] },
      ],
      summary: s,
    });
    assert.equal(conflicts.level, 'warning');
    assert.match(conflicts.message, /conflicts with main in 2 file\(s\); nothing was changed/);
    assert.match(conflicts.detail ?? '', /src\/app\.ts: CONFLICT \(contents\)\n {2}Merge conflict in src\/app\.ts/);
    assert.match(conflicts.detail ?? '', /README\.md: CONFLICT \(modify\/delete\)/);

    const blocked = describeAcceptOutcome('login', { status: 'blocked', reasons: ['The feature changed after you reviewed it.'], summary: s });
    assert.deepEqual(blocked, { level: 'warning', message: 'Feature "login" was not accepted.', detail: '- The feature changed after you reviewed it.' });
  });

  it('quotes paths for the shell only when needed, and describes a gate on one line', () => {
    assert.equal(shellWord('/srv/repo'), '/srv/repo');
    assert.equal(shellWord("/tmp/it's here"), `'/tmp/it'\\''s here'`);
    assert.equal(gateLine({ name: 'x', command: 'c', required: true, status: 'missing' }, 3), '○ x (required) not run on #3');
  });
});
