/**
 * Gates and accept in the real editor: "Run Gates" runs a passing and a failing gate, the
 * Features tree shows each result and opens its captured output; "Accept Feature" is blocked by
 * the failing required gate; with only passing gates a squash lands on a base branch that is not
 * checked out (that branch moves, the user's checkout does not), and on the checked-out branch
 * the person is told the one command that finishes the job.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AcceptOutcome } from '../../../src/core/accept';
import type { GateRun } from '../../../src/core/gates';
import type { AopApi } from '../../../src/extension';
import { COMMANDS, SCHEMES } from '../../../src/vscode/ids';
import type { TreeNode } from '../../../src/vscode/tree/nodes';
import { git, summary, useScriptedFeature, waitFor } from './helpers';

const GATED = 'it-gates';
const LANDS = 'it-accept';
const FINISH = 'it-accept-main';
const BASE = 'it-accept-base';

const GATED_PLAN = `version: 1
allowed:
  - src/**
gates:
  - { name: ok, run: "true" }
  - { name: fail, run: "false", requiredForAccept: true }
`;
const PASSING_PLAN = `version: 1
allowed:
  - src/**
gates:
  - { name: ok, run: "true" }
`;

function featureNode(api: AopApi, id: string): TreeNode {
  const n = api.tree.getChildren().find((x) => x.kind === 'feature' && x.featureId === id);
  assert.ok(n, `${id} is in the tree`);
  return n;
}

describe('Gates and accept', () => {
  const gated = useScriptedFeature(GATED, 'steps: []\n', { cleanup: async () => void (await vscode.commands.executeCommand('workbench.action.closeAllEditors')) });
  const lands = useScriptedFeature(LANDS, 'steps: []\n');
  const finish = useScriptedFeature(FINISH, 'steps: []\n');
  // After the features are gone (hooks run in the order they are declared).
  after(() => {
    if (git(gated.root, 'branch', '--list', BASE)) git(gated.root, 'branch', '-D', BASE);
  });

  it('runs a passing and a failing gate; the tree shows pass and fail, and opens the captured output', async function () {
    this.timeout(60_000);
    const { api, root } = gated;
    const created = await gated.create({ planYaml: GATED_PLAN });
    fs.writeFileSync(path.join(created.worktree!, 'src', 'gated.ts'), 'export const gated = true;\n');

    const runs = await vscode.commands.executeCommand<GateRun[]>(COMMANDS.runGates, { repoRoot: root, featureId: GATED, gates: ['ok', 'fail'] });
    assert.deepEqual(runs?.map((r) => [r.name, r.passed, r.exitCode]), [['ok', true, 0], ['fail', false, 1]]);
    const seq = runs![1]!.seq;
    assert.ok(api.registry.resolve({ repoRoot: root, featureId: GATED }).listCheckpoints(GATED).some((c) => c.files.some((f) => f.path === 'src/gated.ts')), 'the gates judged a checkpoint holding the write');

    const gatesNode = await waitFor(() => api.tree.getChildren(featureNode(api, GATED)).find((n) => n.kind === 'gates'), 'a Gates row under the feature', 10_000);
    const gatesItem = await waitFor(() => {
      const item = api.tree.getTreeItem(gatesNode);
      return /1 passed, 1 failed/.test(String(item.description)) ? item : undefined;
    }, 'the Gates row to count the results', 10_000);
    assert.equal(gatesItem.description, `#${seq}: 1 passed, 1 failed`);
    const rows = new Map(api.tree.getChildren(gatesNode).map((n) => [n.kind === 'gate' ? n.name : '', api.tree.getTreeItem(n)]));
    assert.deepEqual([...rows.keys()], ['ok', 'fail'], 'plan order');
    assert.match(String(rows.get('ok')!.description), /^passed · \d+ ms · required$/);
    assert.equal((rows.get('ok')!.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.match(String(rows.get('fail')!.description), /^failed \(exit 1\) · required$/);
    assert.equal((rows.get('fail')!.iconPath as vscode.ThemeIcon).id, 'error');
    assert.equal(api.tree.getParent(api.tree.getChildren(gatesNode)[0]!), gatesNode);

    // Clicking the failed gate opens its output, read-only, from the event log.
    const click = rows.get('fail')!.command!;
    assert.equal(click.command, COMMANDS.showGateOutput);
    await vscode.commands.executeCommand(click.command, ...(click.arguments ?? []));
    const editor = await waitFor(() => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.scheme === SCHEMES.gateOutput ? e : undefined;
    }, 'the gate output editor', 10_000);
    const text = editor.document.getText();
    assert.match(text, new RegExp(`^Gate "fail" failed on checkpoint #${seq} of feature ${GATED} \\(exit 1`));
    assert.match(text, /\[aop\] gate "fail" ran `false`/);
  });

  it('blocks accept while a required gate fails, and the summary says why', async function () {
    this.timeout(60_000);
    const { api, root } = gated;
    const mainBefore = git(root, 'rev-parse', 'main');
    const outcome = await vscode.commands.executeCommand<AcceptOutcome>(COMMANDS.acceptFeature, { repoRoot: root, featureId: GATED, strategy: 'squash' });
    assert.equal(outcome?.status, 'blocked');
    assert.ok(outcome.status === 'blocked' && outcome.reasons.some((r) => /Required gate "fail" failed/.test(r)), `reasons: ${outcome.status === 'blocked' ? outcome.reasons.join(' | ') : ''}`);
    const shown = api.testing.lastConfirmation();
    assert.match(shown?.message ?? '', /cannot be accepted yet/);
    assert.match(shown?.detail ?? '', /✗ fail \(required\) failed on #\d+, exit 1/);
    assert.match(shown?.detail ?? '', /✓ ok \(required\) passed/);
    assert.match(shown?.detail ?? '', /A src\/gated\.ts/);
    assert.equal(git(root, 'rev-parse', 'main'), mainBefore, 'nothing moved');
    assert.equal(summary(api, root, GATED).status, 'active', 'the feature is still there');
  });

  it('lands a squash on a base branch that is not checked out: that branch moves, the checkout does not', async function () {
    this.timeout(90_000);
    const { api, root } = gated;
    git(root, 'branch', BASE, 'main');
    const baseBefore = git(root, 'rev-parse', BASE);
    const created = await lands.create({ planYaml: PASSING_PLAN, baseRef: BASE });
    fs.writeFileSync(path.join(created.worktree!, 'src', 'accepted.ts'), 'export const accepted = 1;\n');
    const head = git(root, 'rev-parse', 'HEAD');
    const status = git(root, 'status', '--porcelain', '--untracked-files=all');

    // The required gate has not run: preparing the accept runs it.
    const outcome = await vscode.commands.executeCommand<AcceptOutcome>(COMMANDS.acceptFeature, { repoRoot: root, featureId: LANDS, strategy: 'squash' });
    assert.equal(outcome?.status, 'landed', JSON.stringify(outcome && 'reasons' in outcome ? outcome.reasons : outcome?.status));
    assert.ok(outcome.status === 'landed');
    assert.equal(outcome.ref, `refs/heads/${BASE}`);
    assert.deepEqual(outcome.summary.gates.map((g) => [g.name, g.status]), [['ok', 'passed']]);
    assert.match(api.testing.lastConfirmation()?.message ?? '', new RegExp(`Accept feature "${LANDS}" into ${BASE}\\?`));

    assert.equal(git(root, 'rev-parse', BASE), outcome.commit, `${BASE} points at the result`);
    assert.equal(git(root, 'rev-parse', `${BASE}^`), baseBefore, 'one squashed commit on top of the old tip');
    assert.equal(git(root, 'show', `${BASE}:src/accepted.ts`), 'export const accepted = 1;');
    assert.equal(git(root, 'rev-parse', 'HEAD'), head, "the user's HEAD did not move");
    assert.equal(git(root, 'symbolic-ref', 'HEAD'), 'refs/heads/main');
    assert.equal(git(root, 'status', '--porcelain', '--untracked-files=all'), status, "the user's checkout and index are as they were");
    assert.equal(fs.existsSync(path.join(root, 'src', 'accepted.ts')), false);
    await waitFor(() => summary(api, root, LANDS).status === 'archived', 'the accepted feature to be archived (its worktree removed, listed under Accepted / archived)', 15_000);
    assert.equal(fs.existsSync(created.worktree!), false);
  });

  it('on the checked-out branch, leaves the branch alone and gives the command that finishes in the checkout', async function () {
    this.timeout(90_000);
    const { root } = gated;
    const created = await finish.create({ planYaml: PASSING_PLAN });
    fs.writeFileSync(path.join(created.worktree!, 'src', 'finish.ts'), 'export const finish = 1;\n');
    const mainBefore = git(root, 'rev-parse', 'main');
    const outcome = await vscode.commands.executeCommand<AcceptOutcome>(COMMANDS.acceptFeature, { repoRoot: root, featureId: FINISH, strategy: 'squash' });
    assert.equal(outcome?.status, 'finish-in-checkout');
    assert.ok(outcome.status === 'finish-in-checkout');
    assert.equal(git(root, 'rev-parse', 'main'), mainBefore, 'main is checked out: it is not moved under the working tree');
    assert.equal(git(root, 'rev-parse', `refs/aop/${FINISH}/accepted`), outcome.commit);
    assert.equal(fs.realpathSync(outcome.checkout!), fs.realpathSync(root));
    assert.match(outcome.instructions, new RegExp(`git merge --ff-only ${outcome.commit}`));
  });
});
