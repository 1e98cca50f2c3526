/** The Features view's row of one feature: its state in words and icon, and a tooltip with its branch, worktree, budgets and shared files. */
import * as vscode from 'vscode';
import type { FeatureSummary } from '../../core/orchestrator';
import { featureContextValue, needsAttention } from '../../shared/featureView';
import { AGENT_STATE_WORD, budgetsText, plural, severityCounts } from '../../shared/words';
import type { TreeNode } from './nodes';
import { STATE_ICONS, icon } from './treeIcons';
import { day } from './treeTimes';
import { branchName } from '../../shared/format';

/** `f`: the feature (undefined when it cannot be read: a bare row); `budgets`: its budgets, asked only for an active feature. */
export function featureItem(el: Extract<TreeNode, { kind: 'feature' }>, f: FeatureSummary | undefined, budgets: () => Parameters<typeof budgetsText>[0]): vscode.TreeItem {
  const item = new vscode.TreeItem(el.featureId, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = el.id;
  if (!f) return item;
  item.contextValue = featureContextValue(f);
  if (f.status === 'archived') {
    const a = f.archived!;
    item.description = a.how === 'accepted' ? `accepted ${day(a.at)}${a.accepted ? ` · ${a.accepted.commit.slice(0, 8)} into ${branchName(a.accepted.target)}` : ''}` : `deleted ${day(a.at)}`;
    item.iconPath = a.how === 'accepted' ? icon('pass', 'testing.iconPassed') : icon('trash');
    item.accessibilityInformation = { label: `${f.id}, ${item.description}` };
    return item;
  }
  const state = f.status === 'draft' ? 'draft' : (f.agentState ?? 'idle');
  const shared = new Set((f.collisions ?? []).map((c) => c.path)).size;
  const bits = [
    f.status === 'draft' ? 'draft' : AGENT_STATE_WORD[state] ?? state,
    f.status === 'active' ? plural(f.checkpointCount, 'checkpoint') : undefined,
    severityCounts(f.violations) || undefined,
    shared ? plural(shared, 'shared file') : undefined,
    f.planError ? 'plan has problems' : undefined,
  ];
  item.description = bits.filter(Boolean).join(' · ');
  item.accessibilityInformation = { label: `Feature ${f.id}, ${bits.filter(Boolean).join(', ')}` };
  const [name, color] = needsAttention(f) ? ['error', 'errorForeground'] : (STATE_ICONS[state] ?? ['circle-outline']);
  item.iconPath = f.status === 'draft' ? icon('note') : icon(name, color);
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${f.id}**${f.branch ? ` on \`${f.branch}\`` : ''}${f.baseRef ? ` from \`${f.baseRef}\`` : ''}\n\n`);
  md.appendMarkdown(`Agent: ${AGENT_STATE_WORD[state] ?? state}${f.provider ? ` (${f.provider})` : ''}\n\n`);
  if (f.worktree) md.appendMarkdown(`Worktree: \`${f.worktree}\`\n\n`);
  if (f.status === 'active') md.appendMarkdown(budgetsText(budgets()));
  if (shared) {
    md.appendMarkdown(`Also changed by other features (whichever is accepted second may conflict):\n\n`);
    for (const c of (f.collisions ?? []).slice(0, 10)) md.appendMarkdown(`- \`${c.path}\`: feature \`${c.otherFeature}\`\n`);
  }
  item.tooltip = md;
  return item;
}
