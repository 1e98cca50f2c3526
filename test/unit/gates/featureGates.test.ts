/**
 * The gates the surfaces show, against a real orchestrator on a temp repository: runs through
 * the orchestrator's runner (refused when untrusted), results at the latest checkpoint, history
 * when the worktree moved on, and a fresh instance reading them back from the log.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { featurePaths } from '../../../src/core/features/featurePaths';
import { FeatureGates } from '../../../src/core/gates';
import { waitFor } from '../../../src/core/util/async';
import { AopError } from '../../../src/core/util/errors';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

const PLAN = `version: 1
allowed: ["src/**"]
gates:
  - { name: ok, run: "echo fine", requiredForAccept: false }
  - { name: fail, run: "echo broken >&2; exit 3" }
`;

describe('gates/FeatureGates (results for the tree, the panel and the commands)', () => {
  let trusted: boolean;
  const services: FeatureGates[] = [];
  let wt: string;
  // Before the orchestrator's own clean-up (hooks run in the order they are declared).
  afterEach(() => {
    for (const s of services.splice(0)) s.dispose();
  });
  const t = useTestOrchestrator();

  function service(): FeatureGates {
    const s = new FeatureGates(t.orch, () => t.orch.createGateRunner({ isTrusted: () => trusted }));
    services.push(s);
    return s;
  }

  beforeEach(async () => {
    trusted = true;
    wt = (await t.orch.createFeature({ id: 'gt', baseRef: 'main', spec: 'x', planYaml: PLAN })).worktree!;
    fs.writeFileSync(path.join(wt, 'src/a.ts'), 'a2\n');
  });

  it('runs nothing in an untrusted workspace, and records nothing', async () => {
    trusted = false;
    const gates = service();
    await assert.rejects(gates.run('gt', []), (e: unknown) => AopError.is(e, 'UNTRUSTED'));
    assert.equal((await t.orch.events('gt')).filter((e) => e.t === 'gate').length, 0);
    const snap = await gates.statuses('gt');
    assert.deepEqual(snap.gates.map((g) => g.status), ['missing', 'missing']);
  });

  it('runs the chosen gates and shows pass/fail at the latest checkpoint, announcing each change', async () => {
    const gates = service();
    const announced: string[] = [];
    gates.onDidChange((id) => announced.push(id));
    const runs = await gates.run('gt', ['ok', 'fail']);
    assert.deepEqual(runs.map((r) => [r.name, r.passed]), [['ok', true], ['fail', false]]);
    const head = t.orch.headSeq('gt');
    const snap = await gates.statuses('gt');
    assert.equal(snap.seq, head);
    assert.deepEqual(snap.gates.map((g) => [g.name, g.status, g.required, g.evidence?.exitCode]), [['ok', 'passed', false, 0], ['fail', 'failed', true, 3]]);
    assert.deepEqual(snap.running, []);
    assert.deepEqual(gates.peek('gt')?.gates.map((g) => g.status), ['passed', 'failed'], 'the tree reads the same from memory');
    assert.ok(announced.length >= 4, `a start and a result per gate were announced (${announced.length})`);
    const failed = await gates.lastRun('gt', 'fail');
    assert.match(failed?.output ?? '', /\[aop\] gate "fail" ran/);
    assert.match(failed?.output ?? '', /broken/);

    // One gate by name; the other keeps its result.
    const again = await gates.run('gt', ['ok']);
    assert.deepEqual(again.map((r) => r.name), ['ok']);

    // The worktree moves on: no result holds for the new checkpoint, the old ones are history.
    fs.writeFileSync(path.join(wt, 'src/b.ts'), 'b\n');
    await t.orch.checkpointNow('gt');
    const later = await gates.statuses('gt');
    assert.ok(later.seq > snap.seq);
    assert.deepEqual(later.gates.map((g) => [g.status, g.lastRun?.seq, g.lastRun?.passed]), [['missing', snap.seq, true], ['missing', snap.seq, false]]);
  });

  it('reads earlier results back from the event log (a new window)', async () => {
    await service().run('gt', []);
    const fresh = service();
    const changed = new Promise<void>((resolve) => fresh.onDidChange(() => resolve()));
    assert.equal(fresh.peek('gt'), undefined, 'nothing in memory yet: the log is being read');
    await changed;
    assert.deepEqual(fresh.peek('gt')?.gates.map((g) => g.status), ['passed', 'failed']);
  });

  it('runs the gates of the plan in force: a plan written on disk applies once the user saves it (never before), and names the gates when one is wrong', async () => {
    const gates = service();
    const file = featurePaths(t.repo.dir, 'gt').plan;
    fs.writeFileSync(file, PLAN.replace('name: ok', 'name: renamed'));
    // Written behind the user's back (an agent could add a gate command): not in force.
    assert.deepEqual((await gates.planned('gt')).map((g) => g.name), ['ok', 'fail']);
    await t.orch.guards.fileChanged(file, true); // the user saved it in the editor
    const planned = await gates.planned('gt');
    assert.deepEqual(planned.map((g) => g.name), ['renamed', 'fail']);
    await assert.rejects(gates.run('gt', ['ok']), (e: unknown) => AopError.is(e) && /its gates are: renamed, fail/.test(e.message));
  });

  it('forgets its memory when features are created or deleted, then reads the log again', async () => {
    const gates = service();
    await gates.run('gt', ['ok']);
    assert.ok(gates.peek('gt'));
    await t.orch.createFeature({ id: 'another', baseRef: 'main', spec: 'x' });
    assert.equal(gates.peek('gt'), undefined);
    await waitFor(() => gates.peek('gt') !== undefined, 5000, 'the log to be read again');
    assert.equal(gates.peek('gt')?.gates[0]?.status, 'passed');
  });
});
