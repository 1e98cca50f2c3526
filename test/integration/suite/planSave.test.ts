/**
 * Saving a feature's plan in the editor puts it in force at once, while its agent runs: no
 * "…plan.yaml changed on disk and is not in force until you review it" warning, no violation,
 * the agent not paused. Also for a plan with a UTF-8 byte order mark (the editor keeps it on
 * save, and its text does not hold it).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isLive } from '../../../src/core/agents';
import { COMMANDS } from '../../../src/vscode/ids';
import { summary, useScriptedFeature, waitFor } from './helpers';

const ID = 'it-plan-save';
const SCRIPT = `steps:
  - sleep: 120000
`;

describe('A plan saved in the editor', () => {
  const feature = useScriptedFeature(ID, SCRIPT, { cleanup: async () => void (await vscode.commands.executeCommand('workbench.action.closeAllEditors')) });
  const told: string[] = [];
  let planFile: string;

  let sub: vscode.Disposable | undefined;
  before(() => {
    sub = feature.api.outside.onDidAnnounce((text) => told.push(text));
  });
  after(() => sub?.dispose());

  const orch = () => feature.api.registry.get(feature.root)!;
  /** How many times the event log says a changed plan was put in force. */
  const applied = async () => (await orch().events(ID)).filter((e) => e.t === 'warning' && /plan\.yaml as changed on disk was applied/.test(e.message)).length;

  /** Starts the agent, then adds a comment line to the plan in the editor and saves. */
  async function saveInEditor(comment: string): Promise<void> {
    const running = orch().session(ID);
    if (running && isLive(running.state)) await vscode.commands.executeCommand(COMMANDS.stopAgent, feature.ref());
    await feature.start();
    await waitFor(() => summary(feature.api, feature.root, ID).agentState === 'running', 'the agent to run', 30_000);
    const before = await applied();
    told.length = 0;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(planFile));
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), `# ${comment}\n`));
    assert.ok(await doc.save(), 'saved');
    await waitFor(async () => (await applied()) > before, 'the saved plan to be put in force', 30_000);
    assert.deepEqual(told.filter((t) => /plan\.yaml/.test(t)), [], 'no warning about the plan');
    const s = summary(feature.api, feature.root, ID);
    assert.deepEqual(s.violations.map((v) => v.kind), []);
    assert.equal(s.agentState, 'running', 'the agent was not paused');
    assert.deepEqual(await orch().guards.pendingChanges(ID), []);
    await vscode.commands.executeCommand(COMMANDS.stopAgent, feature.ref());
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }

  it('is in force at once while the agent runs, with no "not in force" warning', async function () {
    this.timeout(90_000);
    await feature.create();
    planFile = path.join(feature.root, '.aop', 'features', ID, 'plan.yaml');
    await saveInEditor('widened in the editor');
  });

  it('also with a byte order mark', async function () {
    this.timeout(90_000);
    // The plan in force starts with a BOM (written here and applied, as a reviewed change would be).
    fs.writeFileSync(planFile, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fs.readFileSync(planFile)]));
    const [pending] = await orch().guards.pendingChanges(ID);
    assert.ok(pending, 'the BOM is a change');
    await orch().guards.confirm(ID, 'plan', pending.onDiskSha);
    await saveInEditor('saved with its byte order mark');
    assert.deepEqual([...fs.readFileSync(planFile).subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the editor kept the BOM');
  });
});
