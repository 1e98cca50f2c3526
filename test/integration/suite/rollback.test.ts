/** Rollback from the command palette (arguments instead of quick picks) restores files on disk, and undo brings them back. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RollbackResult } from '../../../src/core/rollback/rollbackService';
import { COMMANDS } from '../../../src/vscode/ids';
import { readIf, useScriptedFeature, waitFor } from './helpers';

const ID = 'it-rollback';
const SCRIPT = `steps:
  - write: { path: src/story.ts, content: "first\\n" }
  - sleep: 600
  - write: { path: src/story.ts, content: "second\\n" }
  - write: { path: src/later.ts, content: "later\\n" }
`;

describe('Rollback commands', () => {
  const feature = useScriptedFeature(ID, SCRIPT);

  it('rolls back to a checkpoint after a confirmation listing the changes, and undoes it', async function () {
    this.timeout(90_000);
    const { api, root } = feature;
    const wt = (await feature.create()).worktree!;
    await feature.start();
    const orch = api.registry.resolve({ repoRoot: root, featureId: ID });
    await waitFor(() => readIf(path.join(wt, 'src/later.ts')) === 'later\n' && orch.listCheckpoints(ID).some((c) => c.files.some((f) => f.path === 'src/later.ts')), 'the agent to finish writing', 45_000);
    const first = orch.listCheckpoints(ID).find((c) => c.files.some((f) => f.path === 'src/story.ts'))!;
    const storyAtFirst = (await orch.readFileAt(ID, first.seq, 'src/story.ts'))?.toString('utf8');
    assert.ok(storyAtFirst === 'first\n' || storyAtFirst === 'second\n');

    const r = await vscode.commands.executeCommand<RollbackResult>(COMMANDS.rollbackToCheckpoint, { repoRoot: root, featureId: ID, seq: first.seq });
    assert.ok(r?.ok, 'the rollback ran');
    const asked = api.testing.lastConfirmation();
    assert.match(asked?.message ?? '', new RegExp(`Roll back feature "${ID}" to checkpoint #${first.seq}\\?`));
    assert.match(asked?.detail ?? '', /src\/later\.ts/, 'the confirmation lists what will change');
    assert.equal(readIf(path.join(wt, 'src/story.ts')), storyAtFirst);
    assert.equal(readIf(path.join(wt, 'src/later.ts')), undefined, 'a file created after the checkpoint is removed');

    const u = await vscode.commands.executeCommand<RollbackResult>(COMMANDS.undoRollback, { repoRoot: root, featureId: ID });
    assert.ok(u?.ok);
    assert.equal(readIf(path.join(wt, 'src/story.ts')), 'second\n');
    assert.equal(readIf(path.join(wt, 'src/later.ts')), 'later\n');
  });

  it('restores chosen files from the base with "Roll Back Files"', async () => {
    const { api, root } = feature;
    const wt = api.registry.resolve({ repoRoot: root, featureId: ID }).summary(ID).worktree!;
    const r = await vscode.commands.executeCommand<RollbackResult>(COMMANDS.rollbackFiles, { repoRoot: root, featureId: ID, seq: 0, paths: ['src/story.ts'] });
    assert.deepEqual(r?.paths, ['src/story.ts']);
    assert.equal(readIf(path.join(wt, 'src/story.ts')), undefined, 'story.ts did not exist in the base');
    assert.equal(readIf(path.join(wt, 'src/later.ts')), 'later\n', 'other files stay');
  });
});
