/**
 * The prompts commands use. Confirmations are real modal dialogs for users; the integration
 * tests switch `autoConfirm` on through the extension's API so no dialog blocks the host.
 */
import * as vscode from 'vscode';

export class Prompter {
  /** Tests only: answer every confirmation with its first choice. */
  autoConfirm = false;
  /** What the last confirmation asked (tests check the dialog's content). */
  lastConfirmation: { message: string; detail: string } | undefined;

  /** A modal warning; resolves to the chosen label, or undefined when cancelled. */
  async confirm<T extends string>(message: string, detail: string, ...choices: [T, ...T[]]): Promise<T | undefined> {
    this.lastConfirmation = { message, detail };
    if (this.autoConfirm) return choices[0];
    return vscode.window.showWarningMessage(message, { modal: true, detail }, ...choices);
  }

  /**
   * A modal that reports rather than asks (e.g. why accept is blocked), optionally offering
   * follow-ups; resolves to the one chosen. Tests (autoConfirm) get undefined: nothing follows.
   */
  async inform<T extends string>(message: string, detail: string, ...choices: T[]): Promise<T | undefined> {
    this.lastConfirmation = { message, detail };
    if (this.autoConfirm) return undefined;
    return vscode.window.showWarningMessage(message, { modal: true, detail }, ...choices);
  }
}

