import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { featurePaths } from '../../../src/core/features/featurePaths';
import { useTestOrchestrator, featureRuntimeOf } from '../helpers/testOrchestrator';

describe("FeatureRuntime: the feature's saved state", () => {
  const t = useTestOrchestrator({ files: { 'README.md': '# r\n' } });

  beforeEach(async () => {
    await t.orch.createFeature({ id: 'f1', baseRef: 'main', spec: 'Work.' });
  });

  it('saves started one after another land in that order (the last state is what is read back)', async () => {
    const rt = featureRuntimeOf(t.orch, 'f1');
    const saves: Promise<void>[] = [];
    // What an agent's quick moves do: each move saves without waiting for the one before.
    for (let i = 0; i < 40; i++) {
      rt.state.agentState = i % 2 === 0 ? 'stopping' : `exited-${i}`;
      saves.push(rt.saveState());
    }
    await Promise.all(saves);
    const saved = JSON.parse(fs.readFileSync(featurePaths(t.repo.dir, 'f1').state, 'utf8')) as { agentState: string };
    assert.equal(saved.agentState, 'exited-39');
  });
});
