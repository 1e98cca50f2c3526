/**
 * The words the UI uses, one per thing, shared by the tree, the panel, the palette's messages
 * and the README: checkpoint kinds, the rollback actions, agent states. Browser-safe.
 */
import type { CheckpointTrigger, RollbackKind } from './vocabulary';

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
