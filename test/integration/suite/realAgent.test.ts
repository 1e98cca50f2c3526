/**
 * A real agent CLI in the editor: Codex (`codex exec`, a pinned dev dependency) started from the
 * palette on a feature of the demo repository, its model played by the model double. Its writes
 * show as checkpoints in the Features tree, and the one outside the plan as a violation in the
 * tree and in Problems.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AopApi } from '../../../src/extension';
import type { FeatureSummary } from '../../../src/core/orchestrator';
import type { TreeNode } from '../../../src/vscode/tree/nodes';
import { COMMANDS, DIAGNOSTIC_SOURCE, EXTENSION_ID } from '../../../src/vscode/ids';
import { startModelDouble, type ModelDouble } from '../../support/modelDouble';
import { freshHome, realAgentConfig, removeHomes } from '../../support/realAgents';
import { getApi, removeFeature, repoRoot, summary, waitFor } from './helpers';

const ID = 'it-real-codex';

describe('A real agent CLI in the editor (Codex, model double)', () => {
  let api: AopApi;
  let root: string;
  let double: ModelDouble;

  before(async () => {
    api = await getApi();
    root = repoRoot(api);
    double = await startModelDouble({
      turns: [
        {
          steps: [
            { text: 'Adding the greeting.', calls: [{ write: { path: 'src/greet.ts', content: 'export const greet = (n: string) => `hi ${n}`;\n' } }] },
            { calls: [{ write: { path: 'docs/notes.md', content: '# notes outside the plan\n' } }] },
          ],
        },
      ],
    });
  });

  after(async () => {
    await removeFeature(api, root, ID);
    await double.close();
    removeHomes();
  });

  it('starts from the palette, and its checkpoints and its violation show in the tree and Problems', async function () {
    this.timeout(120_000);
    const bin = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'node_modules', '.bin');
    const provider = realAgentConfig({ provider: 'codex', transport: 'plain' }, double, freshHome(), {}, bin);
    const created = await vscode.commands.executeCommand<FeatureSummary | undefined>(COMMANDS.newFeature, {
      repoRoot: root,
      featureId: ID,
      baseRef: 'main',
      spec: '# Greeting\n\nAdd a greeting function in src.\n',
      planYaml: 'version: 1\nallowed:\n  - src/**\n',
      provider,
    });
    assert.ok(created?.worktree, 'feature created');
    await vscode.commands.executeCommand(COMMANDS.startAgent, { repoRoot: root, featureId: ID });

    await waitFor(() => summary(api, root, ID).violations.some((v) => v.kind === 'out_of_scope' && v.path === 'docs/notes.md'), 'the out-of-scope violation', 90_000);
    assert.ok(double.conversation().length >= 2, 'the real CLI talked to the double');

    // The tree: the feature, its checkpoints holding the agent's files, its violation.
    const feature = api.tree.getChildren().find((n): n is Extract<TreeNode, { kind: 'feature' }> => n.kind === 'feature' && n.featureId === ID)!;
    assert.ok(feature, 'the feature is in the tree');
    assert.match(String(api.tree.getTreeItem(feature).contextValue), /\+violations\b/);
    const children = api.tree.getChildren(feature);
    const checkpoints = children.filter((n) => n.kind === 'checkpoint');
    assert.ok(checkpoints.length >= 1, 'checkpoints in the tree');
    const files = checkpoints.flatMap((c) => api.tree.getChildren(c)).filter((n): n is Extract<TreeNode, { kind: 'file' }> => n.kind === 'file');
    assert.ok(files.some((f) => f.path === 'src/greet.ts'), `files: ${files.map((f) => f.path).join(', ')}`);

    // Problems: the diagnostic on the file outside the plan.
    const wt = created.worktree;
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(vscode.Uri.file(path.join(wt, 'docs', 'notes.md'))).filter((x) => x.source === DIAGNOSTIC_SOURCE);
      return d.length ? d : undefined;
    }, 'a diagnostic on docs/notes.md', 20_000);
    assert.equal(diags[0]!.code, 'out_of_scope');
    await vscode.commands.executeCommand(COMMANDS.stopAgent, { repoRoot: root, featureId: ID });
  });
});
