/** Settings re-applied on change, checkpoint-now, the event log document and the review panel. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointRecord } from '../../../src/core/model/types';
import { COMMANDS, SCHEMES, SETTINGS, SETTINGS_SECTION } from '../../../src/vscode/ids';
import { useScriptedFeature, waitFor } from './helpers';

const ID = 'it-surfaces';

describe('Settings, checkpoint now, event log and review panel', () => {
  const scripted = useScriptedFeature(ID, 'steps: []\n', {
    cleanup: async () => {
      await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(SETTINGS.maxRunningAgents, undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    },
  });

  before(async function () {
    this.timeout(60_000);
    await scripted.create();
  });

  it('re-applies settings when they change (the global agent cap)', async () => {
    const { api } = scripted;
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    await config.update(SETTINGS.maxRunningAgents, 2, vscode.ConfigurationTarget.Global);
    await waitFor(() => api.registry.agents.maxRunning === 2, 'the agent cap to become 2', 10_000);
    await config.update(SETTINGS.maxRunningAgents, undefined, vscode.ConfigurationTarget.Global);
    await waitFor(() => api.registry.agents.maxRunning === 5, 'the agent cap to return to its default', 10_000);
  });

  it('takes a checkpoint on command and shows it in the event log document', async () => {
    const { api, root } = scripted;
    fs.writeFileSync(path.join(scripted.worktree, 'src', 'manual.ts'), 'export const manual = 1;\n');
    const rec = await vscode.commands.executeCommand<CheckpointRecord | undefined>(COMMANDS.checkpointNow, { repoRoot: root, featureId: ID });
    const orch = api.registry.resolve({ repoRoot: root, featureId: ID });
    // The watcher may have recorded the write first; either way a checkpoint holds it.
    const holder = rec ?? orch.listCheckpoints(ID).find((c) => c.files.some((f) => f.path === 'src/manual.ts'));
    assert.ok(holder, 'a checkpoint holds src/manual.ts');
    const uri = await vscode.commands.executeCommand<vscode.Uri>(COMMANDS.showEventLog, { repoRoot: root, featureId: ID });
    assert.equal(uri?.scheme, SCHEMES.eventLog);
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    const events = text.trim().split('\n').map((l) => JSON.parse(l) as { t: string; seq?: number });
    assert.ok(events.some((e) => e.t === 'feature.created'));
    assert.ok(events.some((e) => e.t === 'checkpoint' && e.seq === holder.seq), `checkpoint ${holder.seq} is in the log`);
  });

  it('opens the review panel of a feature', async () => {
    const { api, root } = scripted;
    await vscode.commands.executeCommand(COMMANDS.openReview, { repoRoot: root, featureId: ID });
    const panel = await waitFor(() => api.reviews.get({ repoRoot: root, featureId: ID }), 'the review panel', 10_000);
    assert.equal(panel.panel.title, `Review: ${ID}`);
    await waitFor(
      () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('aop.review')),
      'a webview tab of the review panel',
      10_000,
    );
  });
});
