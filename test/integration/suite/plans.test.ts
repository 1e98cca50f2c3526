/**
 * plan.yaml in the editor: its problems in Problems with line and column (from disk for a plan
 * nobody opened, and on every edit), completion and hover from the plan's schema with no YAML
 * extension installed.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AopApi } from '../../../src/extension';
import { PLAN_DIAGNOSTIC_SOURCE } from '../../../src/vscode/plan/planLanguage';
import { getApi, repoRoot, waitFor } from './helpers';

const ID = 'it-plan';

function planProblems(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === PLAN_DIAGNOSTIC_SOURCE);
}

describe('plan.yaml in the editor', () => {
  let api: AopApi;
  let dir: string;
  let uri: vscode.Uri;

  before(async () => {
    api = await getApi();
    dir = path.join(repoRoot(api), '.aop', 'features', ID);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    uri = vscode.Uri.file(path.join(dir, 'plan.yaml'));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the problems of a plan nobody opened, each at its line and column, in a feature folder that arrives whole', async function () {
    this.timeout(60_000);
    // The folder arrives with its plan already in it (as a checkout, a copy or `mkdir` and a quick
    // write do): the file watcher reports the folder, never the file inside it (inotify watches a
    // new folder only after it exists; parcel-bundler/watcher#243).
    const staged = path.join(repoRoot(api), '.aop', `staged-${ID}`);
    fs.mkdirSync(staged, { recursive: true });
    fs.writeFileSync(path.join(staged, 'plan.yaml'), 'version: 1\nallowed:\n  - src/**\nlimits:\n  maxFileBytes: -5\nforbiden:\n  - x\n');
    fs.renameSync(staged, dir);
    const problems = await waitFor(
      () => (planProblems(uri).length >= 2 ? planProblems(uri) : undefined),
      'the plan problems of a file on disk',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; diagnostics now: ${JSON.stringify(vscode.languages.getDiagnostics(uri).map((d) => [d.source, d.message]))}; file: ${JSON.stringify(fs.readFileSync(uri.fsPath, 'utf8'))}`);
    });
    const byLine = problems.map((d) => [d.range.start.line, d.range.start.character, d.message]).sort();
    assert.equal(byLine.length, 2);
    assert.deepEqual(byLine[0]!.slice(0, 2), [4, 16]);
    assert.match(String(byLine[0]![2]), /^limits\.maxFileBytes: expected a positive integer/);
    assert.deepEqual(byLine[1]!.slice(0, 2), [5, 0]);
    assert.match(String(byLine[1]![2]), /forbiden: unknown key in the plan; known keys are: version, allowed, forbidden/);
    assert.ok(problems.every((d) => d.severity === vscode.DiagnosticSeverity.Error));
  });

  it('checks again on every edit, before saving', async function () {
    this.timeout(60_000);
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.replace(new vscode.Range(4, 16, 4, 18), '1000'));
    await editor.edit((e) => e.replace(new vscode.Range(5, 0, 5, 8), 'forbidden'));
    await waitFor(() => planProblems(uri).length === 0, 'the problems to clear as the plan is fixed');
    assert.equal(doc.isDirty, true, 'fixed in the editor, not yet saved');
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'bogus: 1\n'));
    await waitFor(() => planProblems(uri).some((d) => d.range.start.line === 0 && /^bogus: unknown key/.test(d.message)), 'a new problem on the inserted line');
    await vscode.commands.executeCommand('undo');
    await waitFor(() => planProblems(uri).length === 0, 'the problem to go with the undo');
  });

  it('completes keys and values and explains them on hover, from the schema', async function () {
    this.timeout(60_000);
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.insert(new vscode.Position(doc.lineCount - 1, 0), 'policy:\n  secretScan: \n'));
    const at = (line: number, ch: number) => vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(line, ch));
    const label = (i: vscode.CompletionItem) => (typeof i.label === 'string' ? i.label : i.label.label);
    const values = await at(doc.lineCount - 2, '  secretScan: '.length);
    assert.ok(values.items.some((i) => label(i) === 'true') && values.items.some((i) => label(i) === 'false'), 'true and false for a switch');
    const keys = await at(doc.lineCount - 1, 0);
    const names = keys.items.map(label);
    assert.ok(names.includes('gates') && names.includes('severity') && names.includes('exclusive'), `top-level keys offered: ${names.join(', ')}`);
    assert.ok(!names.includes('allowed'), 'a key already present is not offered');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(4, 5));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(text, /limits\.maxFileBytes.*\n\nLargest size in bytes/);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
