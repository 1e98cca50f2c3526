/**
 * A scripted agent runs on its own feature; the Features tree, the native diff of a changed
 * file, and the feature's source control provider show what it wrote.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS, SCHEMES, VIEWS } from '../../../src/vscode/ids';
import type { TreeNode } from '../../../src/vscode/tree/nodes';
import { summary, useScriptedFeature, waitFor } from './helpers';

const ID = 'it-tree';
const SCRIPT = `steps:
  - print: "writing greeting"
  - write: { path: src/greeting.ts, content: "export const greeting = 'v1';\\n" }
  - sleep: 500
  - write: { path: src/greeting.ts, content: "export const greeting = 'v2';\\n" }
  - write: { path: src/extra.ts, content: "export const extra = 1;\\n" }
`;

describe('Features tree, native diff and source control', () => {
  const scripted = useScriptedFeature(ID, SCRIPT, {
    cleanup: async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      // The workbench remembers the last view; later windows (e2e checks) expect the Explorer.
      await vscode.commands.executeCommand('workbench.view.explorer');
    },
  });

  it('lists the demo draft at the top level and the view is registered', async () => {
    const { api } = scripted;
    const top = api.tree.getChildren();
    const demo = top.find((n) => n.kind === 'feature' && n.featureId === 'demo');
    assert.ok(demo, `no demo feature among ${top.map((n) => n.id).join(', ')}`);
    assert.match(String(api.tree.getTreeItem(demo).contextValue), /^feature\+draft\+canStart/);
    assert.equal(api.treeView.visible !== undefined, true);
    await vscode.commands.executeCommand(`${VIEWS.features}.focus`);
  });

  it('shows the feature, its state and its checkpoints with changed files after the agent ran', async function () {
    this.timeout(90_000);
    const { api, root } = scripted;
    await scripted.create();
    await scripted.start();
    const orch = api.registry.resolve({ repoRoot: root, featureId: ID });
    await waitFor(() => {
      const files = new Set(orch.listCheckpoints(ID).flatMap((c) => c.files.map((f) => f.path)));
      return files.has('src/greeting.ts') && files.has('src/extra.ts') && orch.listCheckpoints(ID).length >= 2;
    }, 'two checkpoints with src/greeting.ts and src/extra.ts', 45_000);

    const feature = api.tree.getChildren().find((n): n is Extract<TreeNode, { kind: 'feature' }> => n.kind === 'feature' && n.featureId === ID);
    assert.ok(feature, 'the new feature is in the tree');
    const item = api.tree.getTreeItem(feature);
    assert.equal(item.label, ID);
    assert.match(String(item.description), /checkpoint/);
    assert.match(String(item.contextValue), /^feature\+active/);

    const children = api.tree.getChildren(feature);
    const info = children.filter((n) => n.kind === 'info').map((n) => String(api.tree.getTreeItem(n).label));
    assert.ok(info.some((l) => /^Agent: (starting|running|finished)/.test(l)), `agent row missing: ${info.join(' | ')}`);
    assert.ok(info.some((l) => l.startsWith('Watchdog: watching')), `watchdog row missing: ${info.join(' | ')}`);
    assert.ok(info.includes('No violations'), `violations row missing: ${info.join(' | ')}`);
    // Spec and plan open from the tree.
    const planRow = children.find((n) => n.kind === 'info' && n.key === 'plan')!;
    const planItem = api.tree.getTreeItem(planRow);
    assert.equal(planItem.label, 'Plan');
    assert.match(String(planItem.description), /^allows src\/\*\*/);
    assert.equal(planItem.command?.command, 'aop.openPlan');
    assert.equal(api.tree.getTreeItem(children.find((n) => n.kind === 'info' && n.key === 'spec')!).command?.command, 'aop.openSpec');

    const checkpoints = children.filter((n): n is Extract<TreeNode, { kind: 'checkpoint' }> => n.kind === 'checkpoint');
    assert.ok(checkpoints.length >= 2);
    assert.ok(checkpoints[0]!.seq > checkpoints[1]!.seq, 'newest checkpoint first');
    const cpItem = api.tree.getTreeItem(checkpoints[0]!);
    assert.match(String(cpItem.label), /^#\d+ /);
    assert.match(String(cpItem.description), /\d+ files?/);
    assert.equal(api.tree.getParent(checkpoints[0]!), feature);

    const files = checkpoints.flatMap((c) => api.tree.getChildren(c)).filter((n) => n.kind === 'file');
    const paths = files.map((n) => (n.kind === 'file' ? n.path : ''));
    assert.ok(paths.includes('src/greeting.ts') && paths.includes('src/extra.ts'), `files: ${paths.join(', ')}`);
    const fileItem = api.tree.getTreeItem(files[0]!);
    assert.equal(fileItem.command?.command, COMMANDS.openCheckpointDiff);
  });

  it('opens the native diff editor on checkpoint documents when a changed file is clicked', async () => {
    const { api, root } = scripted;
    const orch = api.registry.resolve({ repoRoot: root, featureId: ID });
    // The checkpoint that changed greeting.ts a second time (v1 -> v2).
    const touching = orch.listCheckpoints(ID).filter((c) => c.files.some((f) => f.path === 'src/greeting.ts'));
    const last = touching[touching.length - 1]!;
    const node = api.tree.getChildren(api.tree.getChildren().find((n) => n.kind === 'feature' && n.featureId === ID)).find((n) => n.kind === 'checkpoint' && n.seq === last.seq)!;
    const fileNode = api.tree.getChildren(node).find((n) => n.kind === 'file' && n.path === 'src/greeting.ts')!;
    const cmd = api.tree.getTreeItem(fileNode).command!;
    await vscode.commands.executeCommand(cmd.command, ...(cmd.arguments ?? []));

    const tab = await waitFor(
      () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === SCHEMES.checkpoint),
      'a diff tab on checkpoint documents',
      15_000,
    );
    const input = tab.input as vscode.TabInputTextDiff;
    assert.equal(input.original.scheme, SCHEMES.checkpoint);
    assert.ok(input.modified.path.endsWith('/src/greeting.ts'));
    assert.ok(!input.modified.query.includes('greeting ='), 'URIs carry ids, never content');
    const right = (await vscode.workspace.openTextDocument(input.modified)).getText();
    const left = (await vscode.workspace.openTextDocument(input.original)).getText();
    assert.equal(right, "export const greeting = 'v2';\n");
    if (touching.length > 1) assert.equal(left, "export const greeting = 'v1';\n");
    else assert.equal(left, '', 'greeting.ts did not exist before its first checkpoint');
  });

  it('shows the feature as a source control provider with its changes since the base', async () => {
    const { api, root } = scripted;
    const ref = { repoRoot: root, featureId: ID };
    await api.scm.settle();
    const scm = await waitFor(() => {
      const s = api.scm.get(ref);
      return s && (s.count ?? 0) >= 2 ? s : undefined;
    }, 'a source control with two changes', 15_000);
    assert.equal(scm.id, 'aop');
    assert.equal(scm.rootUri?.fsPath, summary(api, root, ID).worktree);
    // Told apart from git's own provider of the same worktree, with rows named inside the worktree.
    assert.equal(scm.label, `${ID} (agent)`);
    const group = api.scm.changes(ref)!;
    assert.equal(group.label, `${ID} changes since base`);
    const rows = group.resourceStates.map((r) => r.resourceUri);
    assert.ok(rows.some((u) => u.path === '/src/greeting.ts'), `rows: ${rows.map(String).join(', ')}`);
    for (const u of rows) assert.ok(!u.path.includes(summary(api, root, ID).worktree!), `${u.toString()} names the worktree's absolute path`);
    const original = await scm.quickDiffProvider!.provideOriginalResource!(vscode.Uri.file(path.join(summary(api, root, ID).worktree!, 'src', 'greeting.ts')), new vscode.CancellationTokenSource().token);
    assert.equal(original?.scheme, SCHEMES.checkpoint);
    assert.equal((await vscode.workspace.openTextDocument(original!)).getText(), '', 'greeting.ts is new since the base');
  });
});
