/**
 * Agents people can configure: a custom command line kept with its feature and run in its
 * worktree; no start without a valid plan; a feature with nothing chosen starts with an agent
 * that can run, never the scripted one without a script.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FeatureSummary } from '../../../src/core/orchestrator';
import type { AopApi } from '../../../src/extension';
import { defaultAgent } from '../../../src/vscode/agents/agentChoice';
import { COMMANDS } from '../../../src/vscode/ids';
import { getApi, readIf, removeFeature, repoRoot, summary, waitFor } from './helpers';

const CUSTOM = 'it-custom';
const BROKEN = 'it-broken-plan';
const PLAN = 'version: 1\nallowed:\n  - src/**\n';

describe('Agent setup', () => {
  let api: AopApi;
  let root: string;

  before(async () => {
    api = await getApi();
    root = repoRoot(api);
  });

  after(async () => {
    for (const id of [CUSTOM, BROKEN]) await removeFeature(api, root, id);
  });

  it('runs a custom command line kept with its feature, in its worktree', async function () {
    this.timeout(90_000);
    const template = `sh -c 'cat "$1" > src/from-custom.md; echo custom agent done' sh {promptFile}`;
    const created = await vscode.commands.executeCommand<FeatureSummary | undefined>(COMMANDS.newFeature, {
      repoRoot: root,
      featureId: CUSTOM,
      baseRef: 'main',
      spec: '# custom\n\nWrite the spec back.\n',
      planYaml: PLAN,
      provider: { provider: 'custom', template },
    });
    assert.ok(created?.worktree);
    const state = JSON.parse(fs.readFileSync(path.join(root, '.aop', 'features', CUSTOM, 'state.json'), 'utf8')) as { provider?: { template?: string } };
    assert.equal(state.provider?.template, template, 'the command line is stored with the feature');
    await vscode.commands.executeCommand(COMMANDS.startAgent, { repoRoot: root, featureId: CUSTOM });
    const out = path.join(created.worktree, 'src', 'from-custom.md');
    await waitFor(() => readIf(out)?.includes('Write the spec back.'), 'the custom agent to write the spec into its worktree', 45_000);
    await waitFor(() => summary(api, root, CUSTOM).agentState === 'exited', 'the custom agent to exit', 30_000);
    await waitFor(() => summary(api, root, CUSTOM).lastCheckpoint, 'a checkpoint of its write', 30_000);
  });

  it('does not start an agent while its plan is broken', async function () {
    this.timeout(90_000);
    const created = await vscode.commands.executeCommand<FeatureSummary | undefined>(COMMANDS.newFeature, {
      repoRoot: root,
      featureId: BROKEN,
      baseRef: 'main',
      spec: '# broken\n',
      planYaml: PLAN,
      provider: { provider: 'custom', template: `sh -c 'echo ran > src/ran.txt'` },
    });
    assert.ok(created?.worktree);
    fs.writeFileSync(path.join(root, '.aop', 'features', BROKEN, 'plan.yaml'), 'version: 1\nallowed: src/**\n');
    const state = await vscode.commands.executeCommand(COMMANDS.startAgent, { repoRoot: root, featureId: BROKEN });
    assert.equal(state, undefined, 'the start was refused');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(summary(api, root, BROKEN).agentState, undefined);
    assert.equal(fs.existsSync(path.join(created.worktree, 'src', 'ran.txt')), false, 'the agent never ran');
  });

  it('defaults to an agent that can run: the scripted one only for a feature with a script', () => {
    const ctx = (featureId: string) => ({ repoRoot: root, featureId, settings: { providers: {} } as never, explicitDefault: undefined });
    assert.equal(defaultAgent(ctx('demo')), 'scripted', 'the demo feature has agent.yaml');
    assert.notEqual(defaultAgent(ctx('no-script-here')), 'scripted');
  });
});
