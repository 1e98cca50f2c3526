/**
 * Two features change the same file: the Features tree says "1 shared file" on each, and the
 * file carries an information diagnostic whose related information opens the other feature's
 * version of it (a checkpoint document of that feature's latest checkpoint).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS, DIAGNOSTIC_SOURCE, SCHEMES, SHARED_FILE_CODE } from '../../../src/vscode/ids';
import { summary, useScriptedFeature, waitFor } from './helpers';

const A = 'it-col-a';
const B = 'it-col-b';
const SHARED = 'src/shared.ts';

describe('Collisions between features', () => {
  const features = [useScriptedFeature(A, 'steps: []\n'), useScriptedFeature(B, 'steps: []\n')];

  it('marks the shared file on both features, pointing at the other feature’s version', async function () {
    this.timeout(60_000);
    const { api, root } = features[0]!;
    const worktrees: Record<string, string> = {};
    for (const feature of features) {
      const id = feature.id;
      worktrees[id] = (await feature.create()).worktree!;
      fs.writeFileSync(path.join(worktrees[id]!, ...SHARED.split('/')), `export const owner = '${id}';\n`);
      await vscode.commands.executeCommand(COMMANDS.checkpointNow, { repoRoot: root, featureId: id });
    }
    await waitFor(() => (summary(api, root, A).collisions ?? []).some((c) => c.path === SHARED && c.otherFeature === B), 'the collision to be computed', 15_000);

    const featureItem = (id: string) => {
      const node = api.tree.getChildren().find((n) => n.kind === 'feature' && n.featureId === id)!;
      return api.tree.getTreeItem(node);
    };
    await waitFor(() => /1 shared file\b/.test(String(featureItem(A).description)) && /1 shared file\b/.test(String(featureItem(B).description)), 'both features to say "1 shared file"', 10_000);

    const uri = vscode.Uri.file(path.join(worktrees[A]!, ...SHARED.split('/')));
    const diag = await waitFor(() => vscode.languages.getDiagnostics(uri).find((d) => d.source === DIAGNOSTIC_SOURCE && d.code === SHARED_FILE_CODE), 'the shared-file diagnostic', 10_000);
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Information);
    assert.match(diag.message, new RegExp(`also changed by feature "${B}"`));
    const related = diag.relatedInformation?.[0];
    assert.ok(related, 'related information points at the other version');
    assert.equal(related.location.uri.scheme, SCHEMES.checkpoint);
    const q = new URLSearchParams(related.location.uri.query);
    assert.equal(q.get('feature'), B);
    assert.equal(q.get('at'), String(summary(api, root, B).lastCheckpoint?.seq));
    assert.ok(related.location.uri.path.endsWith(`/${SHARED}`));
    assert.equal((await vscode.workspace.openTextDocument(related.location.uri)).getText(), `export const owner = '${B}';\n`);

    // Not a violation: no "revert" quick fix is offered for it.
    const doc = await vscode.workspace.openTextDocument(uri);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, new vscode.Range(0, 0, 0, 1));
    assert.ok(!(actions ?? []).some((a) => a.command?.command === COMMANDS.revertFileToClean), 'no revert offered for a shared file');
  });
});
