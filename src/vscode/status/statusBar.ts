/**
 * Status bar: how many agents run, are paused and wait, and how many items need you; a click
 * offers Needs You, Pause / Resume / Stop All and Health.
 */
import * as vscode from 'vscode';
import { COMMANDS } from '../ids';
import type { SupervisionHub } from '../supervision/hub';
import { needsAttention } from '../../shared/featureView';
import type { Registry } from '../workspace/registry';

export interface StatusCounts {
  running: number;
  paused: number;
  queued: number;
  attention: number;
  /** Items in "Needs you" across features. */
  needsYou: number;
  features: number;
}

export class AgentStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('aop.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subs: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly hub: SupervisionHub,
  ) {
    this.item.name = 'Agent Orchestrator';
    this.item.command = COMMANDS.supervisionMenu;
    const schedule = () => {
      if (!this.timer) this.timer = setTimeout(() => ((this.timer = undefined), this.update()), 100);
    };
    this.subs.push(
      registry.onDidChange(({ change }) => {
        if (change.kind !== 'log' && change.kind !== 'messages') schedule();
      }),
      registry.onDidChangeRepositories(schedule),
      hub.onDidChange(schedule),
    );
    this.update();
  }

  counts(): StatusCounts {
    const fs = this.registry.features();
    return {
      running: fs.filter((f) => f.agentState === 'running' || f.agentState === 'starting').length,
      paused: fs.filter((f) => f.agentState === 'paused').length,
      queued: fs.filter((f) => f.agentState === 'queued').length,
      attention: fs.filter(needsAttention).length,
      needsYou: this.hub.items().length,
      features: fs.length,
    };
  }

  update(): void {
    const c = this.counts();
    if (c.features === 0) {
      this.item.hide();
      return;
    }
    const parts = [`$(hubot) ${c.running}`];
    if (c.paused) parts.push(`$(debug-pause) ${c.paused}`);
    if (c.queued) parts.push(`$(watch) ${c.queued}`);
    if (c.needsYou) parts.push(`$(bell-dot) ${c.needsYou}`);
    this.item.text = parts.join('  ');
    this.item.tooltip = `Agents: ${c.running} running, ${c.paused} paused, ${c.queued} queued; ${c.needsYou} item(s) need you. Click for Needs You, Pause All, Resume All, Stop All, Health.`;
    this.item.accessibilityInformation = { label: `Agents: ${c.running} running, ${c.paused} paused, ${c.queued} queued, ${c.needsYou} need you` };
    this.item.backgroundColor = c.needsYou || c.attention ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
    this.item.dispose();
  }
}
