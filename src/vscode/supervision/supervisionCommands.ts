/**
 * Commands of "Needs you" and of the whole fleet: open an item where it belongs, act on it
 * (allow once / deny, extend / accept as is / stop, dismiss, send again...), and pause, resume or
 * stop every agent at once.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BulkAgentResult } from '../../core/orchestrator';
import { needsYouItemSchema, type NeedsYouItem } from '../../shared/needsYou';
import { BUDGET_KINDS, type BudgetKind } from '../../shared/vocabulary';
import { BUDGET_LABEL, formatBudgetValue, plural } from '../../shared/words';
import { registerCommand, type CommandDeps } from '../commands/context';
import { COMMANDS, VIEWS } from '../ids';
import type { SupervisionHub } from './hub';

/** A Needs you item from a command argument (tree element, notification, test); anything else is refused. */
export function itemFromArg(arg: unknown): NeedsYouItem {
  const r = needsYouItemSchema.safeParse(arg);
  if (!r.success) throw new Error('This command acts on an item of the Needs you view.');
  return r.data;
}

function budgetKindOf(item: NeedsYouItem): BudgetKind {
  const k = item.subject as BudgetKind | undefined;
  if (!k || !(BUDGET_KINDS as readonly string[]).includes(k)) throw new Error('This item is not a budget.');
  return k;
}

/** "12" → 12 in the budget's unit (minutes for time, MB for disk, dollars for cost). */
function parseExtension(kind: BudgetKind, text: string): number | undefined {
  const n = Number(text.trim().replace(/[$,]/g, ''));
  if (!Number.isFinite(n) || n <= 0) return undefined;
  if (kind === 'wallTimeSec') return n * 60;
  if (kind === 'checkpointBytes') return n * 1024 * 1024;
  return kind === 'tokens' || kind === 'filesChanged' ? Math.round(n) : n;
}

const EXTEND_UNIT: Readonly<Record<BudgetKind, string>> = {
  tokens: 'tokens',
  costUsd: 'US dollars',
  wallTimeSec: 'minutes',
  filesChanged: 'files',
  checkpointBytes: 'megabytes',
};

function bulkText(action: 'Paused' | 'Resumed' | 'Stopped', r: BulkAgentResult): string {
  const done = r.done.length ? `${action} ${plural(r.done.length, 'agent')}: ${r.done.join(', ')}.` : `No agent to ${action.toLowerCase().replace(/d$/, '')}.`;
  const skipped = r.skipped.length ? ` Not ${action.toLowerCase()}: ${r.skipped.map((s) => `${s.featureId} (${s.reason})`).join('; ')}.` : '';
  return done + skipped;
}

export function registerSupervisionCommands(deps: CommandDeps, hub: SupervisionHub): vscode.Disposable[] {
  const reg = (id: Parameters<typeof registerCommand>[1], title: string, fn: (...args: unknown[]) => unknown) => registerCommand(deps, id, title, fn);
  const ref = (i: NeedsYouItem) => ({ repoRoot: i.repoRoot, featureId: i.featureId });

  const open = async (arg: unknown) => {
    const item = itemFromArg(arg);
    const target = item.open;
    switch (target.kind) {
      case 'permission': {
        const allow = 'Allow once';
        const deny = 'Deny';
        const c = await vscode.window.showWarningMessage(item.title, { modal: false, detail: item.detail }, allow, deny);
        if (c) hub.answerPermission(item, c === allow ? 'allow' : 'deny');
        return c;
      }
      case 'file': {
        const worktree = deps.registry.resolve(item).summary(item.featureId).worktree;
        if (!worktree) throw new Error(`Feature ${item.featureId} has no worktree.`);
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(worktree, target.path)));
        const line = Math.max(0, (target.line ?? 1) - 1);
        return vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, 0, line, 0) });
      }
      case 'review':
        return vscode.commands.executeCommand(COMMANDS.openReview, ref(item));
      case 'gate':
        return vscode.commands.executeCommand(COMMANDS.showGateOutput, { ...ref(item), gate: target.gate });
      case 'output':
        return vscode.commands.executeCommand(COMMANDS.showAgentOutput, ref(item));
    }
  };

  const extend = async (arg: unknown) => {
    const item = itemFromArg(arg);
    const kind = budgetKindOf(item);
    const status = deps.registry.resolve(item).supervision.budgets(item.featureId).find((b) => b.kind === kind);
    const shown = status ? (kind === 'wallTimeSec' ? status.limit / 60 : kind === 'checkpointBytes' ? status.limit / (1024 * 1024) : status.limit) : undefined;
    const text = await vscode.window.showInputBox({
      title: `Extend the ${BUDGET_LABEL[kind].toLowerCase()} budget of ${item.featureId}`,
      prompt: `By how many ${EXTEND_UNIT[kind]}?${status ? ` Used ${formatBudgetValue(kind, status.used)} of ${formatBudgetValue(kind, status.limit)}.` : ''}`,
      value: shown !== undefined ? String(Math.round(shown * 100) / 100) : '',
      validateInput: (v) => (parseExtension(kind, v) === undefined ? `Enter a positive number of ${EXTEND_UNIT[kind]}.` : undefined),
    });
    if (text === undefined) return undefined;
    await hub.resolveBudget(ref(item), kind, { choice: 'extend', by: parseExtension(kind, text)! });
    return 'extended';
  };

  const bulk = async (action: 'pause' | 'resume' | 'stop') => {
    if (action === 'stop') {
      const live = deps.registry.features().filter((f) => f.agentState && ['queued', 'starting', 'running', 'paused'].includes(f.agentState));
      if (live.length === 0) {
        void vscode.window.showInformationMessage('No agent is running.');
        return { done: [], skipped: [] } satisfies BulkAgentResult;
      }
      const ok = await deps.prompter.confirm(`Stop all ${plural(live.length, 'agent')}?`, `${live.map((f) => f.id).join(', ')}. Their work stays in checkpoints; each can be started again.`, 'Stop All');
      if (!ok) return undefined;
    }
    const r = await hub.all(action);
    const words = { pause: 'Paused', resume: 'Resumed', stop: 'Stopped' } as const;
    void vscode.window.showInformationMessage(bulkText(words[action], r));
    return r;
  };

  return [
    reg(COMMANDS.needsYouOpen, 'Open', open),
    reg(COMMANDS.needsYouAllow, 'Allow once', (arg) => hub.answerPermission(itemFromArg(arg), 'allow')),
    reg(COMMANDS.needsYouDeny, 'Deny', (arg) => hub.answerPermission(itemFromArg(arg), 'deny')),
    reg(COMMANDS.needsYouDismiss, 'Dismiss', (arg) => hub.dismiss(itemFromArg(arg))),
    reg(COMMANDS.needsYouExtend, 'Extend budget', extend),
    reg(COMMANDS.needsYouAccept, 'Accept as is', async (arg) => {
      const item = itemFromArg(arg);
      await hub.resolveBudget(ref(item), budgetKindOf(item), { choice: 'accept' });
      return vscode.commands.executeCommand(COMMANDS.acceptFeature, ref(item));
    }),
    reg(COMMANDS.needsYouStop, 'Stop agent', async (arg) => {
      const item = itemFromArg(arg);
      if (item.kind === 'budget_reached') return hub.resolveBudget(ref(item), budgetKindOf(item), { choice: 'stop' });
      return vscode.commands.executeCommand(COMMANDS.stopAgent, ref(item));
    }),
    reg(COMMANDS.needsYouResend, 'Send again', async (arg) => {
      const item = itemFromArg(arg);
      if (!item.subject) throw new Error('This item is not a message.');
      return deps.registry.resolve(item).supervision.resendMessage(item.featureId, item.subject);
    }),
    reg(COMMANDS.needsYouRerunGate, 'Run gate again', (arg) => {
      const item = itemFromArg(arg);
      return vscode.commands.executeCommand(COMMANDS.runGates, { ...ref(item), gates: item.subject ? [item.subject] : undefined });
    }),
    reg(COMMANDS.needsYouRestart, 'Start again', (arg) => vscode.commands.executeCommand(COMMANDS.startAgent, ref(itemFromArg(arg)))),
    reg(COMMANDS.needsYouResetBreaker, 'Clear checkpoint failures', (arg) => vscode.commands.executeCommand(COMMANDS.resetBreaker, ref(itemFromArg(arg)))),
    reg(COMMANDS.needsYouResume, 'Resume agent', (arg) => vscode.commands.executeCommand(COMMANDS.resumeAgent, ref(itemFromArg(arg)))),
    reg(COMMANDS.pauseAll, 'Pause all agents', () => bulk('pause')),
    reg(COMMANDS.resumeAll, 'Resume all agents', () => bulk('resume')),
    reg(COMMANDS.stopAll, 'Stop all agents', () => bulk('stop')),
    reg(COMMANDS.supervisionMenu, 'Agents', async () => {
      const n = hub.items().length;
      const picks = [
        { label: `$(bell) Needs you${n ? ` (${n})` : ''}`, run: () => vscode.commands.executeCommand(`${VIEWS.needsYou}.focus`) },
        { label: '$(debug-pause) Pause All Agents', run: () => vscode.commands.executeCommand(COMMANDS.pauseAll) },
        { label: '$(debug-continue) Resume All Agents', run: () => vscode.commands.executeCommand(COMMANDS.resumeAll) },
        { label: '$(debug-stop) Stop All Agents', run: () => vscode.commands.executeCommand(COMMANDS.stopAll) },
        { label: '$(pulse) Show Health', run: () => vscode.commands.executeCommand(COMMANDS.showHealth) },
      ];
      const pick = await vscode.window.showQuickPick(picks, { title: 'Agent Orchestrator' });
      return pick?.run();
    }),
  ];
}
