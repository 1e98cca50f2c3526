import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseWorktreeList } from '../../../src/core/accept';
import type { GateEvent } from '../../../src/core/gates/evidence';
import type { GateRunner } from '../../../src/core/gates/gateRunner';
import { AopError } from '../../../src/core/util/errors';
import { gitIn, referenceTree, userState } from '../helpers/tempRepo';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

const NODE = JSON.stringify(process.execPath);
const PASS = { name: 'tests', run: 'echo ok' };
const FAIL = { name: 'tests', run: `${NODE} -e "console.log('1 failing'); process.exit(1)"` };

function plan(gates: { name: string; run: string; requiredForAccept?: boolean }[], extra = ''): string {
  return `version: 1\n${extra}gates:\n${gates.map((g) => `  - ${JSON.stringify(g)}\n`).join('')}`;
}

describe('accept', () => {
  let runner: GateRunner;
  let trusted: boolean;
  const isTrusted = () => trusted;
  // Before the orchestrator's own clean-up (hooks run in the order they are declared).
  afterEach(() => runner.dispose());
  const t = useTestOrchestrator({
    files: { 'README.md': '# r\n', 'src/a.ts': 'a1\na2\na3\n', 'src/old.ts': 'old\n' },
    prepare: (repo) => repo.git('branch', 'develop'), // a base branch that is not checked out anywhere
  });

  beforeEach(() => {
    trusted = true;
    runner = t.orch.createGateRunner({ isTrusted });
  });

  const rev = (r: string) => t.repo.git('rev-parse', r);
  const gates = async (id: string) => (await t.orch.events(id)).filter((e): e is GateEvent => e.t === 'gate');

  /** An agent-like feature: one commit of its own, then uncommitted and untracked work. */
  async function workedFeature(id: string, baseRef: string, planYaml = plan([PASS])): Promise<string> {
    const f = await t.orch.createFeature({ id, baseRef, spec: `# Improve ${id}\n`, planYaml });
    const wt = f.worktree!;
    fs.writeFileSync(path.join(wt, 'src/a.ts'), 'a1\nA2\na3\n');
    gitIn(wt, 'commit', '-q', '-am', `${id}: agent commit`);
    fs.writeFileSync(path.join(wt, 'src/new.ts'), 'new\n');
    fs.rmSync(path.join(wt, 'src/old.ts'));
    return wt;
  }

  it('a failing required gate blocks accept, and the evidence names the checkpoint it judged', async () => {
    await workedFeature('red', 'develop', plan([FAIL]));
    const s = await t.orch.prepareAccept('red', { gates: runner });
    assert.equal(s.ready, false);
    assert.equal(s.gateRuns.length, 1);
    assert.equal(s.gates[0]!.status, 'failed');
    assert.equal(s.gates[0]!.evidence!.seq, s.seq);
    assert.ok(s.blockers.some((b) => b === `Required gate "tests" failed on checkpoint ${s.seq} (exit 1); fix the cause and run it again.`), s.blockers.join('\n'));
    const [e] = await gates('red');
    assert.equal(e!.seq, s.seq);
    assert.match(e!.output, /1 failing/);
    // The checkpoint the evidence names holds the content the gate ran on.
    assert.equal((await t.orch.readFileAt('red', e!.seq, 'src/new.ts'))?.toString(), 'new\n');

    const developBefore = rev('develop');
    const out = await t.orch.accept('red', { strategy: 'squash', expectSeq: s.seq, isTrusted });
    assert.equal(out.status, 'blocked');
    assert.equal(rev('develop'), developBefore);
    assert.ok(fs.existsSync(`${t.repo.dir}.worktrees/red`), 'a blocked feature is not archived');
  });

  it('lands a clean feature on a base branch nobody has checked out, without touching the user checkout', async () => {
    const wt = await workedFeature('green', 'develop');
    const s = await t.orch.prepareAccept('green', { gates: runner });
    assert.deepEqual(s.blockers, []);
    assert.equal(s.ready, true);
    assert.deepEqual(s.files.map((f) => [f.path, f.status]), [['src/a.ts', 'M'], ['src/new.ts', 'A'], ['src/old.ts', 'D']]);
    assert.equal(s.linesAdded, 2);
    assert.equal(s.linesRemoved, 2);
    assert.equal(s.target.ref, 'refs/heads/develop');
    assert.equal(s.target.checkedOut, undefined);
    const expectedTree = referenceTree(wt);
    const developBefore = rev('develop');
    const before = userState(t.repo.dir);
    const readme = t.repo.read('README.md');

    const out = await t.orch.accept('green', { strategy: 'squash', expectSeq: s.seq, isTrusted });
    assert.equal(out.status, 'landed');
    if (out.status !== 'landed') return;
    assert.equal(rev('develop'), out.commit);
    assert.equal(rev('develop^'), developBefore, 'one commit on the old tip');
    assert.equal(rev('develop^{tree}'), expectedTree, 'exactly the worktree content');
    assert.match(t.repo.git('log', '-1', '--format=%B', 'develop'), /^green: Improve green\n\nAop-Feature: green\nAop-Checkpoint: \d+\nAop-Gates-Passed: tests/);
    assert.equal(rev('refs/aop/green/accepted'), out.commit);
    // The user's HEAD, index, branches (but develop), working tree: as they were.
    const after = JSON.parse(userState(t.repo.dir));
    const was = JSON.parse(before);
    assert.equal(after.head, was.head);
    assert.equal(after.symbolic, was.symbolic);
    assert.equal(after.idx, was.idx);
    assert.equal(after.status, was.status);
    assert.equal(after.branches.replace(/refs\/heads\/develop \S+/, ''), was.branches.replace(/refs\/heads\/develop \S+/, ''));
    assert.deepEqual(t.repo.read('README.md'), readme);
    // Archived: worktree gone, branch, checkpoints and log kept.
    assert.equal(fs.existsSync(wt), false);
    const archived = t.orch.summary('green');
    assert.equal(archived.status, 'archived', 'listed as accepted, not as a draft');
    assert.deepEqual(archived.archived?.accepted, { commit: out.commit, target: 'refs/heads/develop', landed: true, strategy: 'squash', seq: s.seq });
    assert.ok(rev('refs/heads/aop/green'));
    assert.ok(rev(`refs/aop/green/${s.seq}`));
    const log = fs.readFileSync(path.join(t.repo.dir, '.aop/features/green/events.jsonl'), 'utf8');
    assert.match(log, /"t":"gate"/);
    const accepted = log.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { t: string }).find((e) => e.t === 'feature.accepted');
    assert.deepEqual(accepted && { ...accepted, ts: undefined }, { ts: undefined, feature: 'green', t: 'feature.accepted', seq: s.seq, strategy: 'squash', commit: out.commit, target: 'refs/heads/develop', landed: true, previous: developBefore });
  });

  it('when the base is checked out in the user checkout, leaves it alone and says how to finish', async () => {
    await workedFeature('here', 'main');
    // The user is mid-work in their checkout: a staged and an unstaged change.
    t.repo.write('notes.txt', 'mine\n');
    t.repo.git('add', 'notes.txt');
    t.repo.write('README.md', '# r, edited by the user\n');
    const s = await t.orch.prepareAccept('here', { gates: runner });
    assert.equal(s.ready, true, s.blockers.join('\n'));
    assert.deepEqual(s.target.checkedOut, { path: t.repo.dir, main: true });
    const mainBefore = rev('main');
    const before = userState(t.repo.dir);

    const out = await t.orch.accept('here', { strategy: 'merge', expectSeq: s.seq, isTrusted });
    assert.equal(out.status, 'finish-in-checkout');
    if (out.status !== 'finish-in-checkout') return;
    assert.equal(rev('main'), mainBefore, 'the checked-out branch did not move');
    assert.equal(userState(t.repo.dir), before, 'HEAD, index, branches and working tree unchanged');
    assert.equal(rev('refs/aop/here/accepted'), out.commit);
    assert.ok(out.instructions.includes(`git merge --ff-only ${out.commit}`), out.instructions);
    // A merge commit of main and the feature line (agent commit + its uncommitted work).
    assert.equal(rev(`${out.commit}^1`), mainBefore);
    assert.match(t.repo.git('log', '--format=%s', `${out.commit}^2`), /here: work the agent did not commit[\s\S]*here: agent commit/);
    // The instruction works as written, and keeps the user's own changes.
    t.repo.git('merge', '-q', '--ff-only', out.commit);
    assert.equal(t.repo.read('src/new.ts').toString(), 'new\n');
    assert.equal(t.repo.read('README.md').toString(), '# r, edited by the user\n');
  });

  it('a conflicting accept changes nothing and lists the conflicts per file', async () => {
    await workedFeature('clash', 'develop');
    // Meanwhile develop changed the same line, and deleted-vs-modified elsewhere.
    t.repo.git('checkout', '-q', 'develop');
    t.repo.write('src/a.ts', 'a1\nDEVELOP\na3\n');
    t.repo.write('src/old.ts', 'changed on develop\n');
    t.repo.commitAll('develop moves');
    t.repo.git('checkout', '-q', 'main');
    const s = await t.orch.prepareAccept('clash', { gates: runner });
    assert.equal(s.ready, true, s.blockers.join('\n'));
    assert.equal(s.target.commitsSinceBase, 1);
    const developBefore = rev('develop');
    const before = userState(t.repo.dir);
    const refsBefore = t.repo.git('for-each-ref');

    for (const strategy of ['squash', 'merge', 'rebase'] as const) {
      const out = await t.orch.accept('clash', { strategy, expectSeq: s.seq, isTrusted });
      assert.equal(out.status, 'conflicts', strategy);
      if (out.status !== 'conflicts') return;
      const byPath = Object.fromEntries(out.conflicts.map((c) => [c.path, c.types]));
      assert.deepEqual(Object.keys(byPath).sort(), ['src/a.ts', 'src/old.ts'], strategy);
      assert.deepEqual(byPath['src/a.ts'], ['CONFLICT (contents)']);
      assert.deepEqual(byPath['src/old.ts'], ['CONFLICT (modify/delete)']);
      assert.ok(out.conflicts.every((c) => c.messages.every((m) => !/[0-9a-f]{40}/.test(m))), 'messages name branches, not object ids');
    }
    assert.equal(rev('develop'), developBefore);
    assert.equal(t.repo.git('for-each-ref'), refsBefore, 'no ref was created or moved');
    assert.equal(userState(t.repo.dir), before);
    assert.ok(fs.existsSync(`${t.repo.dir}.worktrees/clash`), 'nothing archived');
  });

  it('rebase replays the agent commits onto the moved base, keeping their authors, then the uncommitted work', async () => {
    const wt = await workedFeature('line', 'develop');
    gitIn(wt, 'add', '-A');
    gitIn(wt, '-c', 'user.name=Agent', '-c', 'user.email=agent@x', 'commit', '-q', '--author=Agent <agent@x>', '-m', 'line: second commit');
    fs.writeFileSync(path.join(wt, 'README.md'), '# r\nuncommitted\n');
    t.repo.git('checkout', '-q', 'develop');
    t.repo.write('docs.md', 'unrelated\n');
    const developMoved = t.repo.commitAll('develop: docs');
    t.repo.git('checkout', '-q', 'main');
    const s = await t.orch.prepareAccept('line', { gates: runner });
    assert.equal(s.ready, true, s.blockers.join('\n'));
    const out = await t.orch.accept('line', { strategy: 'rebase', expectSeq: s.seq, isTrusted });
    assert.equal(out.status, 'landed');
    assert.equal(t.repo.git('log', '--format=%s|%an', `${developMoved}..develop`), ['line: work the agent did not commit (checkpoint ' + s.seq + ')|t', 'line: second commit|Agent', 'line: agent commit|t'].join('\n'));
    assert.equal(t.repo.git('rev-list', '--merges', `${developMoved}..develop`), '', 'linear');
    assert.equal(t.repo.git('show', 'develop:docs.md'), 'unrelated');
    assert.equal(t.repo.git('show', 'develop:README.md'), '# r\nuncommitted');
    assert.equal(t.repo.git('show', 'develop:src/new.ts'), 'new');
  });

  it('refuses when the feature changed after the summary was confirmed', async () => {
    const wt = await workedFeature('moving', 'develop');
    const s = await t.orch.prepareAccept('moving', { gates: runner });
    fs.writeFileSync(path.join(wt, 'late.ts'), 'late\n');
    const developBefore = rev('develop');
    const out = await t.orch.accept('moving', { strategy: 'squash', expectSeq: s.seq, isTrusted });
    assert.equal(out.status, 'blocked');
    if (out.status !== 'blocked') return;
    assert.match(out.reasons[0]!, new RegExp(`changed after you reviewed it \\(checkpoint ${s.seq}, now ${s.seq + 1}\\)`));
    assert.equal(rev('develop'), developBefore);
  });

  it('plan violations block unless errors are allowed; untrusted workspaces cannot accept', async () => {
    const f = await t.orch.createFeature({ id: 'scope', baseRef: 'develop', spec: 'x', planYaml: 'version: 1\nallowed: ["src/**"]\n' });
    fs.writeFileSync(path.join(f.worktree!, 'outside.txt'), 'o\n');
    const s = await t.orch.prepareAccept('scope');
    assert.deepEqual(s.violations.map((v) => [v.kind, v.path]), [['out_of_scope', 'outside.txt']]);
    assert.ok(s.blockers.some((b) => /violation\(s\) of the plan: out_of_scope outside\.txt/.test(b)));
    const allowed = await t.orch.prepareAccept('scope', { allowErrors: true });
    assert.equal(allowed.ready, true, allowed.blockers.join('\n'));
    trusted = false;
    await assert.rejects(t.orch.accept('scope', { strategy: 'squash', expectSeq: s.seq, isTrusted, allowErrors: true }), (e) => AopError.is(e, 'UNTRUSTED'));
    const out = await t.orch.accept('scope', { strategy: 'squash', expectSeq: s.seq, isTrusted: () => true, allowErrors: true });
    assert.equal(out.status, 'landed');
    assert.equal(t.repo.git('show', 'develop:outside.txt'), 'o');
  });

  it("reports a collision on both features' summaries and another feature's exclusive area as a violation", async () => {
    const a = await t.orch.createFeature({ id: 'ca', baseRef: 'develop', spec: 'x', planYaml: 'version: 1\nexclusive: ["src/old.ts"]\n' });
    const b = await t.orch.createFeature({ id: 'cb', baseRef: 'develop', spec: 'x' });
    fs.writeFileSync(path.join(a.worktree!, 'src/a.ts'), 'from a\n');
    fs.writeFileSync(path.join(b.worktree!, 'src/a.ts'), 'from b\n');
    fs.writeFileSync(path.join(b.worktree!, 'src/old.ts'), 'b was here\n');
    await t.orch.checkpointNow('ca');
    await t.orch.checkpointNow('cb');
    const sa = await t.orch.prepareAccept('ca');
    const sb = await t.orch.prepareAccept('cb');
    assert.deepEqual(sa.collisions.map((c) => [c.path, c.otherFeature]), [['src/a.ts', 'cb']]);
    assert.deepEqual(sb.collisions.map((c) => [c.path, c.otherFeature]), [['src/a.ts', 'ca']]);
    assert.ok(sa.warnings.some((w) => /also changed by "cb"/.test(w)));
    assert.deepEqual(sb.violations.map((v) => [v.kind, v.severity, v.path]), [['exclusive_area', 'error', 'src/old.ts']]);
    assert.equal(sb.ready, false);
    assert.equal(sa.ready, true, sa.blockers.join('\n'));
  });

  it('a base that is not a local branch (a commit id) is left alone; the result waits at the accepted ref', async () => {
    const base = rev('develop');
    await workedFeature('pinned', base);
    const s = await t.orch.prepareAccept('pinned', { gates: runner });
    assert.equal(s.target.ref, undefined);
    assert.ok(s.warnings.some((w) => /is not a local branch/.test(w)));
    const refsBefore = t.repo.git('for-each-ref', 'refs/heads');
    const out = await t.orch.accept('pinned', { strategy: 'squash', expectSeq: s.seq, isTrusted });
    assert.equal(out.status, 'finish-in-checkout');
    if (out.status !== 'finish-in-checkout') return;
    assert.match(out.instructions, /is not a local branch/);
    assert.equal(rev('refs/aop/pinned/accepted'), out.commit);
    assert.equal(t.repo.git('for-each-ref', 'refs/heads').replace(/refs\/heads\/aop\/pinned \S+\n?/, ''), refsBefore.replace(/refs\/heads\/aop\/pinned \S+\n?/, ''));
  });
});

describe('accept: parsing git worktree list', () => {
  it('reads branches, detached and bare entries; the first is the main working tree', () => {
    const out = 'worktree /r\0HEAD aaa\0branch refs/heads/main\0\0worktree /w 2\0HEAD bbb\0detached\0\0worktree /b\0bare\0\0';
    assert.deepEqual(parseWorktreeList(out), [
      { path: '/r', head: 'aaa', branch: 'refs/heads/main', detached: false, bare: false, main: true },
      { path: '/w 2', head: 'bbb', detached: true, bare: false, main: false },
      { path: '/b', detached: false, bare: true, main: false },
    ]);
  });
});
