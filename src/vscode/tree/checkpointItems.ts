/** The Features view's checkpoint rows (newest first under a feature) and the files each one changed. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointRecord } from '../../core/model';
import { CHECKPOINT_KIND, plural, severityCounts } from '../../shared/words';
import { COMMANDS } from '../ids';
import type { TreeNode } from './nodes';
import { icon, severityColor } from './treeIcons';
import { time } from './treeTimes';

/** `rec`: the checkpoint's record (undefined once it is gone, e.g. after a rollback). */
export function checkpointItem(el: Extract<TreeNode, { kind: 'checkpoint' }>, rec: CheckpointRecord | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(`#${el.seq} ${rec ? CHECKPOINT_KIND[rec.trigger] : ''}`.trim(), rec?.files.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = el.id;
  if (!rec) return item;
  const v = rec.violations.length;
  item.description = [time(rec.time), plural(rec.files.length, 'file'), severityCounts(rec.violations) || undefined].filter(Boolean).join(' · ');
  item.iconPath = icon('git-commit', severityColor(rec.violations));
  item.accessibilityInformation = { label: `Checkpoint ${rec.seq}, ${CHECKPOINT_KIND[rec.trigger]}, ${item.description}` };
  item.contextValue = `checkpoint+restorable${v ? '+violations' : ''}`;
  item.tooltip = `Checkpoint ${rec.seq} (${CHECKPOINT_KIND[rec.trigger]}) at ${rec.time}\n${rec.commit}\n${plural(rec.files.length, 'file')} changed, ${rec.durationMs} ms${v ? `\n${plural(v, 'violation')} standing` : ''}`;
  return item;
}

/** `rec`: the file's checkpoint; `worktree`: the feature's, for the file's icon and label (none: no resource). */
export function fileItem(el: Extract<TreeNode, { kind: 'file' }>, rec: CheckpointRecord | undefined, worktree: string | undefined): vscode.TreeItem {
  const change = rec?.files.find((f) => f.path === el.path);
  const item = new vscode.TreeItem(path.posix.basename(el.path), vscode.TreeItemCollapsibleState.None);
  item.id = el.id;
  const dir = path.posix.dirname(el.path);
  const bad = rec?.violations.filter((v) => v.path === el.path) ?? [];
  item.description = [change?.status, dir === '.' ? '' : dir, bad.length ? bad.map((b) => b.kind.replace(/_/g, ' ')).join(', ') : undefined].filter(Boolean).join(' · ');
  if (worktree) item.resourceUri = vscode.Uri.file(path.join(worktree, ...el.path.split('/')));
  if (bad.length) item.iconPath = bad.some((b) => b.severity !== 'warning') ? icon('error', 'errorForeground') : icon('warning', 'list.warningForeground');
  item.tooltip = `${el.path} (${change?.status ?? '?'}) in checkpoint #${el.seq}${bad.length ? '\n' + bad.map((b) => b.message).join('\n') : ''}`;
  item.contextValue = `checkpointFile${bad.length ? '+violations' : ''}`;
  item.command = { command: COMMANDS.openCheckpointDiff, title: 'Open Changes', arguments: [el] };
  return item;
}
