/** The Features view's rows for what a feature's agent did outside its worktree (git folder, checkout, a plan not in force). */
import * as vscode from 'vscode';
import type { FeatureSummary } from '../../core/orchestrator';
import { outsideArea } from '../../shared/vocabulary';
import { COMMANDS } from '../ids';
import type { FeatureRef } from '../workspace/registry';
import { icon } from './treeIcons';
import type { NodeCache, TreeNode } from './nodes';

/** One row per standing violation outside the worktree, plus the plan or spec waiting for review. */
export function outsideNodes(nodes: NodeCache, ref: FeatureRef, f: FeatureSummary): TreeNode[] {
  const seen = new Set<string>();
  const out: TreeNode[] = [];
  const add = (area: 'git' | 'checkout' | 'plan', p: string) => {
    if (seen.has(`${area}\0${p}`)) return;
    seen.add(`${area}\0${p}`);
    out.push(nodes.outside(ref, area, p));
  };
  for (const v of f.violations) {
    const area = outsideArea(v);
    if (area) add(area, v.path);
  }
  for (const kind of f.pendingConfirmation ?? []) add('plan', `.aop/features/${f.id}/${kind === 'plan' ? 'plan.yaml' : 'spec.md'}`);
  return out;
}

export function outsideItem(el: Extract<TreeNode, { kind: 'outside' }>, f: FeatureSummary | undefined): vscode.TreeItem {
  const v = f?.violations.find((x) => x.path === el.path && outsideArea(x) === el.area);
  const what = { git: 'Git folder', checkout: 'Your checkout', plan: 'Plan not in force' }[el.area];
  const item = new vscode.TreeItem(`${what}: ${el.path}`, vscode.TreeItemCollapsibleState.None);
  item.id = el.id;
  item.description = v ? `${v.severity} ${v.kind}` : 'changed on disk, waiting for review';
  item.tooltip = v?.message ?? `${el.path} changed on disk; the version in force is the one you saved or confirmed. Review it to apply or revert it.`;
  item.iconPath = v?.severity === 'critical' ? icon('error', 'errorForeground') : icon('warning', 'list.warningForeground');
  item.contextValue = `outside+${el.area}`;
  const arg = { repoRoot: el.repoRoot, featureId: el.featureId, path: el.path, area: el.area };
  item.command = { command: COMMANDS.reviewOutsideChange, title: 'Review', arguments: [arg] };
  return item;
}
