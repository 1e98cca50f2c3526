/**
 * Turns errors into a short notification with an action. AopError codes pick the wording and
 * the action; the message (which core writes to say what to do) follows; details and stacks
 * go to the log channel only, never into a notification.
 */
import * as vscode from 'vscode';
import { AopError, errorMessage, type ErrorCode } from '../../core/util';

const SHOW_LOG = 'Show Log';

interface CodeInfo {
  title: string;
  action?: { label: string; command: string; args?: unknown[] };
  level?: 'warning' | 'error';
}

const CODES: Record<ErrorCode, CodeInfo> = {
  INVALID_ID: { title: 'Invalid feature id.', level: 'warning' },
  INVALID_PATH: { title: 'Invalid path.', level: 'warning' },
  INVALID_REF: { title: 'Invalid git ref.', level: 'warning' },
  INVALID_INPUT: { title: 'Invalid input.', level: 'warning' },
  PLAN_INVALID: { title: 'The feature plan is invalid.' },
  GIT_FAILED: { title: 'A git command failed.' },
  NOT_FOUND: { title: 'Not found.', level: 'warning' },
  ALREADY_EXISTS: { title: 'Already exists.', level: 'warning' },
  CONFLICT: { title: 'Conflict.' },
  ROLLBACK_FAILED: { title: 'Rollback failed.' },
  WATCHER_FAILED: { title: 'File watching failed.', action: { label: 'Open Settings', command: 'workbench.action.openSettings', args: ['aop.watcher'] } },
  AGENT_FAILED: { title: 'The agent failed.' },
  AGENT_NOT_FOUND: { title: 'Agent CLI not found.', action: { label: 'Open Settings', command: 'workbench.action.openSettings', args: ['@id:aop.providers'] } },
  UNTRUSTED: { title: 'Workspace not trusted.', level: 'warning', action: { label: 'Manage Workspace Trust', command: 'workbench.trust.manage' } },
  BUSY: { title: 'Busy.', level: 'warning' },
  TOO_LARGE: { title: 'Too large.', level: 'warning' },
  SETUP_FAILED: { title: 'The worktree set-up command failed; the agent was not started.', action: { label: 'Open Settings', command: 'workbench.action.openSettings', args: ['aop.worktree.setupCommand'] } },
  DISPOSED: { title: 'Agent Orchestrator is shutting down.', level: 'warning' },
};

/** The first line of a message, bounded: notifications stay short. */
function firstLines(text: string, maxLines = 3, maxChars = 400): string {
  const lines = text.split('\n').slice(0, maxLines).join(' ');
  return lines.length > maxChars ? `${lines.slice(0, maxChars - 1)}…` : lines;
}

export function describeError(err: unknown): { text: string; info: CodeInfo; code?: ErrorCode } {
  if (AopError.is(err)) {
    const info = CODES[err.code] ?? { title: 'Error.' };
    return { text: `${info.title} ${firstLines(err.message)}`, info, code: err.code };
  }
  return { text: `Unexpected error: ${firstLines(errorMessage(err), 1)}`, info: { title: 'Unexpected error.' } };
}

/**
 * An action from the error's details, where they name what to fix: the file (opened at the
 * problem's line and column, e.g. a broken plan.yaml) or the setting (the settings editor filtered
 * to it, which lands on a tab where it can be edited).
 */
function actionFor(err: unknown): CodeInfo['action'] | undefined {
  if (!AopError.is(err) || !err.details) return undefined;
  const { file, line, column, setting } = err.details as { file?: unknown; line?: unknown; column?: unknown; setting?: unknown };
  if (typeof file === 'string' && /[\\/]plan\.yaml$/.test(file)) {
    const at = typeof line === 'number' ? new vscode.Position(Math.max(0, line - 1), typeof column === 'number' ? Math.max(0, column - 1) : 0) : undefined;
    return { label: 'Open Plan', command: 'vscode.open', args: [vscode.Uri.file(file), ...(at ? [{ selection: new vscode.Range(at, at) }] : [])] };
  }
  if (typeof setting === 'string' && /^aop\./.test(setting)) return { label: 'Open Settings', command: 'workbench.action.openSettings', args: [`@id:${setting.split('.').slice(0, 2).join('.')}`] };
  return undefined;
}

export class ErrorReporter {
  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Logs the details and shows a short notification; resolves when the user picked an action (or dismissed it). */
  async report(err: unknown, context?: string): Promise<void> {
    const { text, info, code } = describeError(err);
    const where = context ? `${context}: ` : '';
    this.log.error(`${where}${code ? `[${code}] ` : ''}${errorMessage(err)}`);
    if (err instanceof Error && err.stack) this.log.debug(err.stack);
    if (AopError.is(err) && err.details) this.log.debug(JSON.stringify(err.details));
    if (err instanceof Error && err.cause !== undefined) this.log.debug(`cause: ${errorMessage(err.cause)}`);
    const action = actionFor(err) ?? info.action;
    const actions = [...(action ? [action.label] : []), SHOW_LOG];
    const show = info.level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
    const choice = await show(`${where}${text}`, ...actions);
    if (choice === SHOW_LOG) this.log.show(true);
    else if (choice && action) await vscode.commands.executeCommand(action.command, ...(action.args ?? []));
  }
}
