/** What every command module needs, and the wrapper that reports a command's errors. */
import * as vscode from 'vscode';
import type { ProviderId } from '../../core/agents';
import type { OrchestratorSettings } from '../../core/orchestrator';
import type { DiffOpener } from '../content/diffs';
import type { EventLogContentProvider } from '../content/checkpointContentProvider';
import type { GateOutputContentProvider } from '../content/gateOutput';
import type { GateService } from '../gates/gateService';
import type { CommandId } from '../ids';
import type { ErrorReporter } from '../platform/errors';
import type { FeatureScmManager } from '../scm/featureScm';
import type { AgentTerminals } from '../terminal/agentTerminals';
import type { FeatureRef, Registry } from '../workspace/registry';
import type { Prompter } from './ui';

export interface ReviewOpener {
  show(ref: FeatureRef): void;
  close(ref: FeatureRef): void;
}

export interface CommandDeps {
  registry: Registry;
  prompter: Prompter;
  errors: ErrorReporter;
  log: vscode.LogOutputChannel;
  diffs: DiffOpener;
  terminals: AgentTerminals;
  scm: FeatureScmManager;
  eventLogs: EventLogContentProvider;
  gates: GateService;
  gateDocs: GateOutputContentProvider;
  review: () => ReviewOpener | undefined;
  /** `aop.agents.defaultProvider` when it names a provider; undefined for "auto" (agentChoice.ts decides). */
  defaultProvider: () => ProviderId | undefined;
  settings: () => OrchestratorSettings;
  isTrusted: () => boolean;
  version: string;
}

/** Registers a command whose failures become a short notification (details in the log), never a stack. */
export function registerCommand(deps: CommandDeps, id: CommandId, title: string, fn: (...args: unknown[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await fn(...args);
    } catch (e) {
      void deps.errors.report(e, title);
      return undefined;
    }
  });
}

/** Runs slow work under a progress notification. */
export function withProgress<T>(title: string, task: () => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: false }, task);
}
