/** A small port the core asks of the editor: whether a write was the editor saving (permission requests go to Needs You). */
import * as vscode from 'vscode';

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
