/**
 * Notifications for the urgent kinds of "Needs you" (an agent held until someone acts), once
 * per item, with the item's own actions; "Don't Notify" mutes that kind (setting
 * `aop.notifications.mute`). Everything stays in the view whether notified or not.
 */
import * as vscode from 'vscode';
import { NEEDS_YOU_ACTION_LABEL, NEEDS_YOU_LABEL, URGENT_KINDS, type NeedsYouAction, type NeedsYouItem, type NeedsYouKind } from '../../shared/needsYou';
import { COMMANDS, SETTINGS, SETTINGS_SECTION } from '../ids';
import type { SupervisionHub } from './hub';

const ACTION_COMMAND: Partial<Record<NeedsYouAction, string>> = {
  allow: COMMANDS.needsYouAllow,
  deny: COMMANDS.needsYouDeny,
  extend: COMMANDS.needsYouExtend,
  accept: COMMANDS.needsYouAccept,
  stop: COMMANDS.needsYouStop,
  resetBreaker: COMMANDS.needsYouResetBreaker,
};

const MUTE = "Don't Notify";

export class NeedsYouNotifier implements vscode.Disposable {
  private readonly shown = new Set<string>();
  private readonly sub: vscode.Disposable;
  /** Items notified so far (tests). */
  readonly notified: string[] = [];

  constructor(
    private readonly hub: SupervisionHub,
    private readonly muted: () => readonly NeedsYouKind[],
  ) {
    // What already waits when the window opens is in the view; only news is notified.
    for (const i of hub.items()) this.shown.add(i.id);
    this.sub = hub.onDidChange(() => this.check());
  }

  private check(): void {
    const items = this.hub.items();
    const live = new Set(items.map((i) => i.id));
    for (const id of [...this.shown]) if (!live.has(id)) this.shown.delete(id);
    const mute = new Set(this.muted());
    for (const item of items) {
      if (this.shown.has(item.id)) continue;
      this.shown.add(item.id);
      if (!URGENT_KINDS.includes(item.kind) || mute.has(item.kind)) continue;
      this.notified.push(item.id);
      void this.show(item);
    }
  }

  private async show(item: NeedsYouItem): Promise<void> {
    const actions = item.actions.filter((a) => ACTION_COMMAND[a]).map((a) => NEEDS_YOU_ACTION_LABEL[a]);
    const open = 'Open';
    const text = `${item.featureId}: ${item.title}`;
    const choice = await vscode.window.showWarningMessage(text, { detail: item.detail }, ...actions, open, MUTE);
    if (!choice) return;
    if (choice === MUTE) {
      const cfg = vscode.workspace.getConfiguration(SETTINGS_SECTION);
      const now = new Set(cfg.get<string[]>(SETTINGS.notificationsMute) ?? []);
      now.add(item.kind);
      await cfg.update(SETTINGS.notificationsMute, [...now], vscode.ConfigurationTarget.Global);
      void vscode.window.showInformationMessage(`${NEEDS_YOU_LABEL[item.kind]}: no more notifications. They still show in Needs you; undo in the setting aop.notifications.mute.`);
      return;
    }
    // The item may have been settled meanwhile (answered in the view, timed out): act only on what still stands.
    if (!this.hub.items().some((i) => i.id === item.id)) return;
    if (choice === open) {
      await vscode.commands.executeCommand(COMMANDS.needsYouOpen, item);
      return;
    }
    const action = item.actions.find((a) => NEEDS_YOU_ACTION_LABEL[a] === choice);
    const command = action ? ACTION_COMMAND[action] : undefined;
    if (command) await vscode.commands.executeCommand(command, item);
  }

  dispose(): void {
    this.sub.dispose();
  }
}
