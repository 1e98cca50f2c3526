/**
 * Supervision through the façade, with the scripted agent as a real process: pause / resume /
 * stop all (seen in /proc), a permission request answered from "Needs you", a review comment
 * acknowledged by the agent, a budget that pauses and asks, the set-up command, and batching
 * that coarsens when checkpoints run over budget.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Orchestrator } from '../../../src/core/orchestrator';
import { waitFor } from '../../../src/core/util/async';
import { AopError } from '../../../src/core/util/errors';
import { groupProcesses, processState } from '../../support/processes';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

const PLAN = 'version: 1\nallowed: ["src/**", "deps/**"]\n';

describe('Supervision through the orchestrator', function () {
  const t = useTestOrchestrator({ files: { 'README.md': '# r\n', 'src/a.ts': 'one\ntwo\nthree\n' } });
  this.timeout(120_000);

  it('pause all stops every running agent\'s whole process group, resume all continues them, stop all ends them', async () => {
    // Each agent runs a shell that starts a child: the group has three processes.
    const busy = 'steps:\n  - run: { command: "sleep 300 & while true; do date >> src/tick.txt; sleep 0.05; done", ask: false }\n';
    const sessions: Awaited<ReturnType<Orchestrator['startAgent']>>[] = [];
    for (const id of ['a1', 'a2', 'a3']) {
      await t.orch.createFeature({ id, baseRef: 'main', spec: 'x', planYaml: PLAN });
      sessions.push(await t.orch.startAgent(id, { provider: 'scripted', transport: 'plain', script: t.script(`${id}.yaml`, busy) }));
    }
    await waitFor(() => sessions.every((s) => s.state === 'running' && s.pid !== undefined && groupProcesses(s.pid).length >= 3), 30_000, 'three agents with their children');
    // The loop starts short-lived children: look at each group as it is now, not as it was.
    const members = () => sessions.map((s) => groupProcesses(s.pid!));

    const paused = t.orch.supervision.pauseAll();
    assert.deepEqual(paused.done.sort(), ['a1', 'a2', 'a3']);
    assert.deepEqual(paused.skipped, []);
    // What each group holds now, for a deadline's message (a loaded machine has run past 10 s here).
    const states = () => JSON.stringify(members().map((g) => g.map((pid) => `${pid}:${processState(pid)}`)));
    await waitFor(() => members().every((g) => g.length >= 3 && g.every((pid) => processState(pid) === 'T')), 30_000, 'every process of every group stopped (state T)').catch((err: Error) => {
      throw new Error(`${err.message}; groups now: ${states()}`);
    });
    assert.deepEqual(
      sessions.map((s) => s.state),
      ['paused', 'paused', 'paused'],
    );

    const resumed = t.orch.supervision.resumeAll();
    assert.deepEqual(resumed.done.sort(), ['a1', 'a2', 'a3']);
    await waitFor(() => members().every((g) => g.length >= 3 && g.every((pid) => processState(pid) !== 'T')), 30_000, 'every process running again').catch((err: Error) => {
      throw new Error(`${err.message}; groups now: ${states()}`);
    });

    const stopped = await t.orch.supervision.stopAll();
    assert.deepEqual(stopped.done.sort(), ['a1', 'a2', 'a3']);
    await waitFor(() => members().every((g) => g.length === 0), 15_000, 'every process gone');
  });

  it('resume all leaves an agent that a critical violation holds', async () => {
    await t.orch.createFeature({ id: 'crit', baseRef: 'main', spec: 'x', planYaml: PLAN });
    const s = await t.orch.startAgent('crit', { provider: 'scripted', transport: 'plain', script: t.script('crit.yaml', 'steps:\n  - symlink: { path: src/escape, target: /etc/passwd }\n  - tick: { path: src/counter.txt, everyMs: 30, times: 2000 }\n') });
    await waitFor(() => s.state === 'paused', 30_000, 'the critical violation to pause the agent');
    const r = t.orch.supervision.resumeAll();
    assert.deepEqual(r.done, []);
    assert.equal(r.skipped[0]?.featureId, 'crit');
    assert.match(r.skipped[0]!.reason, /critical violation stands \(symlink_escape src\/escape\)/);
    assert.equal(s.state, 'paused');
    assert.ok(t.orch.supervision.needsYou().some((i) => i.kind === 'critical_violation' && i.featureId === 'crit'));
  });

  it('a request the plan leaves open waits in Needs you with its rule, and is answered in place', async () => {
    const f = await t.orch.createFeature({ id: 'ask', baseRef: 'main', spec: 'x', planYaml: PLAN });
    const s = await t.orch.startAgent('ask', { provider: 'scripted', transport: 'acp', script: t.script('ask.yaml', 'steps:\n  - run: "echo ran > src/ran.txt"\n') });
    await waitFor(() => t.orch.supervision.needsYou().some((i) => i.kind === 'permission'), 30_000, 'the permission request in Needs you');
    const item = t.orch.supervision.needsYou().find((i) => i.kind === 'permission')!;
    assert.equal(item.featureId, 'ask');
    assert.match(item.title, /Agent asks: Run echo ran > src\/ran\.txt \(execute\)/);
    assert.match(item.detail, /asked because the plan judges files, not commands: running one is always asked/);
    assert.equal(fs.existsSync(path.join(f.worktree!, 'src/ran.txt')), false, 'nothing runs before the answer');
    assert.equal(t.orch.supervision.answerPermission(item.subject!, 'allow'), true);
    await waitFor(() => fs.existsSync(path.join(f.worktree!, 'src/ran.txt')), 30_000, 'the command to run once allowed');
    assert.ok(!t.orch.supervision.needsYou().some((i) => i.kind === 'permission'));
    const events = await t.orch.events('ask');
    assert.ok(events.some((e) => e.t === 'agent.permission' && e.decision === 'allow' && /asked the human/.test(e.reason)));
    await t.orch.stopAgent('ask');
    void s;
  });

  it('a review comment on a line goes to the agent as a message, is acknowledged, and the thread sees its lines change', async () => {
    await t.orch.createFeature({ id: 'rev', baseRef: 'main', spec: 'x', planYaml: PLAN });
    // First turn: write; then wait for the next prompt (the review), and rewrite the commented line.
    const s = await t.orch.startAgent('rev', {
      provider: 'scripted',
      transport: 'acp',
      script: t.script('rev.yaml', 'steps:\n  - write: { path: src/b.ts, content: "alpha\\nbeta\\ngamma\\n" }\n  - waitForMessage: true\n  - write: { path: src/b.ts, content: "alpha\\nBETA fixed\\ngamma\\n" }\n  - waitForMessage: true\n'),
    });
    let turns = 0;
    s.onTurnEnd(() => turns++);
    await waitFor(() => turns >= 1, 30_000, 'the first turn');
    const head = (await t.orch.checkpointNow('rev'))?.seq ?? t.orch.headSeq('rev');
    const comment = await t.orch.supervision.addReviewComment('rev', { path: 'src/b.ts', startLine: 2, endLine: 2, seq: head, body: 'beta is wrong: fix it.' });
    assert.equal(comment.state, 'draft');
    const { messageId } = await t.orch.supervision.sendReview('rev');
    await waitFor(() => t.orch.supervision.reviewThreads('rev')[0]?.messageState === 'acknowledged', 30_000, 'the agent to acknowledge the review');
    const sent = (await t.orch.events('rev')).find((e) => e.t === 'message' && e.id === messageId && e.text !== undefined);
    assert.ok(sent && sent.t === 'message');
    assert.match(sent.text!, new RegExp(`src/b\\.ts, line 2 \\(checkpoint #${head}\\):\\n {3}\\| beta\\n {3}beta is wrong: fix it\\.`));
    await waitFor(() => t.orch.supervision.reviewThreads('rev')[0]?.changedIn !== undefined, 30_000, 'the thread to see its line changed');
    assert.ok(t.orch.supervision.reviewThreads('rev')[0]!.changedIn! > head);
    await t.orch.stopAgent('rev');
  });

  it('a review for an agent that is not running waits in the log and goes with its next session', async () => {
    await t.orch.createFeature({ id: 'later', baseRef: 'main', spec: 'x', planYaml: PLAN });
    await t.orch.supervision.addReviewComment('later', { path: 'src/a.ts', startLine: 1, endLine: 3, seq: 0, body: 'Rewrite all of this.' });
    const { messageId } = await t.orch.supervision.sendReview('later');
    assert.equal(t.orch.supervision.reviewThreads('later')[0]!.messageState, 'queued');
    await t.orch.startAgent('later', { provider: 'scripted', transport: 'acp', script: t.script('later.yaml', 'steps:\n  - print: "started"\n  - waitForMessage: true\n') });
    await waitFor(() => t.orch.supervision.reviewThreads('later')[0]?.messageState === 'acknowledged', 30_000, 'the queued review to be delivered and acknowledged');
    assert.ok((await t.orch.events('later')).some((e) => e.t === 'message' && e.id === messageId && e.state === 'delivered'));
    await t.orch.stopAgent('later');
  });

  it('a budget reached pauses the agent, takes a checkpoint and asks; extending resumes it', async () => {
    await t.orch.createFeature({ id: 'bud', baseRef: 'main', spec: 'x', planYaml: `${PLAN}budget:\n  tokens: 1000\n` });
    const s = await t.orch.startAgent('bud', {
      provider: 'scripted',
      transport: 'plain',
      script: t.script('bud.yaml', 'steps:\n  - write: { path: src/w.ts, content: "w\\n" }\n  - usage: { inputTokens: 900, outputTokens: 300 }\n  - tick: { path: src/counter.txt, everyMs: 50, times: 2000 }\n'),
    });
    await waitFor(() => t.orch.supervision.needsYou().some((i) => i.kind === 'budget_reached'), 30_000, 'the budget ask');
    assert.equal(s.state, 'paused');
    const events = await t.orch.events('bud');
    const reached = events.find((e) => e.t === 'budget' && e.state === 'reached');
    assert.ok(reached && reached.t === 'budget' && reached.kind === 'tokens' && reached.used === 1200 && reached.limit === 1000 && reached.seq !== undefined);
    assert.equal((await t.orch.readFileAt('bud', reached.seq!, 'src/w.ts'))?.toString(), 'w\n', 'the checkpoint holds the work so far');
    assert.deepEqual(t.orch.supervision.budgets('bud'), [{ kind: 'tokens', used: 1200, limit: 1000, reached: true }]);
    await t.orch.supervision.resolveBudget('bud', 'tokens', { choice: 'extend', by: 5000 });
    await waitFor(() => s.state === 'running', 10_000, 'the agent to resume');
    assert.ok(!t.orch.supervision.needsYou().some((i) => i.kind === 'budget_reached'));
    await t.orch.stopAgent('bud');
  });

  it('runs the set-up command before the first start, records its files as a set-up checkpoint, and a failing one blocks the start', async () => {
    t.orch.updateSettings({ setupCommand: 'mkdir -p deps && echo installed > deps/lib.txt' });
    const f = await t.orch.createFeature({ id: 'set', baseRef: 'main', spec: 'x', planYaml: PLAN });
    const lines: string[] = [];
    const s = await t.orch.startAgent('set', { provider: 'scripted', transport: 'plain', script: t.script('set.yaml', 'steps:\n  - write: { path: src/mine.ts, content: "m\\n" }\n') }, { onSetupProgress: (l) => lines.push(l) });
    await waitFor(() => s.state === 'exited', 30_000, 'the agent to finish');
    await t.orch.checkpointNow('set');
    const cps = t.orch.listCheckpoints('set');
    const setup = cps.find((c) => c.trigger === 'setup');
    assert.ok(setup, 'a set-up checkpoint');
    assert.deepEqual(setup.files.map((x) => x.path), ['deps/lib.txt']);
    assert.ok(!cps.some((c) => c.trigger !== 'setup' && c.files.some((x) => x.path === 'deps/lib.txt')), 'no agent checkpoint claims the set-up\'s file');
    assert.ok(fs.existsSync(path.join(f.worktree!, 'src/mine.ts')));
    assert.ok(fs.readFileSync(path.join(t.repo.dir, '.aop/features/set/.runtime/setup.log'), 'utf8').startsWith('[aop] set-up: mkdir'));

    t.orch.updateSettings({ setupCommand: 'echo "no lock file" >&2; exit 7' });
    await t.orch.createFeature({ id: 'bad', baseRef: 'main', spec: 'x', planYaml: PLAN });
    await assert.rejects(t.orch.startAgent('bad', { provider: 'scripted', transport: 'plain', script: t.script('bad.yaml', 'steps: []\n') }), (e: unknown) => AopError.is(e, 'SETUP_FAILED') && /exited with code 7[\s\S]*no lock file/.test(e.message));
    assert.equal(t.orch.session('bad'), undefined, 'the agent never started');
    assert.ok((await t.orch.events('bad')).some((e) => e.t === 'setup' && e.state === 'failed' && e.exitCode === 7));
  });

  it('batches more coarsely when edit checkpoints run over budget, and says so in the log', async () => {
    await t.reopen({ settings: { checkpointBudgetMs: 0.001 } });
    const f = await t.orch.createFeature({ id: 'slow', baseRef: 'main', spec: 'x', planYaml: PLAN });
    fs.writeFileSync(path.join(f.worktree!, 'src/x.ts'), 'x\n');
    await waitFor(async () => (await t.orch.events('slow')).some((e) => e.t === 'checkpoint.pace'), 20_000, 'a pace change');
    const pace = (await t.orch.events('slow')).find((e) => e.t === 'checkpoint.pace');
    assert.ok(pace && pace.t === 'checkpoint.pace' && pace.factor === 2 && pace.quietMs === 300 && pace.maxWaitMs === 2000);
    assert.match(pace.reason, /over the 0.001 ms budget/);
    const health = await t.orch.supervision.health('slow');
    assert.equal(health.pace.factor, 2);
  });
});
