/**
 * Out-of-scope writes become diagnostics on the files in the feature's worktree, with a quick
 * fix; reverting one file clears its diagnostics, and a smart rollback clears the rest.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../../src/vscode/ids';
import { readIf, useScriptedFeature, violationDiagnostics, waitFor } from './helpers';

const ID = 'it-diag';
// Shell writes bypass the checked ACP file API, so they land and the watchdog flags them.
const SCRIPT = `steps:
  - write: { path: src/fine.ts, content: "export const fine = true;\\n" }
  - run: { command: "echo stray > docs/stray.md && echo notes >> docs/notes.md", ask: false }
`;

describe('Violation diagnostics', () => {
  const feature = useScriptedFeature(ID, SCRIPT, {
    cleanup: async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    },
  });

  it('marks files written outside the plan, with severity, source and the violation kind as code', async function () {
    this.timeout(90_000);
    await feature.create();
    await feature.start();
    const stray = vscode.Uri.file(path.join(feature.worktree, 'docs', 'stray.md'));
    const notes = vscode.Uri.file(path.join(feature.worktree, 'docs', 'notes.md'));
    await waitFor(() => violationDiagnostics(stray).length > 0 && violationDiagnostics(notes).length > 0, 'diagnostics on docs/stray.md and docs/notes.md', 45_000);
    const d = violationDiagnostics(stray)[0]!;
    assert.equal(d.code, 'out_of_scope');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.match(d.message, /outside the plan/);
    assert.equal(violationDiagnostics(vscode.Uri.file(path.join(feature.worktree, 'src', 'fine.ts'))).length, 0, 'in-scope files carry no diagnostics');

    // The tree's Violations row: an error icon for errors, and a label that describes the row.
    const { tree } = feature.api;
    tree.refresh();
    const node = await waitFor(() => tree.getChildren().find((n) => n.kind === 'feature' && n.featureId === ID), 'the feature in the tree');
    const row = await waitFor(() => {
      const r = tree.getChildren(node).find((n) => n.kind === 'info' && n.key === 'violations');
      return r && /^Violations: [1-9]/.test(String(tree.getTreeItem(r).label)) ? tree.getTreeItem(r) : undefined;
    }, 'the Violations row to count them');
    assert.equal((row.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match(String(row.description), /^\d+ errors?$/);
    assert.equal(row.accessibilityInformation?.label, `Violations of the plan: ${String(row.description)}. Opens Problems.`);
  });

  it('offers "Revert this file to the last clean checkpoint", which restores that file only', async function () {
    this.timeout(60_000);
    const notes = vscode.Uri.file(path.join(feature.worktree, 'docs', 'notes.md'));
    const doc = await vscode.workspace.openTextDocument(notes);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', notes, new vscode.Range(0, 0, 0, 1));
    const revert = actions.find((a) => a.title === 'Revert this file to the last clean checkpoint');
    assert.ok(revert?.command, `no revert action among: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(revert.kind && vscode.CodeActionKind.QuickFix.contains(revert.kind), 'it is a quick fix');
    assert.ok(doc.getText().includes('notes'));
    await vscode.commands.executeCommand(revert.command.command, ...(revert.command.arguments ?? []));
    assert.match(feature.api.testing.lastConfirmation()?.detail ?? '', /docs\/notes\.md/, 'the confirmation lists the file');
    const base = readIf(path.join(feature.root, 'docs', 'notes.md'));
    assert.equal(readIf(notes.fsPath), base, 'notes.md is back to its base content');
    await waitFor(() => violationDiagnostics(notes).length === 0, 'diagnostics on notes.md to go', 15_000);
    assert.ok(violationDiagnostics(vscode.Uri.file(path.join(feature.worktree, 'docs', 'stray.md'))).length > 0, 'the other file keeps its diagnostics');
  });

  it('clears the diagnostics after a smart rollback from the command palette', async function () {
    this.timeout(60_000);
    const stray = vscode.Uri.file(path.join(feature.worktree, 'docs', 'stray.md'));
    await vscode.commands.executeCommand(COMMANDS.smartRollback, feature.ref());
    assert.match(feature.api.testing.lastConfirmation()?.detail ?? '', /delete docs\/stray\.md/);
    assert.equal(fs.existsSync(stray.fsPath), false, 'the out-of-scope file is gone');
    assert.equal(readIf(path.join(feature.worktree, 'src', 'fine.ts')), 'export const fine = true;\n', 'in-scope work is kept');
    await waitFor(() => violationDiagnostics(stray).length === 0, 'diagnostics on stray.md to go', 15_000);
  });
});
