/**
 * An agent that fails says so where a person looks: an error notification with its reason and
 * last lines of output, and actions to see the whole output, start it with another agent or
 * command line, or open the agent settings. (A failure used to show only in a tooltip.)
 */
import * as vscode from 'vscode';
import type { AgentManager } from '../../core/agents';
import { agentFailureText } from '../../shared/words';
import { COMMANDS } from '../ids';
import type { Registry } from '../workspace/registry';

const SHOW_OUTPUT = 'Show Output';
const START_WITH = 'Start With…';
const OPEN_SETTINGS = 'Open Settings';

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
    const choice = await vscode.window.showErrorMessage(agentFailureText(featureId, reason, output), SHOW_OUTPUT, START_WITH, OPEN_SETTINGS);
    if (choice === SHOW_OUTPUT) await vscode.commands.executeCommand(COMMANDS.showAgentOutput, ref ?? featureId);
    else if (choice === START_WITH && ref) await vscode.commands.executeCommand(COMMANDS.startAgentWith, ref);
    else if (choice === OPEN_SETTINGS) await vscode.commands.executeCommand('workbench.action.openSettings', '@id:aop.providers');
  }

  dispose(): void {
    this.sub.dispose();
  }
}
