/**
 * The agent's prompt is the spec in force (README, "Plans and specs"): a spec.md changed on disk
 * by anyone but the editor's save never reaches the next prompt until the user applies it; a
 * spec saved in the editor, or applied after review, does.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isLive } from '../../../src/core/agents';
import { waitFor } from '../../../src/core/util/async';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

describe('orchestrator: the spec in force is the prompt', function () {
  this.timeout(60_000);
  let spec: string;
  const t = useTestOrchestrator({ files: { 'README.md': '# r\n' } });

  beforeEach(async () => {
    await t.orch.createFeature({ id: 'f1', baseRef: 'main', spec: '# Spec one\n', planYaml: 'version: 1\nallowed: ["src/**"]\n' });
    spec = path.join(t.repo.dir, '.aop', 'features', 'f1', 'spec.md');
  });

  /** Starts the feature's agent: a command that copies its prompt file out and exits. Returns the prompt. */
  async function nextPrompt(name: string): Promise<string> {
    const seen = path.join(path.dirname(t.repo.dir), `${name}.md`);
    const session = await t.orch.startAgent('f1', { provider: 'custom', template: `cp {promptFile} ${seen}`, sandbox: false });
    await waitFor(() => !isLive(session.state), 30_000, 'the agent to copy its prompt and exit');
    return fs.readFileSync(seen, 'utf8');
  }

  it('a spec changed on disk is not the next prompt; saved in the editor or applied after review, it is', async () => {
    assert.match(await nextPrompt('first'), /# Spec one/);

    fs.writeFileSync(spec, '# Rewritten on disk\n');
    await t.orch.guards.fileChanged(spec, false);
    const tampered = await nextPrompt('tampered');
    assert.match(tampered, /# Spec one/);
    assert.doesNotMatch(tampered, /Rewritten/);

    const [pending] = await t.orch.guards.pendingChanges('f1');
    await t.orch.guards.confirm('f1', 'spec', pending!.onDiskSha);
    assert.match(await nextPrompt('applied'), /# Rewritten on disk/);

    fs.writeFileSync(spec, '# Spec saved in the editor\n');
    await t.orch.guards.fileChanged(spec, true);
    assert.match(await nextPrompt('saved'), /# Spec saved in the editor/);
  });
});
