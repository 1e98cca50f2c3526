/** Pause and resume from commands: the agent's state changes and its counter file stops while paused. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../../src/vscode/ids';
import { readIf, summary, useScriptedFeature, waitFor } from './helpers';

const ID = 'it-pause';
const TICK_MS = 40;
const SCRIPT = `steps:
  - tick: { path: src/counter.txt, everyMs: ${TICK_MS}, times: 100000 }
`;

function counter(file: string): number {
  return Number(readIf(file) ?? 0);
}

describe('Agent control', () => {
  const feature = useScriptedFeature(ID, SCRIPT);

  it('pauses and resumes the agent from commands; the counter stops while paused', async function () {
    this.timeout(90_000);
    await feature.create();
    const file = path.join(feature.worktree, 'src', 'counter.txt');
    await feature.start();
    await waitFor(() => counter(file) >= 5, 'the counter to reach 5', 45_000);
    assert.ok(vscode.window.terminals.some((t) => t.name === `Agent: ${ID}`), 'the agent has a terminal');

    const paused = await vscode.commands.executeCommand(COMMANDS.pauseAgent, feature.ref());
    assert.equal(paused, 'paused');
    assert.equal(summary(feature.api, feature.root, ID).agentState, 'paused');
    await waitFor(() => feature.api.statusBar.counts().paused === 1, 'the status bar to count one paused agent', 5_000);
    // A write already in flight may still land; after that the value must hold still.
    await new Promise((r) => setTimeout(r, TICK_MS * 3));
    const held = counter(file);
    // While running, this wait would advance the counter by about 25.
    await new Promise((r) => setTimeout(r, TICK_MS * 25));
    assert.equal(counter(file), held, 'the counter did not change while paused');

    const resumed = await vscode.commands.executeCommand(COMMANDS.resumeAgent, feature.ref());
    assert.equal(resumed, 'running');
    await waitFor(() => counter(file) > held + 2, 'the counter to move again after resume', 15_000);

    await vscode.commands.executeCommand(COMMANDS.stopAgent, feature.ref());
    await waitFor(() => ['exited', 'failed'].includes(summary(feature.api, feature.root, ID).agentState ?? ''), 'the agent to stop', 20_000);
  });
});
