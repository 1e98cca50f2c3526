/**
 * The review panel's data source and actions against a real orchestrator on a temp repository
 * (they import no `vscode`; the registry is a small stand-in with the same lookups).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Orchestrator} from '../../../../src/core/orchestrator';
import { type OrchestratorChange } from '../../../../src/core/orchestrator';
import { AopError } from '../../../../src/core/util/errors';
import { Emitter } from '../../../../src/core/util/emitter';
import { GateService } from '../../../../src/vscode/gates/gateService';
import { OrchestratorReviewActions, OrchestratorReviewData } from '../../../../src/vscode/review/reviewAdapter';
import type { ReviewChange } from '../../../../src/vscode/webview/ports';
import type { Registry } from '../../../../src/vscode/workspace/registry';
import { useTestOrchestrator } from '../../helpers/testOrchestrator';
import { featurePaths } from '../../../../src/core/features/featurePaths';

const PLAN = 'version: 1\nallowed: ["src/**"]\n';

function registryOf(orch: Orchestrator, changes: Emitter<{ repoRoot: string; change: OrchestratorChange }>): Registry {
  const fake = {
    repositories: () => [orch],
    findById: (id: string) => (orch.list().some((f) => f.id === id) ? [{ repoRoot: orch.repoRoot, featureId: id }] : []),
    resolve: () => orch,
    onDidChange: changes.event,
    onDidChangeRepositories: () => ({ dispose() {} }),
  };
  return fake as unknown as Registry;
}

describe('review panel adapter (OrchestratorReviewData / Actions)', () => {
  const t = useTestOrchestrator();
  const rv = () => ({ repoRoot: t.orch.repoRoot, featureId: 'rv' });
  let data: OrchestratorReviewData;
  let actions: OrchestratorReviewActions;
  let wt: string;
  const changes = new Emitter<{ repoRoot: string; change: OrchestratorChange }>();

  beforeEach(async () => {
    t.orch.onDidChange((change) => changes.fire({ repoRoot: t.orch.repoRoot, change }));
    const registry = registryOf(t.orch, changes);
    data = new OrchestratorReviewData(registry);
    actions = new OrchestratorReviewActions(registry, undefined as never, () => 'scripted');
    wt = (await t.orch.createFeature({ id: 'rv', baseRef: 'main', spec: 'x', planYaml: PLAN })).worktree!;
  });

  it('lists changes between snapshots with the violations standing at the end', async () => {
    fs.writeFileSync(path.join(wt, 'src/a.ts'), 'a2\nmore\n');
    fs.writeFileSync(path.join(wt, 'out.txt'), 'out\n');
    const cp = (await t.orch.checkpointNow('rv'))!;
    const all = await data.changes(rv(), { from: 'base', to: 'worktree' });
    assert.deepEqual(all.files.map((f) => [f.path, f.status]).sort(), [['out.txt', 'A'], ['src/a.ts', 'M']]);
    assert.equal(all.files.find((f) => f.path === 'src/a.ts')?.added, 2, 'line counts are included');
    assert.deepEqual(all.violations.map((v) => [v.kind, v.path]), [['out_of_scope', 'out.txt']]);
    const atCp = await data.changes(rv(), { from: 'base', to: cp.seq });
    assert.equal(atCp.files.length, 2);
    assert.equal(atCp.violations.length, 1);
    const view = await data.getFeature(rv());
    assert.equal(view.id, 'rv');
    assert.equal(view.agentState, 'idle');
    assert.equal(view.branch, 'aop/rv');
  });

  it('reads files from checkpoints, the base and the worktree, bounded, and never outside the worktree', async () => {
    fs.writeFileSync(path.join(wt, 'src/a.ts'), 'a2-longer-content\n');
    const cp = (await t.orch.checkpointNow('rv'))!;
    assert.equal(Buffer.from((await data.readBlob(rv(), 'base', 'src/a.ts', 100))!.bytes).toString(), 'a1\n');
    assert.equal(Buffer.from((await data.readBlob(rv(), cp.seq, 'src/a.ts', 100))!.bytes).toString(), 'a2-longer-content\n');
    const cut = (await data.readBlob(rv(), 'worktree', 'src/a.ts', 4))!;
    assert.equal(cut.size, 18);
    assert.equal(Buffer.from(cut.bytes).toString(), 'a2-l');
    assert.equal(await data.readBlob(rv(), 'worktree', 'src/missing.ts', 10), undefined);
    fs.symlinkSync('/etc/hostname', path.join(wt, 'src/link'));
    assert.equal(Buffer.from((await data.readBlob(rv(), 'worktree', 'src/link', 100))!.bytes).toString(), '/etc/hostname', 'a symlink reads as its target text, not followed');
    await assert.rejects(data.readBlob(rv(), 'worktree', '../outside', 10), (e) => AopError.is(e));
    await assert.rejects(data.getFeature({ repoRoot: t.orch.repoRoot, featureId: 'ghost' }), (e) => AopError.is(e, 'NOT_FOUND'));
  });

  it('filters and limits events, and streams appended events to listeners', async () => {
    const seen: ReviewChange[] = [];
    const sub = data.onDidChange((c) => seen.push(c));
    fs.writeFileSync(path.join(wt, 'src/b.ts'), 'b\n');
    await t.orch.checkpointNow('rv');
    sub.dispose();
    const cps = await data.events(rv(), { types: ['checkpoint'], limit: 10 });
    assert.ok(cps.length >= 1 && cps.every((e) => e.t === 'checkpoint'));
    assert.equal((await data.events(rv(), { limit: 1 })).length, 1);
    assert.ok(seen.some((c) => c.featureId === 'rv' && c.event?.t === 'checkpoint'), 'the checkpoint event reached the listener');
    const count = seen.length;
    fs.writeFileSync(path.join(wt, 'src/c.ts'), 'c\n');
    await t.orch.checkpointNow('rv');
    assert.equal(seen.length, count, 'nothing arrives after dispose');
  });

  it('rolls back files from the base and undoes it, reporting a summary', async () => {
    fs.writeFileSync(path.join(wt, 'src/a.ts'), 'changed\n');
    await t.orch.checkpointNow('rv');
    const r = await actions.rollbackFiles(rv(), 'base', ['src/a.ts']);
    assert.match(String(r && r.summary), /1 file/);
    assert.equal(fs.readFileSync(path.join(wt, 'src/a.ts'), 'utf8'), 'a1\n');
    await actions.undoRollback(rv());
    assert.equal(fs.readFileSync(path.join(wt, 'src/a.ts'), 'utf8'), 'changed\n');
    assert.deepEqual(await actions.previewRollback(rv(), { kind: 'smart' }), []);
  });

  it('serves gates to the panel and runs them; accept goes through the editor\'s flow', async () => {
    const planFile = featurePaths(t.repo.dir, 'rv').plan;
    fs.writeFileSync(planFile, `${PLAN}gates:\n  - { name: ok, run: "true" }\n  - { name: bad, run: "exit 2", requiredForAccept: false }\n`);
    await t.orch.guards.fileChanged(planFile, true); // saved by the user in the editor: in force
    await t.orch.reloadPlan('rv');
    const registry = registryOf(t.orch, changes);
    const gates = new GateService(registry);
    const accepted: string[] = [];
    const gateData = new OrchestratorReviewData(registry, gates);
    const gateActions = new OrchestratorReviewActions(registry, undefined as never, () => 'scripted', {
      service: gates,
      showOutput: async () => undefined,
      accept: async (ref) => {
        accepted.push(ref.featureId);
        return undefined;
      },
    });
    try {
      const before = await gateData.gates(rv());
      assert.deepEqual(before.gates.map((g) => [g.name, g.status, g.required]), [['ok', 'missing', true], ['bad', 'missing', false]]);
      const seen: ReviewChange[] = [];
      const sub = gateData.onDidChange((c) => seen.push(c));
      const r = await gateActions.runGates(rv(), []);
      sub.dispose();
      assert.match(String(r && r.summary), /^Gates on #\d+: 1 passed, 1 failed \(bad\)$/);
      assert.ok(seen.some((c) => c.featureId === 'rv' && c.gates), 'the panel hears that the gates changed');
      const after = await gateData.gates(rv());
      assert.deepEqual(after.gates.map((g) => [g.name, g.status, g.exitCode]), [['ok', 'passed', 0], ['bad', 'failed', 2]]);
      assert.deepEqual(await gateActions.accept(rv()), { cancelled: true, summary: 'Accept cancelled.' });
      assert.deepEqual(accepted, ['rv']);
      await assert.rejects(actions.runGates(rv(), []), (e: unknown) => AopError.is(e, 'NOT_FOUND'), 'without the hooks, the panel says gates are not available');
    } finally {
      gates.dispose();
    }
  });
});
