/**
 * A start refused for a broken plan is reported with its first problem and an **Open Plan**
 * action that opens the plan (README, quick start step 2). Start Agent runs as from the palette;
 * its notification is captured (and answered) by standing in for the window's message functions.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../../src/vscode/ids';
import { useScriptedFeature, waitFor } from './helpers';

const ID = 'it-open-plan';

describe('A start refused for a broken plan', () => {
  const feature = useScriptedFeature(ID, 'steps: []\n', { cleanup: async () => void (await vscode.commands.executeCommand('workbench.action.closeAllEditors')) });

  it('is reported with its first problem and an Open Plan action that opens the plan', async function () {
    this.timeout(60_000);
    await feature.create();
    const planFile = path.join(feature.root, '.aop', 'features', ID, 'plan.yaml');
    const orch = feature.api.registry.get(feature.root)!;
    // The user saves a broken plan in the editor: it is the plan in force now.
    fs.writeFileSync(planFile, 'version: 1\nallowed: src/**\n');
    await orch.guards.fileChanged(planFile, true);
    await waitFor(() => orch.summary(ID).planError, 'the saved plan to be in force');

    // The refusal's notification, answered with its first action.
    const shown: { message: string; items: string[] }[] = [];
    const w = vscode.window as unknown as Record<'showErrorMessage' | 'showWarningMessage', (message: string, ...items: string[]) => Thenable<string | undefined>>;
    const real = { showErrorMessage: w.showErrorMessage, showWarningMessage: w.showWarningMessage };
    const answer = async (message: string, ...items: string[]) => {
      if (!/was not started/.test(message)) return undefined;
      shown.push({ message, items });
      return items[0];
    };
    w.showErrorMessage = answer;
    w.showWarningMessage = answer;
    try {
      assert.equal(await vscode.commands.executeCommand(COMMANDS.startAgent, feature.ref()), undefined, 'the start was refused');
      await waitFor(() => vscode.window.activeTextEditor?.document.uri.fsPath === planFile, 'Open Plan to open the plan');
    } finally {
      Object.assign(w, real);
    }
    assert.equal(shown.length, 1);
    assert.match(shown[0]!.message, /^Start agent: .*The agent of it-open-plan was not started: its plan has problems \(plan\.yaml:2:10: allowed: expected a list/);
    assert.equal(shown[0]!.items[0], 'Open Plan');
    assert.equal(orch.session(ID), undefined, 'no agent ran');
  });
});
