/**
 * An agent that fails says so where a person looks: an error notification with its reason and
 * last lines of output, and actions to see the whole output, start it with another agent or
 * command line, or open the agent settings. (A failure used to show only in a tooltip.)
 */
import * as vscode from 'vscode';
import type { AgentManager, OutputLine } from '../../core/agents';
import { COMMANDS } from '../ids';
import type { Registry } from '../workspace/registry';

const SHOW_OUTPUT = 'Show Output';
const START_WITH = 'Start With…';
const OPEN_SETTINGS = 'Open Settings';

/** The failure in one notification: reason, then the last non-blank output lines, bounded. */
export function failureText(featureId: string, reason: string | undefined, output: readonly OutputLine[], maxLines = 3, maxChars = 400): string {
  // The reason often quotes the last stderr lines already: add only what it does not say.
  const tail = output
    .map((l) => l.text.trim())
    .filter(Boolean)
    .slice(-maxLines)
    .filter((l) => !reason?.includes(l))
    .join(' ⏎ ');
  const text = `The agent of ${featureId} failed${reason ? `: ${reason}` : ''}.${tail ? ` Last output: ${tail}` : ''}`;
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

export class AgentFailureNotifier implements vscode.Disposable {
  private readonly sub: { dispose(): void };

  constructor(
    private readonly registry: Registry,
    agents: AgentManager,
  ) {
    this.sub = agents.onSessionState(({ featureId, change }) => {
      if (change.to === 'failed') void this.notify(featureId, change.reason);
    });
  }

  private async notify(featureId: string, reason: string | undefined): Promise<void> {
    const ref = this.registry.findById(featureId)[0];
    const output = this.registry.agents.get(featureId)?.recentOutput() ?? [];
    const choice = await vscode.window.showErrorMessage(failureText(featureId, reason, output), SHOW_OUTPUT, START_WITH, OPEN_SETTINGS);
    if (choice === SHOW_OUTPUT) await vscode.commands.executeCommand(COMMANDS.showAgentOutput, ref ?? featureId);
    else if (choice === START_WITH && ref) await vscode.commands.executeCommand(COMMANDS.startAgentWith, ref);
    else if (choice === OPEN_SETTINGS) await vscode.commands.executeCommand('workbench.action.openSettings', '@id:aop.providers');
  }

  dispose(): void {
    this.sub.dispose();
  }
}
