/**
 * The "Needs you" view: one list across features and repositories, most urgent first. Each row
 * opens the right place (Enter or click); its actions (allow once / deny, extend / accept /
 * stop, dismiss...) are inline buttons and in the context menu, so the keyboard reaches them.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { NEEDS_YOU_LABEL, type NeedsYouItem, type NeedsYouKind } from '../../shared/needsYou';
import { COMMANDS } from '../ids';
import type { SupervisionHub } from './hub';

const ICON: Readonly<Record<NeedsYouKind, [string, string?]>> = {
  permission: ['shield', 'list.warningForeground'],
  critical_violation: ['error', 'list.errorForeground'],
  budget_reached: ['dashboard', 'list.warningForeground'],
  breaker_open: ['debug-disconnect', 'list.errorForeground'],
  agent_failed: ['bug', 'list.errorForeground'],
  gate_failed: ['beaker', 'list.warningForeground'],
  message_undelivered: ['mail', 'list.warningForeground'],
  turn_ended: ['comment-discussion'],
};

/** The tree item's contextValue: `needsYou+<kind>` then `+<action>` for each action it offers. */
export function needsYouContext(item: NeedsYouItem): string {
  return ['needsYou', item.kind, ...item.actions].join('+');
}

export class NeedsYouView implements vscode.TreeDataProvider<NeedsYouItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<NeedsYouItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private items: NeedsYouItem[] = [];
  private readonly sub: vscode.Disposable;

  constructor(hub: SupervisionHub) {
    this.items = hub.items();
    this.sub = hub.onDidChange(() => {
      this.items = hub.items();
      this.changed.fire(undefined);
    });
  }

  /** The items as shown (tests, the status bar). */
  current(): readonly NeedsYouItem[] {
    return this.items;
  }

  getChildren(element?: NeedsYouItem): NeedsYouItem[] {
    return element ? [] : this.items;
  }

  getParent(): undefined {
    return undefined;
  }

  getTreeItem(item: NeedsYouItem): vscode.TreeItem {
    const t = new vscode.TreeItem(item.title, vscode.TreeItemCollapsibleState.None);
    t.id = item.id;
    const repos = new Set(this.items.map((i) => i.repoRoot));
    t.description = repos.size > 1 ? `${item.featureId} · ${path.basename(item.repoRoot)}` : item.featureId;
    const [icon, color] = ICON[item.kind];
    t.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**${NEEDS_YOU_LABEL[item.kind]}** · ${item.featureId}\n\n`);
    tip.appendText(item.detail);
    if (item.since) tip.appendMarkdown(`\n\n_Waiting since ${new Date(item.since).toLocaleTimeString()}_`);
    t.tooltip = tip;
    t.contextValue = needsYouContext(item);
    t.accessibilityInformation = { label: `${NEEDS_YOU_LABEL[item.kind]}, ${item.featureId}: ${item.title}. ${item.detail}` };
    t.command = { command: COMMANDS.needsYouOpen, title: 'Open', arguments: [item] };
    return t;
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}
