/**
 * A feature's life in the editor: saving its plan applies it and checks the files already
 * written again; a deleted feature leaves the active list for "Accepted / archived"; a draft is
 * deleted from the tree's menu command, and an archived feature removed from the archive.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../../src/vscode/ids';
import type { TreeNode } from '../../../src/vscode/tree/nodes';
import { summary, useScriptedFeature, violationDiagnostics, waitFor } from './helpers';

const ID = 'it-life';
const DRAFT = 'it-life-draft';
const SCRIPT = `steps:
  - run: { command: "echo stray > docs/stray.md", ask: false }
`;

describe('A feature’s life in the editor', () => {
  const scripted = useScriptedFeature(ID, SCRIPT, {
    cleanup: async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(path.join(scripted.root, '.aop', 'features', DRAFT), { recursive: true, force: true });
    },
  });

  it('applies a saved plan to the feature and checks what it already wrote', async function () {
    this.timeout(90_000);
    const { api, root } = scripted;
    const created = await scripted.create();
    await scripted.start();
    const stray = vscode.Uri.file(path.join(created.worktree!, 'docs', 'stray.md'));
    await waitFor(() => violationDiagnostics(stray).some((d) => d.code === 'out_of_scope'), 'the out-of-scope write to be flagged', 45_000);

    // The person widens the plan to docs/** in the editor and saves: an editor save puts the plan
    // in force (a change from anywhere else waits for review) and the written files are judged again.
    const planUri = vscode.Uri.file(path.join(root, '.aop', 'features', ID, 'plan.yaml'));
    const doc = await vscode.workspace.openTextDocument(planUri);
    const editor = await vscode.window.showTextDocument(doc);
    const line = doc.getText().split('\n').findIndex((l) => l.trim() === '- src/**');
    assert.ok(line > 0, 'the plan lists src/**');
    await editor.edit((e) => e.insert(new vscode.Position(line + 1, 0), '  - docs/**\n'));
    await doc.save();
    await waitFor(() => violationDiagnostics(stray).length === 0, 'the violation to clear once the saved plan allows docs/**', 30_000);
    assert.deepEqual(summary(api, root, ID).violations, []);
  });

  it('lists a deleted feature under "Accepted / archived", with its spec, plan and history', async function () {
    this.timeout(60_000);
    const { api, root } = scripted;
    await vscode.commands.executeCommand(COMMANDS.deleteFeature, { repoRoot: root, featureId: ID, deleteBranchAndRefs: false });
    assert.equal(summary(api, root, ID).status, 'archived');
    api.tree.refresh();
    const group = await waitFor(() => api.tree.getChildren().find((n): n is Extract<TreeNode, { kind: 'archive' }> => n.kind === 'archive'), 'the archive group');
    assert.equal(api.tree.getTreeItem(group).label, 'Accepted / archived');
    assert.ok(!api.tree.getChildren().some((n) => n.kind === 'feature' && n.featureId === ID), 'not among the features in work');
    const feature = api.tree.getChildren(group).find((n) => n.kind === 'feature' && n.featureId === ID)!;
    assert.ok(feature, 'in the archive group');
    assert.match(String(api.tree.getTreeItem(feature).description), /^deleted /);
    assert.equal(api.tree.getParent(feature), group);
    const rows = api.tree.getChildren(feature).map((n) => api.tree.getTreeItem(n));
    assert.deepEqual(rows.map((r) => r.command?.command).filter(Boolean), [COMMANDS.openSpec, COMMANDS.openPlan, COMMANDS.showEventLog]);
    await vscode.commands.executeCommand(COMMANDS.openPlan, { repoRoot: root, featureId: ID });
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, path.join(root, '.aop', 'features', ID, 'plan.yaml'));
  });

  it('deletes a draft from the tree and removes an archived feature from the archive', async function () {
    this.timeout(60_000);
    const { api, root } = scripted;
    // A draft is a spec with no feature behind it, found when the repository opens (as after a reload).
    const draftDir = path.join(root, '.aop', 'features', DRAFT);
    fs.mkdirSync(draftDir, { recursive: true });
    fs.writeFileSync(path.join(draftDir, 'spec.md'), `# ${DRAFT}\n\nAn idea, never started.\n`);
    const folders = vscode.workspace.workspaceFolders ?? [];
    await api.registry.removeFolders(folders);
    await api.registry.addFolders(folders);
    await api.registry.ready();
    assert.equal(summary(api, root, DRAFT).status, 'draft');
    api.tree.refresh();
    const draft = await waitFor(() => api.tree.getChildren().find((n) => n.kind === 'feature' && n.featureId === DRAFT), 'the draft in the tree');
    // The tree's menu offers Delete Draft on this row (package.json: viewItem =~ /^feature\+draft\b/).
    assert.match(String(api.tree.getTreeItem(draft).contextValue), /^feature\+draft\b/);

    assert.equal(await vscode.commands.executeCommand(COMMANDS.deleteDraft, { repoRoot: root, featureId: DRAFT, confirmed: true }), true);
    assert.ok(!api.registry.get(root)!.list().some((f) => f.id === DRAFT), 'no longer listed');
    assert.equal(fs.existsSync(draftDir), false, 'its folder is gone');
    api.tree.refresh();
    await waitFor(() => !api.tree.getChildren().some((n) => n.kind === 'feature' && n.featureId === DRAFT), 'the draft to leave the tree');

    // The archived feature of the test above: read back from its history after the reopen, then removed.
    assert.equal(summary(api, root, ID).status, 'archived');
    assert.equal(await vscode.commands.executeCommand(COMMANDS.removeArchived, { repoRoot: root, featureId: ID, confirmed: true }), true);
    assert.ok(!api.registry.get(root)!.list().some((f) => f.id === ID));
    assert.equal(fs.existsSync(path.join(root, '.aop', 'features', ID)), false);
    api.tree.refresh();
    await waitFor(() => !api.tree.getChildren().some((n) => n.kind === 'archive' && api.tree.getChildren(n).some((c) => c.kind === 'feature' && c.featureId === ID)), 'the archived feature to leave the tree');
  });
});
