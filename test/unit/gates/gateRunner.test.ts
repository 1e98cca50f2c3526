import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gateStatuses, unmetRequiredGates, type GateEvent } from '../../../src/core/gates/evidence';
import type { GateRunner } from '../../../src/core/gates/gateRunner';
import { attachTurnEndGates, type TurnEndSession } from '../../../src/core/gates/turnEndGates';
import { makePlan } from '../../../src/core/plan';
import { waitFor } from '../../../src/core/util/async';
import { Emitter } from '../../../src/core/util/emitter';
import { AopError } from '../../../src/core/util/errors';
import { userState } from '../helpers/tempRepo';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

const NODE = JSON.stringify(process.execPath);

/** plan.yaml with the given gates (YAML is a superset of JSON, so JSON strings quote safely). */
export function planWithGates(gates: { name: string; run: string; cwd?: string; timeoutSec?: number; requiredForAccept?: boolean }[], extra = ''): string {
  return `version: 1\n${extra}gates:\n${gates.map((g) => `  - ${JSON.stringify(g)}\n`).join('')}`;
}

describe('gates: GateRunner on real features', () => {
  let trusted: boolean;
  let runner: GateRunner;
  // Before the orchestrator's own clean-up (hooks run in the order they are declared).
  afterEach(() => runner.dispose());
  const t = useTestOrchestrator({ files: { 'README.md': '# r\n', 'src/a.ts': 'a1\n', 'pkg/p.txt': 'p\n' } });

  beforeEach(() => {
    trusted = true;
    runner = t.orch.createGateRunner({ isTrusted: () => trusted, killGraceMs: 300 });
  });

  const gateEventsOf = async (id: string) => (await t.orch.events(id)).filter((e): e is GateEvent => e.t === 'gate');

  it('records pass and fail with exit code, duration, output and the checkpoint the run judged', async () => {
    const f = await t.orch.createFeature({
      id: 'g1',
      baseRef: 'main',
      spec: 'x',
      planYaml: planWithGates([
        { name: 'show', run: 'cat src/a.ts; echo "seq=$AOP_CHECKPOINT"' },
        { name: 'fail', run: `${NODE} -e "console.log('boom'); process.exit(3)"` },
      ]),
    });
    fs.writeFileSync(path.join(f.worktree!, 'src/a.ts'), 'judged content\n');
    const ok = await runner.run('g1', 'show');
    assert.equal(ok.passed, true);
    assert.equal(ok.exitCode, 0);
    // The evidence names the checkpoint holding the content the gate saw.
    assert.ok(ok.seq >= 1);
    assert.equal(ok.seq, t.orch.headSeq('g1'));
    assert.equal(await t.orch.readFileAt('g1', ok.seq, 'src/a.ts').then((b) => b?.toString()), 'judged content\n');
    assert.match(ok.output, /judged content/);
    assert.match(ok.output, new RegExp(`seq=${ok.seq}\\b`));
    assert.match(ok.output, new RegExp(`against checkpoint ${ok.seq}`));

    const bad = await runner.run('g1', 'fail');
    assert.equal(bad.passed, false);
    assert.equal(bad.exitCode, 3);
    assert.match(bad.output, /boom/);

    const events = await gateEventsOf('g1');
    assert.deepEqual(
      events.map((e) => [e.name, e.seq, e.exitCode, e.passed]),
      [
        ['show', ok.seq, 0, true],
        ['fail', ok.seq, 3, false],
      ],
    );
    assert.ok(events.every((e) => typeof e.durationMs === 'number' && e.durationMs >= 0));
    assert.match(events[1]!.output, /boom/);
  });

  it('says when the worktree changed during the run: the evidence is for the checkpoint before', async () => {
    await t.orch.createFeature({ id: 'g2', baseRef: 'main', spec: 'x', planYaml: planWithGates([{ name: 'writer', run: 'echo generated > gen.txt' }]) });
    const r = await runner.run('g2', 'writer');
    assert.equal(r.passed, true);
    assert.ok(r.seqAfter > r.seq, `after ${r.seqAfter} > before ${r.seq}`);
    assert.match(r.output, new RegExp(`changed during the run \\(now checkpoint ${r.seqAfter}\\); this result is evidence for checkpoint ${r.seq} only`));
    const [e] = await gateEventsOf('g2');
    assert.equal(e!.seq, r.seq);
  });

  it('refuses in an untrusted workspace and records nothing', async () => {
    await t.orch.createFeature({ id: 'g3', baseRef: 'main', spec: 'x', planYaml: planWithGates([{ name: 'ok', run: 'echo ok > ran.txt' }]) });
    trusted = false;
    await assert.rejects(runner.run('g3', 'ok'), (e) => AopError.is(e, 'UNTRUSTED'));
    await assert.rejects(runner.runAll('g3'), (e) => AopError.is(e, 'UNTRUSTED'));
    assert.deepEqual(await gateEventsOf('g3'), []);
    assert.equal(fs.existsSync(path.join(t.orch.summary('g3').worktree!, 'ran.txt')), false);
  });

  it('runs in the gate folder inside the worktree, never through a symlink to the user checkout', async () => {
    const f = await t.orch.createFeature({
      id: 'g4',
      baseRef: 'main',
      spec: 'x',
      planYaml: planWithGates([
        { name: 'inpkg', run: 'pwd', cwd: 'pkg' },
        { name: 'escape', run: 'touch pwned.txt', cwd: 'link' },
        { name: 'missing', run: 'pwd', cwd: 'nope' },
      ]),
    });
    const before = userState(t.repo.dir);
    fs.symlinkSync(t.repo.dir, path.join(f.worktree!, 'link'));
    const r = await runner.run('g4', 'inpkg');
    assert.equal(r.output.split('\n')[1], fs.realpathSync(path.join(f.worktree!, 'pkg')));
    await assert.rejects(runner.run('g4', 'escape'), (e) => AopError.is(e, 'INVALID_PATH'));
    await assert.rejects(runner.run('g4', 'missing'), (e) => AopError.is(e, 'NOT_FOUND'));
    await assert.rejects(runner.run('g4', 'nosuchgate'), (e) => AopError.is(e, 'NOT_FOUND') && /inpkg, escape, missing/.test(e.message));
    assert.equal(fs.existsSync(path.join(t.repo.dir, 'pwned.txt')), false);
    assert.equal(userState(t.repo.dir), before);
  });

  it("passes only allowlisted environment variables, not the editor's secrets", async () => {
    await t.orch.createFeature({ id: 'g5', baseRef: 'main', spec: 'x', planYaml: planWithGates([{ name: 'env', run: 'echo "secret=[$AOP_TEST_SECRET] ci=$CI gate=$AOP_GATE"' }]) });
    process.env.AOP_TEST_SECRET = 's3cret';
    try {
      const r = await runner.run('g5', 'env');
      assert.match(r.output, /secret=\[\] ci=true gate=env/);
    } finally {
      delete process.env.AOP_TEST_SECRET;
    }
  });

  it('keeps the evidence of a gate that floods binary output (bounded, never dropped from the log)', async () => {
    await t.orch.createFeature({ id: 'g9', baseRef: 'main', spec: 'x', planYaml: planWithGates([{ name: 'noise', run: `${NODE} -e "process.stdout.write(require('crypto').randomBytes(2000000))"` }]) });
    const r = await runner.run('g9', 'noise');
    assert.equal(r.passed, true);
    assert.ok(r.omittedBytes > 1_800_000);
    const events = await gateEventsOf('g9');
    assert.equal(events.length, 1, 'the gate event was written, not replaced by an oversize warning');
    assert.ok(Buffer.byteLength(JSON.stringify(events[0])) < 256 * 1024);
  });

  it('kills a gate that runs past its timeout and records it as failed', async () => {
    await t.orch.createFeature({ id: 'g6', baseRef: 'main', spec: 'x', planYaml: planWithGates([{ name: 'slow', run: 'echo begun; sleep 30', timeoutSec: 1 }]) });
    const r = await runner.run('g6', 'slow');
    assert.equal(r.timedOut, true);
    assert.equal(r.passed, false);
    assert.match(r.output, /timed out after 1 s/);
    const [e] = await gateEventsOf('g6');
    assert.equal(e!.passed, false);
  });

  it('runAll runs required gates in plan order and can stop at the first failure', async () => {
    await t.orch.createFeature({
      id: 'g7',
      baseRef: 'main',
      spec: 'x',
      planYaml: planWithGates([
        { name: 'a', run: 'exit 0' },
        { name: 'opt', run: 'exit 0', requiredForAccept: false },
        { name: 'b', run: 'exit 1' },
        { name: 'c', run: 'exit 0' },
      ]),
    });
    const req = await runner.runAll('g7', { only: 'required', stopOnFailure: true });
    assert.deepEqual(req.map((r) => [r.name, r.passed]), [['a', true], ['b', false]]);
    const named = await runner.runAll('g7', { only: ['c'] });
    assert.deepEqual(named.map((r) => r.name), ['c']);
  });

  it('turn-end gates run after each agent turn, collapsing turns that end during a run', async () => {
    await t.orch.createFeature({ id: 'g8', baseRef: 'main', spec: 'x', planYaml: planWithGates([{ name: 'check', run: 'sleep 0.3; exit 1' }]) });
    const turnEnd = new Emitter<void>();
    const sent: string[] = [];
    const session: TurnEndSession = { onTurnEnd: (l) => turnEnd.event(l), capabilities: { messages: true }, send: (t) => sent.push(t) };
    const changes = new Emitter<{ kind: string; featureId?: string }>();
    const results: number[] = [];
    const sub = attachTurnEndGates(
      { onDidChange: (l) => changes.event(l), list: () => t.orch.list(), session: (id) => (id === 'g8' ? session : undefined) },
      runner,
      { tellAgent: true, onResult: (_id, runs) => results.push(runs.length) },
    );
    try {
      changes.fire({ kind: 'agent', featureId: 'g8' }); // a second announcement attaches nothing twice
      turnEnd.fire();
      turnEnd.fire();
      turnEnd.fire();
      await waitFor(() => results.length >= 2, 20_000, 'two turn-end runs');
      assert.deepEqual(results, [1, 1], 'three turn ends while one run is in progress make one more run');
      assert.equal((await gateEventsOf('g8')).length, 2);
      assert.equal(sent.length, 2);
      assert.match(sent[0]!, /Gate "check" .* failed on checkpoint \d+ with exit 1/);
    } finally {
      sub.dispose();
    }
  });
});

describe('gates: evidence from the event log', () => {
  const plan = makePlan({
    version: 1,
    gates: [
      { name: 'lint', run: 'l' },
      { name: 'test', run: 't' },
      { name: 'docs', run: 'd', requiredForAccept: false },
    ],
  });
  const ev = (name: string, seq: number, passed: boolean): GateEvent => ({ t: 'gate', ts: '2024-01-01T00:00:00.000Z', feature: 'f', name, seq, passed, exitCode: passed ? 0 : 1, durationMs: 5, output: '' });

  it('counts only runs against the asked checkpoint, the latest one winning', () => {
    const events = [ev('lint', 3, true), ev('test', 4, false), ev('test', 4, true), ev('lint', 4, false), ev('test', 5, true)];
    const at4 = gateStatuses(plan.gates, events, 4);
    assert.deepEqual(at4.map((s) => [s.name, s.status, s.required]), [['lint', 'failed', true], ['test', 'passed', true], ['docs', 'missing', false]]);
    const at5 = gateStatuses(plan.gates, events, 5);
    assert.deepEqual(at5.map((s) => s.status), ['missing', 'passed', 'missing']);
    assert.equal(at5[0]!.lastRun?.seq, 4);
    const unmet = unmetRequiredGates(at5, 5);
    assert.equal(unmet.length, 1);
    assert.match(unmet[0]!, /"lint" has not run on checkpoint 5 \(its last run was on checkpoint 4, failed\)/);
    assert.deepEqual(unmetRequiredGates(gateStatuses(plan.gates, [ev('lint', 6, true), ev('test', 6, true)], 6), 6), []);
  });
});
