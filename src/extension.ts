/**
 * Composition root: builds the core, then the adapters, and registers every disposable.
 * (Minimal for now; the adapters land with issue 4.)
 */
import * as vscode from 'vscode';

export interface AopApi {
  readonly version: string;
}

export function activate(context: vscode.ExtensionContext): AopApi {
  context.subscriptions.push(
    vscode.commands.registerCommand('aop.showVersion', () => {
      void vscode.window.showInformationMessage(`Agent Orchestrator ${context.extension.packageJSON.version}`);
    }),
  );
  return { version: String(context.extension.packageJSON.version) };
}

export function deactivate(): void {}
