/** The Features view's gate items: the feature's gates at its latest checkpoint, and each gate's result. */
import * as vscode from 'vscode';
import type { GateStatus } from '../../core/gates';
import type { GateSnapshot } from '../gates/gateService';
import { COMMANDS } from '../ids';
import type { TreeNode } from './nodes';
import { icon } from './treeIcons';

export function gatesItem(el: Extract<TreeNode, { kind: 'gates' }>, snap: GateSnapshot | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem('Gates', vscode.TreeItemCollapsibleState.Expanded);
  item.id = el.id;
  item.contextValue = 'gates';
  if (!snap) {
    item.description = 'reading results…';
    item.iconPath = icon('beaker');
    return item;
  }
  const count = (s: GateStatus['status']) => snap.gates.filter((g) => g.status === s).length;
  const [passed, failed, missing] = [count('passed'), count('failed'), count('missing')];
  const parts = [passed && `${passed} passed`, failed && `${failed} failed`, missing && `${missing} not run`, snap.running.length && `${snap.running.length} running`].filter(Boolean);
  item.description = `#${snap.seq}: ${parts.join(', ')}`;
  item.iconPath = snap.running.length ? icon('loading~spin') : failed ? icon('error', 'testing.iconFailed') : missing ? icon('beaker') : icon('pass', 'testing.iconPassed');
  item.tooltip = `Gates judged at checkpoint #${snap.seq} (the latest): a result counts only for the exact content it ran on.`;
  return item;
}

export function gateItem(el: Extract<TreeNode, { kind: 'gate' }>, snap: GateSnapshot | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(el.name, vscode.TreeItemCollapsibleState.None);
  item.id = el.id;
  const g = snap?.gates.find((x) => x.name === el.name);
  if (!snap || !g) {
    item.contextValue = 'gate';
    item.iconPath = icon('beaker');
    return item;
  }
  const running = snap.running.includes(g.name);
  const req = g.required ? 'required' : 'optional';
  const run = g.evidence ?? g.lastRun;
  if (running) {
    item.description = `running… · ${req}`;
    item.iconPath = icon('loading~spin');
  } else if (g.status === 'passed') {
    item.description = `passed · ${g.evidence!.durationMs} ms · ${req}`;
    item.iconPath = icon('pass', 'testing.iconPassed');
  } else if (g.status === 'failed') {
    item.description = `failed (exit ${g.evidence!.exitCode ?? 'none'}) · ${req}`;
    item.iconPath = icon('error', 'testing.iconFailed');
  } else {
    item.description = `not run on #${snap.seq}${g.lastRun ? ` · last ${g.lastRun.passed ? 'passed' : 'failed'} on #${g.lastRun.seq}` : ''} · ${req}`;
    item.iconPath = icon('circle-outline', g.lastRun && !g.lastRun.passed ? 'testing.iconFailed' : undefined);
  }
  item.contextValue = `gate+${running ? 'running' : g.status}${run ? '+hasOutput' : ''}`;
  item.tooltip = [`${g.name}: ${g.command}`, g.required ? 'Required for accept' : 'Not required for accept', run ? `Last run: checkpoint #${run.seq}, ${run.passed ? 'passed' : 'failed'}, ${run.ts}` : 'Never run'].join('\n');
  if (run) item.command = { command: COMMANDS.showGateOutput, title: 'Show Gate Output', arguments: [{ repoRoot: el.repoRoot, featureId: el.featureId, gate: g.name, seq: run.seq }] };
  return item;
}
