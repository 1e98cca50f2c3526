/**
 * The words of every rollback confirmation, from the palette, the tree and the review panel
 * alike: what will happen, the files (from core's preview) up to one cap, and the safety net.
 */
import { LIMITS } from './limits';
import { plural } from './words';

/** One line of core's rollback preview (src/core/rollback: RollbackItem). */
export interface RollbackPreviewItem {
  path: string;
  action: 'restore' | 'delete' | 'create';
  /** The checkpoint the file comes back from (0: the base). */
  fromSeq?: number;
}

export type RollbackRequest =
  | { kind: 'checkpoint'; seq: number }
  | { kind: 'files'; seq: number }
  | { kind: 'smart' }
  /** `preRollbackSeq`: the safety checkpoint the undone rollback took. */
  | { kind: 'undo'; preRollbackSeq?: number };

export interface Confirmation {
  message: string;
  detail: string;
  confirmLabel: string;
}

const FOOTER = 'A "before rollback" checkpoint is taken first, so Undo Rollback brings everything back. A running agent is paused meanwhile and told what changed.';
const WORD: Record<RollbackPreviewItem['action'], string> = { restore: 'restore', delete: 'delete', create: 'recreate' };

/** "the base" or "checkpoint #3". */
export function checkpointLabel(seq: number): string {
  return seq === 0 ? 'the base' : `checkpoint #${seq}`;
}

export { plural } from './words';

/** The file list: one line per file, at most `max`. */
export function describeRollbackItems(items: readonly RollbackPreviewItem[], max: number = LIMITS.confirmList): string {
  const lines = items.slice(0, max).map((i) => `${WORD[i.action]} ${i.path}${i.action === 'delete' || i.fromSeq === undefined ? '' : ` (from ${checkpointLabel(i.fromSeq)})`}`);
  if (items.length > max) lines.push(`…and ${items.length - max} more`);
  return lines.join('\n');
}

export function rollbackConfirmation(featureId: string, r: RollbackRequest, items: readonly RollbackPreviewItem[], max: number = LIMITS.confirmList): Confirmation {
  const n = plural(items.length, 'file');
  const detail = (note?: string) => [describeRollbackItems(items, max), '', ...(note ? [note] : []), FOOTER].join('\n');
  switch (r.kind) {
    case 'checkpoint':
      return { message: `Roll back feature "${featureId}" to ${checkpointLabel(r.seq)}? ${n} will change.`, detail: detail(), confirmLabel: 'Roll Back' };
    case 'files':
      return { message: `Roll back ${n} of feature "${featureId}" to ${checkpointLabel(r.seq)}?`, detail: detail('Other files keep their changes.'), confirmLabel: 'Roll Back Files' };
    case 'smart':
      return { message: `Smart rollback of feature "${featureId}": put back the ${n} that break the plan, each as it last kept the rules, and keep the rest?`, detail: detail(), confirmLabel: 'Smart Rollback' };
    case 'undo':
      return {
        message: `Undo the last rollback of feature "${featureId}"?${items.length ? ` Its ${n} go back to ${r.preRollbackSeq === undefined ? 'the checkpoint taken just before it' : checkpointLabel(r.preRollbackSeq)}.` : ''}`,
        detail: items.length ? detail() : 'The worktree goes back to the checkpoint taken just before that rollback.',
        confirmLabel: 'Undo Rollback',
      };
  }
}

/** When the preview is empty: nothing would change. */
export function nothingToRollBack(featureId: string, r: RollbackRequest): string {
  if (r.kind === 'smart') return `Nothing to roll back in "${featureId}": no file breaks the plan.`;
  if (r.kind === 'undo') return `There is no rollback of "${featureId}" to undo.`;
  return `Nothing to roll back in "${featureId}": the files already match ${checkpointLabel(r.seq)}.`;
}
