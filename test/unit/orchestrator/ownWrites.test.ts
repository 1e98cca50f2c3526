/**
 * Our own writes while agents run are not held against them: creating, deleting and re-planning
 * another feature from the editor writes into `.aop/` and the git folder, and a running agent
 * must not be paused for it (the guards watch the checkout and the git folder then).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GuardDetection } from '../../../src/core/orchestrator/repositoryGuards';
import { waitFor } from '../../../src/core/util/async';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

describe('orchestrator: our own writes while an agent runs', function () {
  const t = useTestOrchestrator({ files: { 'README.md': '# r\n', 'src/a.ts': 'a\n' }, options: { settings: { watchMainCheckout: true, debounceMs: 50, maxWaitMs: 200 } } });
  let detections: GuardDetection[];

  beforeEach(async () => {
    await t.orch.createFeature({ id: 'f1', baseRef: 'main', spec: 'Do the work.', planYaml: 'version: 1\nallowed:\n  - "src/**"\n' });
    detections = [];
    t.orch.guards.onDetected((d) => detections.push(d));
  });

  it('creating and deleting another feature neither pauses the running agent nor stands against it', async () => {
    const file = path.join(path.dirname(t.repo.dir), 'idle.sh');
    fs.writeFileSync(file, 'while true; do sleep 0.05; done\n');
    const session = await t.orch.startAgent('f1', { provider: 'custom', template: `sh ${file}`, sandbox: false });
    await waitFor(() => session.state === 'running', 15_000, 'the agent to run');
    await t.orch.createFeature({ id: 'f2', baseRef: 'main', spec: 'Other work.', planYaml: 'version: 1\nallowed:\n  - "docs/**"\n' });
    await t.orch.deleteFeature('f2', { deleteBranchAndRefs: true, deleteLog: true });
    // A write the guards must see, after ours: once it is seen, everything before it was judged.
    fs.writeFileSync(path.join(t.repo.dir, 'marker.txt'), 'x\n');
    await waitFor(() => detections.some((d) => d.path === 'marker.txt'), 15_000, 'the marker in the checkout');
    assert.deepEqual(
      detections.filter((d) => d.path !== 'marker.txt').map((d) => `${d.kind} ${d.path}`),
      [],
      'nothing of ours was taken for the agent',
    );
    assert.deepEqual(t.orch.summary('f1').violations.filter((v) => v.path !== 'marker.txt').map((v) => `${v.kind} ${v.path}`), []);
  });
});
