/** The Features view's icons: theme icons by name, agent states and the worst severity as colours. */
import * as vscode from 'vscode';

export function icon(name: string, color?: string): vscode.ThemeIcon {
  return new vscode.ThemeIcon(name, color ? new vscode.ThemeColor(color) : undefined);
}

/** An agent state's icon name and theme colour. */
export const STATE_ICONS: Record<string, [string, string?]> = {
  idle: ['circle-outline'],
  queued: ['watch', 'charts.yellow'],
  starting: ['loading~spin'],
  running: ['sync~spin', 'charts.green'],
  paused: ['debug-pause', 'charts.yellow'],
  stopping: ['loading~spin'],
  exited: ['pass'],
  failed: ['error', 'errorForeground'],
  interrupted: ['debug-disconnect', 'charts.orange'],
};

/** The theme colour of the worst severity among violations (none: no colour). */
export function severityColor(violations: readonly { severity: string }[]): string | undefined {
  if (violations.some((v) => v.severity !== 'warning')) return 'errorForeground';
  return violations.length ? 'list.warningForeground' : undefined;
}
