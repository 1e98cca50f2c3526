/** Small ports the core asks of the editor: a human to ask, and whether a write was the editor saving. */
import * as vscode from 'vscode';
import type { PermissionQuery } from '../../core/agents';

/** Asks about a permission the plan does not decide; no answer before the core's timeout is "deny". */
export async function askHuman(query: PermissionQuery, signal: AbortSignal): Promise<'allow' | 'deny'> {
  const allow = 'Allow';
  const deny = 'Deny';
  const paths = query.paths.length ? ` (${query.paths.slice(0, 3).join(', ')}${query.paths.length > 3 ? ', …' : ''})` : '';
  const aborted = new Promise<undefined>((resolve) => {
    if (signal.aborted) resolve(undefined);
    signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  const choice = await Promise.race([
    vscode.window.showWarningMessage(`Agent of ${query.featureId} asks: ${query.title}${query.kind ? ` [${query.kind}]` : ''}${paths}`, allow, deny),
    aborted,
  ]);
  return choice === allow ? 'allow' : 'deny';
}

/** Remembers files the editor saved in the last few seconds, so the main-checkout watch does not blame agents. */
export class EditorSaves implements vscode.Disposable {
  private readonly recent = new Map<string, number>();
  private readonly sub: vscode.Disposable;

  constructor(private readonly windowMs = 3000) {
    this.sub = vscode.workspace.onWillSaveTextDocument((e) => {
      if (e.document.uri.scheme === 'file') this.recent.set(e.document.uri.fsPath, Date.now());
    });
  }

  isEditorSave = (absPath: string): boolean => {
    const t = this.recent.get(absPath);
    if (t === undefined) return false;
    if (Date.now() - t > this.windowMs) {
      this.recent.delete(absPath);
      return false;
    }
    return true;
  };

  dispose(): void {
    this.sub.dispose();
    this.recent.clear();
  }
}
