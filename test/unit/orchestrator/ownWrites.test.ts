/**
 * Our own writes while agents run are not held against them: creating, deleting and re-planning
 * another feature from the editor writes into `.aop/` and the git folder, and a running agent
 * must not be paused for it (the guards watch the checkout and the git folder then).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Orchestrator } from '../../../src/core/orchestrator';
import type { GuardDetection } from '../../../src/core/orchestrator/repositoryGuards';
import { waitFor } from '../../../src/core/util/async';
import { makeTempRepo, type TempRepo } from '../helpers/tempRepo';

describe('orchestrator: our own writes while an agent runs', function () {
  let repo: TempRepo;
  let orch: Orchestrator;
  let detections: GuardDetection[];

  beforeEach(async () => {
    repo = makeTempRepo({ 'README.md': '# r\n', 'src/a.ts': 'a\n' });
    orch = await Orchestrator.open({ repoRoot: repo.dir, settings: { reconcileIntervalMs: 0, watchMainCheckout: true, debounceMs: 50, maxWaitMs: 200 } });
    await orch.createFeature({ id: 'f1', baseRef: 'main', spec: 'Do the work.', planYaml: 'version: 1\nallowed:\n  - "src/**"\n' });
    detections = [];
    orch.guards.onDetected((d) => detections.push(d));
  });

  afterEach(async () => {
    await orch.dispose();
    repo.cleanup();
  });

  it('creating and deleting another feature neither pauses the running agent nor stands against it', async () => {
    const file = path.join(path.dirname(repo.dir), 'idle.sh');
    fs.writeFileSync(file, 'while true; do sleep 0.05; done\n');
    const session = await orch.startAgent('f1', { provider: 'custom', template: `sh ${file}`, sandbox: false });
    await waitFor(() => session.state === 'running', 15_000, 'the agent to run');
    await orch.createFeature({ id: 'f2', baseRef: 'main', spec: 'Other work.', planYaml: 'version: 1\nallowed:\n  - "docs/**"\n' });
    await orch.deleteFeature('f2', { deleteBranchAndRefs: true, deleteLog: true });
    // A write the guards must see, after ours: once it is seen, everything before it was judged.
    fs.writeFileSync(path.join(repo.dir, 'marker.txt'), 'x\n');
    await waitFor(() => detections.some((d) => d.path === 'marker.txt'), 15_000, 'the marker in the checkout');
    assert.deepEqual(
      detections.filter((d) => d.path !== 'marker.txt').map((d) => `${d.kind} ${d.path}`),
      [],
      'nothing of ours was taken for the agent',
    );
    assert.deepEqual(orch.summary('f1').violations.filter((v) => v.path !== 'marker.txt').map((v) => `${v.kind} ${v.path}`), []);
  });
});
