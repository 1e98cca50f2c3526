/**
 * Supervising agents from VS Code: a review comment written in the editor's comments goes to the
 * scripted agent and its thread says when the agent acknowledged it; a permission request waits
 * in the Needs you view (and the status bar counts it) until answered there; Pause All stops every
 * running agent's whole process group (seen in /proc), Resume All and Stop All follow.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BulkAgentResult } from '../../../src/core/orchestrator';
import type { ReviewThread } from '../../../src/shared/review';
import { COMMANDS } from '../../../src/vscode/ids';
import { groupProcesses, processState } from '../../support/processes';
import { summary, useScriptedFeature, waitFor } from './helpers';

const REVIEW_SCRIPT = `steps:
  - write: { path: src/b.ts, content: "alpha\\nbeta\\ngamma\\n" }
  - waitForMessage: true
  - write: { path: src/b.ts, content: "alpha\\nBETA fixed\\ngamma\\n" }
  - waitForMessage: true
`;
const ASK_SCRIPT = `steps:
  - run: "echo ran > src/ran.txt"
  - waitForMessage: true
`;
const TICK_SCRIPT = (name: string) => `steps:
  - tick: { path: src/${name}.txt, everyMs: 50, times: 100000 }
`;

describe('Supervision', () => {
  describe('review comments in the editor', () => {
    const feature = useScriptedFeature('it-review', REVIEW_SCRIPT, { cleanup: async () => void (await vscode.commands.executeCommand('workbench.action.closeAllEditors')) });

    it('a comment on a line of the feature\'s file reaches the agent, which acknowledges it; the thread sees the line change', async function () {
      this.timeout(120_000);
      await feature.create({ planYaml: 'version: 1\nallowed:\n  - src/**\nbudget:\n  filesChanged: 50\n' });
      await feature.start();
      const file = path.join(feature.worktree, 'src', 'b.ts');
      await waitFor(() => fs.existsSync(file), 'the agent\'s first write', 45_000);
      const uri = vscode.Uri.file(file);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));

      // What the gutter's "+" and the comment box do: an empty thread on line 2, then the comment command.
      const thread = feature.api.reviewComments.controller.createCommentThread(uri, new vscode.Range(1, 0, 1, 0), []);
      const t = await vscode.commands.executeCommand<ReviewThread | undefined>(COMMANDS.reviewComment, { thread, text: 'beta is wrong: fix it.' });
      assert.ok(t, 'the comment was saved');
      assert.equal(t.state, 'draft');
      assert.equal(t.path, 'src/b.ts');
      assert.deepEqual([t.startLine, t.endLine], [2, 2]);
      assert.match(thread.label ?? '', /^Draft: not sent yet \(line 2 of #\d+\)$/);
      assert.equal(thread.comments[0]?.body instanceof vscode.MarkdownString ? thread.comments[0].body.value : thread.comments[0]?.body, 'beta is wrong: fix it.');

      const sent = await vscode.commands.executeCommand<{ messageId: string } | undefined>(COMMANDS.reviewSend, thread);
      assert.ok(sent?.messageId, 'Send Review sent a message');
      await waitFor(() => /acknowledged by the agent/.test(thread.label ?? ''), 'the thread to say the agent acknowledged the review', 45_000);
      const events = await feature.api.registry.resolve(feature.ref()).events(feature.id);
      const message = events.find((e) => e.t === 'message' && e.id === sent.messageId && e.text !== undefined);
      assert.ok(message && message.t === 'message');
      assert.match(message.text!, new RegExp(`src/b\\.ts, line 2 \\(checkpoint #${t.seq}\\):\\n {3}\\| beta\\n {3}beta is wrong: fix it\\.`));
      await waitFor(() => /lines changed in checkpoint #\d+/.test(thread.label ?? ''), 'the thread to see its line rewritten by the agent', 45_000);

      // The feature's row says how far it is into its budget.
      const row = feature.api.tree.getChildren().find((n) => n.kind === 'feature' && n.featureId === feature.id)!;
      await waitFor(() => {
        const tip = feature.api.tree.getTreeItem(row).tooltip;
        return tip instanceof vscode.MarkdownString && tip.value.includes('Budgets: files changed 1 file of 50 files');
      }, 'the tooltip to show the files-changed budget and its usage', 20_000);

      await vscode.commands.executeCommand(COMMANDS.reviewResolve, thread);
      await waitFor(() => thread.state === vscode.CommentThreadState.Resolved && /^Resolved/.test(thread.label ?? ''), 'the thread to be resolved', 10_000);
    });
  });

  describe('Needs you', () => {
    const feature = useScriptedFeature('it-ask', ASK_SCRIPT);

    it('holds a permission request in the view and the status bar count until it is allowed there', async function () {
      this.timeout(120_000);
      await feature.create();
      await feature.start();
      const { view, treeView } = feature.api.needsYou;
      const item = await waitFor(() => view.current().find((i) => i.kind === 'permission' && i.featureId === feature.id), 'the permission request in Needs you', 45_000);
      assert.match(item.title, /Run echo ran > src\/ran\.txt/);
      assert.match(item.detail, /running one is always asked/, 'the item says which rule made it an ask');
      assert.deepEqual(item.actions, ['allow', 'deny']);
      const row = view.getTreeItem(item);
      assert.match(String(row.contextValue), /\+allow\b.*\+deny\b/, 'allow and deny are offered on the row');
      assert.ok(feature.api.needsYou.notifier.notified.includes(item.id), 'an urgent item raises a notification');
      await waitFor(() => feature.api.statusBar.counts().needsYou >= 1, 'the status bar to count it', 10_000);
      assert.ok((treeView.badge?.value ?? 0) >= 1, 'the view carries a badge');
      const ran = path.join(feature.worktree, 'src', 'ran.txt');
      assert.equal(fs.existsSync(ran), false, 'nothing runs before the answer');

      assert.equal(await vscode.commands.executeCommand(COMMANDS.needsYouAllow, item), true);
      await waitFor(() => fs.existsSync(ran), 'the command to run once allowed', 30_000);
      await waitFor(() => !view.current().some((i) => i.kind === 'permission' && i.featureId === feature.id), 'the request to leave the view', 10_000);
    });
  });

  describe('pause all, resume all, stop all', () => {
    const one = useScriptedFeature('it-all-1', TICK_SCRIPT('one'));
    const two = useScriptedFeature('it-all-2', TICK_SCRIPT('two'));

    it('pause all stops every running agent\'s process group; resume all continues them; stop all ends them', async function () {
      this.timeout(150_000);
      // Both created before either starts: a feature created while an agent runs is a change under
      // .aop/ that the repository guards hold against the running agent (plan_tampered).
      for (const f of [one, two]) await f.create();
      for (const f of [one, two]) await f.start();
      const sessions = () => [one, two].map((f) => f.api.registry.resolve(f.ref()).session(f.id));
      await waitFor(() => sessions().every((s) => s?.state === 'running' && s.pid !== undefined), 'both agents running', 45_000);
      const pids = sessions().map((s) => s!.pid!);
      const groups = () => pids.map((p) => groupProcesses(p));

      const paused = await vscode.commands.executeCommand<BulkAgentResult | undefined>(COMMANDS.pauseAll);
      assert.ok(paused, 'Pause All returned its result');
      assert.deepEqual([...paused.done].sort().filter((id) => id.startsWith('it-all-')), ['it-all-1', 'it-all-2']);
      await waitFor(() => groups().every((g) => g.length > 0 && g.every((pid) => processState(pid) === 'T')), 'every process of both groups stopped (state T)', 15_000);
      assert.deepEqual(
        [one, two].map((f) => summary(f.api, f.root, f.id).agentState),
        ['paused', 'paused'],
      );

      const resumed = await vscode.commands.executeCommand<BulkAgentResult | undefined>(COMMANDS.resumeAll);
      assert.ok(resumed?.done.includes('it-all-1') && resumed.done.includes('it-all-2'), `resume all: ${JSON.stringify(resumed)}`);
      await waitFor(() => groups().every((g) => g.length > 0 && g.every((pid) => processState(pid) !== 'T')), 'both groups running again', 15_000);

      const stopped = await vscode.commands.executeCommand<BulkAgentResult | undefined>(COMMANDS.stopAll);
      assert.ok(stopped?.done.includes('it-all-1') && stopped.done.includes('it-all-2'), `stop all: ${JSON.stringify(stopped)}`);
      await waitFor(() => groups().every((g) => g.length === 0), 'every process of both groups gone', 20_000);
    });
  });
});
