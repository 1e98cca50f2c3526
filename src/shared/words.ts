/**
 * The words the UI uses, one per thing, shared by the tree, the panel, the palette's messages
 * and the README: checkpoint kinds, the rollback actions, agent states. Browser-safe.
 */
import { formatBytes } from './format';
import type { BudgetKind, CheckpointTrigger, RollbackKind } from './vocabulary';

/** What each kind of checkpoint is called wherever it is shown. */
export const CHECKPOINT_KIND: Readonly<Record<CheckpointTrigger, string>> = {
  watch: 'edit',
  manual: 'manual',
  'pre-rollback': 'before rollback',
  rollback: 'after rollback',
  'turn-end': 'end of turn',
  reconcile: 'rescan',
  final: 'final',
  initial: 'start',
  setup: 'set-up',
};

/** The rollback actions' names (commands, buttons, dialogs, notifications, log rows). */
export const ROLLBACK_ACTION: Readonly<Record<RollbackKind, string>> = {
  checkpoint: 'Roll back to checkpoint',
  files: 'Roll back files',
  smart: 'Smart rollback',
  undo: 'Undo rollback',
};

/** A rollback as one title: "Roll back to checkpoint #3", "Roll back files to the base", "Smart rollback". */
export function rollbackTitle(kind: RollbackKind, targetSeq: number): string {
  if (kind === 'checkpoint') return `${ROLLBACK_ACTION.checkpoint} #${targetSeq}`;
  if (kind === 'files') return `${ROLLBACK_ACTION.files} to ${targetSeq === 0 ? 'the base' : `#${targetSeq}`}`;
  return ROLLBACK_ACTION[kind];
}

/** An agent state as a word for a person ("not started" rather than "idle", "finished" rather than "exited"). */
export const AGENT_STATE_WORD: Readonly<Record<string, string>> = {
  idle: 'not started',
  queued: 'waiting for a slot',
  starting: 'starting',
  running: 'running',
  paused: 'paused',
  stopping: 'stopping',
  exited: 'finished',
  failed: 'failed',
  interrupted: 'interrupted',
};

/** Violations by severity in words, worst first: "1 critical, 2 errors", "" for none. */
export function severityCounts(violations: readonly { severity: string }[]): string {
  const n = (s: string) => violations.filter((v) => v.severity === s).length;
  return [
    [n('critical'), 'critical', 'critical'],
    [n('error'), 'error', 'errors'],
    [n('warning'), 'warning', 'warnings'],
  ]
    .filter(([c]) => (c as number) > 0)
    .map(([c, one, many]) => plural(c as number, one as string, many as string))
    .join(', ');
}

/** "1 file", "3 files". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** An agent's move to `to`, in words: "Agent paused: paused by user", never "Agent none → queued". */
export function agentStateText(from: string, to: string, reason?: string, exitCode?: number | null): string {
  const what: Record<string, string> = {
    queued: 'Agent waiting for a free slot',
    starting: 'Agent starting',
    running: from === 'paused' ? 'Agent resumed' : 'Agent running',
    paused: 'Agent paused',
    stopping: 'Agent stopping',
    exited: exitCode !== undefined && exitCode !== null && exitCode !== 0 ? `Agent exited with code ${exitCode}` : 'Agent finished',
    failed: 'Agent failed',
    interrupted: 'Agent interrupted (the editor closed while it ran)',
  };
  const text = what[to] ?? `Agent ${to}`;
  return reason && to !== 'interrupted' ? `${text}: ${reason}` : text;
}

/** A failed agent in one notification: its reason, then the last output lines the reason does not already quote. */
export function agentFailureText(featureId: string, reason: string | undefined, output: readonly { text: string }[], maxLines = 3, maxChars = 400): string {
  const tail = output
    .map((l) => l.text.trim())
    .filter(Boolean)
    .slice(-maxLines)
    .filter((l) => !reason?.includes(l))
    .join(' ⏎ ');
  const text = `The agent of ${featureId} failed${reason ? `: ${reason}` : ''}.${tail ? ` Last output: ${tail}` : ''}`;
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/** What each budget limits, as a heading. */
export const BUDGET_LABEL: Readonly<Record<BudgetKind, string>> = {
  tokens: 'Tokens',
  costUsd: 'Cost',
  wallTimeSec: 'Running time',
  filesChanged: 'Files changed',
  checkpointBytes: 'Checkpoint disk',
};

/** A duration for people: "45 s", "12 min", "2 h 5 min". */
export function formatDuration(sec: number): string {
  if (sec < 60) return `${Math.round(sec)} s`;
  const min = Math.round(sec / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

/** A budget figure in its unit: "12,000 tokens", "$1.50", "30 min", "40 files", "1.2 GB". */
export function formatBudgetValue(kind: BudgetKind, v: number): string {
  switch (kind) {
    case 'tokens':
      return plural(Math.round(v), 'token');
    case 'costUsd':
      return `$${v.toFixed(v < 10 ? 2 : 0)}`;
    case 'wallTimeSec':
      return formatDuration(v);
    case 'filesChanged':
      return plural(Math.round(v), 'file');
    case 'checkpointBytes':
      return formatBytes(v);
  }
}

/** A feature's budgets against their usage, one line for a tooltip ('' when it has none). */
export function budgetsText(budgets: readonly { kind: BudgetKind; used: number; limit: number; reached: boolean }[]): string {
  if (budgets.length === 0) return '';
  return `Budgets: ${budgets.map((b) => `${BUDGET_LABEL[b.kind].toLowerCase()} ${formatBudgetValue(b.kind, b.used)} of ${formatBudgetValue(b.kind, b.limit)}${b.reached ? ' (reached)' : ''}`).join(' · ')}\n\n`;
}
