/**
 * The Features view's information rows under a feature: its agent, watchdog, violations, queue
 * place, checkpoint failures, sandbox, plan and spec (active); draft and spec and plan (draft);
 * how it ended, spec, plan and history (archived); "older checkpoints" past the listed ones.
 */
import * as vscode from 'vscode';
import type { FeatureSummary } from '../../core/orchestrator';
import { featurePaths } from '../../core/features';
import { AGENT_STATE_WORD, plural, severityCounts } from '../../shared/words';
import { COMMANDS } from '../ids';
import type { FeatureRef } from '../workspace/registry';
import type { TreeNode } from './nodes';
import { STATE_ICONS, icon } from './treeIcons';
import { when } from './treeTimes';
import { branchName } from '../../shared/format';

/** Checkpoints listed per feature; older ones stay reachable from the review panel. */
export const MAX_CHECKPOINTS = 100;

/** A command on the feature (its ref as the one argument). */
function featureCommand({ repoRoot, featureId }: FeatureRef, command: string, title: string): vscode.Command {
  return { command, title, arguments: [{ repoRoot, featureId }] };
}

/** A row that opens something of the feature: Spec and History have this shape, with their own words. */
function openRow(item: vscode.TreeItem, label: string, description: string, iconName: string, command: vscode.Command): void {
  item.label = label;
  item.description = description;
  item.iconPath = icon(iconName);
  item.command = command;
}

/** `f`: the feature (undefined: a bare row); `planSummary`: what the plan allows, asked only for the plan row. */
export function infoItem(el: Extract<TreeNode, { kind: 'info' }>, f: FeatureSummary | undefined, planSummary: () => string): vscode.TreeItem {
  const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
  item.id = el.id;
  item.contextValue = `info+${el.key}`;
  if (!f) return item;
  switch (el.key) {
    case 'draft':
      item.label = 'Draft: no worktree yet';
      item.description = 'Start Agent creates it';
      item.iconPath = icon('info');
      break;
    case 'ended': {
      const a = f.archived;
      item.label = a?.how === 'accepted' ? `Accepted ${when(a.at)}` : `Deleted ${a ? when(a.at) : ''}`.trim();
      if (a?.accepted) {
        item.description = `${a.accepted.strategy} of #${a.accepted.seq} as ${a.accepted.commit.slice(0, 8)}, ${a.accepted.landed ? `on ${branchName(a.accepted.target)}` : `for ${branchName(a.accepted.target)} (finish in your checkout)`}`;
      } else item.description = 'its branch and checkpoints stay in git';
      item.iconPath = a?.how === 'accepted' ? icon('pass', 'testing.iconPassed') : icon('trash');
      break;
    }
    case 'spec':
      openRow(item, 'Spec', 'spec.md', 'book', featureCommand(el, COMMANDS.openSpec, 'Open Spec'));
      break;
    case 'history':
      openRow(item, 'History', 'the event log', 'history', featureCommand(el, COMMANDS.showEventLog, 'Show Event Log'));
      break;
    case 'agent': {
      const state = f.agentState ?? 'idle';
      item.label = `Agent: ${AGENT_STATE_WORD[state] ?? state}`;
      item.description = [f.provider, f.usage && f.usage.costUsd > 0 ? `$${f.usage.costUsd.toFixed(2)}` : undefined].filter(Boolean).join(' · ');
      const [name, color] = STATE_ICONS[state] ?? ['hubot'];
      item.iconPath = icon(name, color);
      item.command = featureCommand(el, COMMANDS.showAgentOutput, 'Show Agent Output');
      break;
    }
    case 'watch':
      item.label = `Watchdog: ${f.watch.alive ? 'watching' : 'stopped'}`;
      item.description = f.watch.backend ?? '';
      item.iconPath = icon(f.watch.alive ? 'eye' : 'eye-closed', f.watch.alive ? undefined : 'charts.yellow');
      break;
    case 'violations': {
      const n = f.violations.length;
      const worst = f.violations.some((v) => v.severity === 'critical') ? 'critical' : f.violations.some((v) => v.severity === 'error') ? 'error' : n ? 'warning' : undefined;
      item.label = n ? `Violations: ${n}` : 'No violations';
      item.description = severityCounts(f.violations);
      item.iconPath =
        worst === 'critical' ? icon('circle-slash', 'errorForeground') : worst === 'error' ? icon('error', 'errorForeground') : worst ? icon('warning', 'list.warningForeground') : icon('pass', 'testing.iconPassed');
      item.tooltip = f.violations.slice(0, 20).map((v) => `${v.severity} ${v.kind}: ${v.message}`).join('\n') || 'No rules broken';
      item.accessibilityInformation = { label: n ? `Violations of the plan: ${item.description}. Opens Problems.` : 'No violations of the plan' };
      if (n) item.command = { command: 'workbench.actions.view.problems', title: 'Show Problems' };
      break;
    }
    case 'sandbox': {
      const s = f.sandbox;
      if (!s) break;
      item.label = s.state === 'on' ? 'Sandbox: on' : s.state === 'off' ? 'Sandbox: off' : 'Sandbox: unavailable';
      item.description = s.state === 'on' ? s.detail : s.reason;
      item.tooltip = `${s.reason}\n\n${s.detail}`;
      item.iconPath = s.state === 'on' ? icon('shield') : icon('unlock', 'list.warningForeground');
      item.contextValue = `info+sandbox+sandbox${s.state === 'on' ? 'On' : s.state === 'off' ? 'Off' : 'Unavailable'}`;
      break;
    }
    case 'queue':
      item.label = `Queued: #${f.queuePosition}`;
      item.description = 'waiting for a free agent slot';
      item.iconPath = icon('watch');
      break;
    case 'breaker':
      item.label = f.breaker.open ? `Held after ${plural(f.breaker.failures, 'checkpoint failure')}` : `${plural(f.breaker.failures, 'checkpoint failure')} in a row`;
      item.description = f.breaker.errors.at(-1) ?? '';
      item.tooltip = `${f.breaker.open ? 'Checkpoints kept failing, so the agent is held. Review the errors, then run "Clear Checkpoint Failures".\n\n' : ''}${f.breaker.errors.join('\n')}`;
      item.iconPath = f.breaker.open ? icon('error', 'errorForeground') : icon('warning', 'list.warningForeground');
      item.contextValue = `info+breaker${f.breaker.open ? '+breakerOpen' : ''}`;
      break;
    case 'plan': {
      const file = vscode.Uri.file(featurePaths(el.repoRoot, el.featureId).plan);
      item.command = featureCommand(el, COMMANDS.openPlan, 'Open Plan');
      if (f.planError) {
        item.label = 'Plan has problems';
        item.description = f.planError.split('\n')[0]!.replace(`${file.fsPath}:`, 'line ');
        item.tooltip = `${f.planError}\n\nThe last valid plan still applies. Fix plan.yaml (its problems are in Problems).`;
        item.iconPath = icon('error', 'errorForeground');
        break;
      }
      item.label = 'Plan';
      item.description = planSummary();
      item.iconPath = icon('checklist');
      break;
    }
    case 'more':
      openRow(item, `${f.checkpointCount - MAX_CHECKPOINTS} older checkpoints`, 'open the review panel', 'ellipsis', featureCommand(el, COMMANDS.openReview, 'Open Review'));
      break;
  }
  return item;
}
