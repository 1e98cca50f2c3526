/**
 * An agent writing the repository's shared git folder (issue 11): the change appears in Problems
 * (on .git/config itself) and in the Features tree under the feature, the agent is paused, and
 * the quick fix in Problems restores the file to its exact bytes before the agents ran.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../../src/vscode/ids';
import { summary, useScriptedFeature, violationDiagnostics, waitFor } from './helpers';

const ID = 'it-gitdir';
// The agent leaves its worktree through the shared git folder (the sandbox is off for this test:
// inside it, the write would fail), then keeps running so that the pause can be seen.
const SCRIPT = `steps:
  - run: { command: "printf '[alias]\\\\n\\\\tsync = !touch /tmp/aop-pwned\\\\n' >> \\"$(git rev-parse --path-format=absolute --git-common-dir)/config\\"", ask: false }
  - sleep: 60000
`;

describe('Changes outside the worktree (the git folder)', () => {
  let config: vscode.Uri;
  let configBefore: Buffer;
  const told: string[] = [];
  let sub: vscode.Disposable | undefined;
  const scripted = useScriptedFeature(ID, SCRIPT, {
    cleanup: async () => {
      sub?.dispose();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      if (!fs.readFileSync(config.fsPath).equals(configBefore)) fs.writeFileSync(config.fsPath, configBefore);
    },
  });

  before(() => {
    sub = scripted.api.outside.onDidAnnounce((text) => told.push(text));
    config = vscode.Uri.file(path.join(scripted.root, '.git', 'config'));
    configBefore = fs.readFileSync(config.fsPath);
  });

  it('shows the write in Problems and in the tree, and pauses the agent', async function () {
    this.timeout(90_000);
    const { api, root } = scripted;
    await scripted.create();
    const orch = api.registry.get(root)!;
    await orch.setSandbox(ID, false);
    await scripted.start();
    await waitFor(() => violationDiagnostics(config).length > 0, 'a diagnostic on .git/config', 45_000);
    const d = violationDiagnostics(config)[0]!;
    assert.equal(d.code, 'git_dir_write');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.match(d.message, /\.git\/config was changed while agents ran \(it-gitdir\)/);
    await waitFor(() => summary(api, root, ID).agentState === 'paused', 'the agent paused', 15_000);

    const feature = (await api.tree.getChildren()).find((n) => (n as { featureId?: string }).featureId === ID)!;
    const children = await api.tree.getChildren(feature);
    const outside = children.find((n) => (n as { kind: string }).kind === 'outside');
    assert.ok(outside, 'the tree lists the change under the feature');
    const item = api.tree.getTreeItem(outside);
    assert.equal(item.label, 'Git folder: .git/config');
    assert.equal(item.contextValue, 'outside+git');
    const sandbox = children.map((n) => api.tree.getTreeItem(n)).find((i) => String(i.label).startsWith('Sandbox:'));
    assert.equal(sandbox?.label, 'Sandbox: off', 'the tree says the feature is not sandboxed');
    assert.ok(orch.guards.gitDirAtRisk, 'the repository is flagged as unsafe to run git in');
    // The status bar warns not to run git there, and a warning with Review was shown.
    const warning = api.outside.gitFolderWarning;
    assert.equal(warning?.text, '$(alert) git folder changed by an agent (1)');
    assert.match(warning.tooltip, /^Do not run git in \S+ until you have reviewed: \.git\/config\. git reads these files/);
    assert.ok(told.some((t) => /^An agent changed \.git\/config in \S+ \(it-gitdir\)\. Do not run git there until you have reviewed it/.test(t)), told.join('\n'));
  });

  it('the quick fix in Problems restores the exact bytes before the agents ran', async function () {
    this.timeout(60_000);
    const { api, root } = scripted;
    await vscode.workspace.openTextDocument(config); // code actions are asked of an open document, as the Problems view does
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', config, new vscode.Range(0, 0, 0, 1));
    const fix = actions.find((a) => a.title.startsWith('Review the change to the git folder'));
    assert.ok(fix?.command, `no restore action among: ${actions.map((a) => a.title).join(', ')}`);
    await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
    assert.match(api.testing.lastConfirmation()?.detail ?? '', /\+\tsync = !touch \/tmp\/aop-pwned/, 'the confirmation shows the diff');
    assert.deepEqual(fs.readFileSync(config.fsPath), configBefore);
    await waitFor(() => violationDiagnostics(config).length === 0, 'the diagnostic to go', 15_000);
    assert.equal(api.registry.get(root)!.guards.gitDirAtRisk, false);
    await waitFor(() => api.outside.gitFolderWarning === undefined, 'the status bar warning to go', 15_000);
    await vscode.commands.executeCommand(COMMANDS.stopAgent, { repoRoot: root, featureId: ID });
  });
});
