import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'aop-team.aop-vscode';

describe('activation', () => {
  it('activates and returns its API', async () => {
    const ext = vscode.extensions.getExtension<{ version: string }>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded in this VS Code`);
    const api = await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(api.version, ext.packageJSON.version);
    assert.match(api.version, /^\d+\.\d+\.\d+/);
  });

  it('registers aop.showVersion', async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('aop.showVersion'), 'aop.showVersion is not among the registered commands');
  });

  it('opened the demo repository as the workspace', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder is open');
    assert.equal(folder.uri.scheme, 'file');
    const plan = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, '.aop/features/demo/plan.yaml'));
    assert.match(Buffer.from(plan).toString('utf8'), /allowed:/);
  });
});
