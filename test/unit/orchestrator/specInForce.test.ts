/**
 * The agent's prompt is the spec in force (README, "Plans and specs"): a spec.md changed on disk
 * by anyone but the editor's save never reaches the next prompt until the user applies it; a
 * spec saved in the editor, or applied after review, does.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isLive } from '../../../src/core/agents';
import type { Orchestrator } from '../../../src/core/orchestrator';
import { waitFor } from '../../../src/core/util/async';
import { makeTempRepo, type TempRepo } from '../helpers/tempRepo';
import { testOrchestrator } from '../helpers/testOrchestrator';

describe('orchestrator: the spec in force is the prompt', function () {
  this.timeout(60_000);
  let repo: TempRepo;
  let orch: Orchestrator;
  let spec: string;

  beforeEach(async () => {
    repo = makeTempRepo({ 'README.md': '# r\n' });
    orch = await testOrchestrator(repo.dir);
    await orch.createFeature({ id: 'f1', baseRef: 'main', spec: '# Spec one\n', planYaml: 'version: 1\nallowed: ["src/**"]\n' });
    spec = path.join(repo.dir, '.aop', 'features', 'f1', 'spec.md');
  });

  afterEach(async () => {
    await orch.dispose();
    repo.cleanup();
  });

  /** Starts the feature's agent: a command that copies its prompt file out and exits. Returns the prompt. */
  async function nextPrompt(name: string): Promise<string> {
    const seen = path.join(path.dirname(repo.dir), `${name}.md`);
    const session = await orch.startAgent('f1', { provider: 'custom', template: `cp {promptFile} ${seen}`, sandbox: false });
    await waitFor(() => !isLive(session.state), 30_000, 'the agent to copy its prompt and exit');
    return fs.readFileSync(seen, 'utf8');
  }

  it('a spec changed on disk is not the next prompt; saved in the editor or applied after review, it is', async () => {
    assert.match(await nextPrompt('first'), /# Spec one/);

    fs.writeFileSync(spec, '# Rewritten on disk\n');
    await orch.guards.fileChanged(spec, false);
    const tampered = await nextPrompt('tampered');
    assert.match(tampered, /# Spec one/);
    assert.doesNotMatch(tampered, /Rewritten/);

    const [pending] = await orch.guards.pendingChanges('f1');
    await orch.guards.confirm('f1', 'spec', pending!.onDiskSha);
    assert.match(await nextPrompt('applied'), /# Rewritten on disk/);

    fs.writeFileSync(spec, '# Spec saved in the editor\n');
    await orch.guards.fileChanged(spec, true);
    assert.match(await nextPrompt('saved'), /# Spec saved in the editor/);
  });
});
