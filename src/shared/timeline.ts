/**
 * The timeline: checkpoints with the conversation and rollbacks interleaved, newest first.
 * Pure, so the webview can rebuild it on every live update (1,000 checkpoints sort in well
 * under a millisecond).
 */
import type { CheckpointSummary, MessageView, RollbackView } from './viewModels';

export type TimelineItem =
  | { kind: 'checkpoint'; key: string; time: string; checkpoint: CheckpointSummary }
  | { kind: 'message'; key: string; time: string; message: MessageView }
  | { kind: 'rollback'; key: string; time: string; rollback: RollbackView };

function ms(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/**
 * At the same instant, a rollback sits above the pre-rollback checkpoint it took (it happened
 * after it) and a message above the checkpoint it may have caused.
 */
const KIND_ORDER = { rollback: 0, message: 1, checkpoint: 2 } as const;

export function buildTimeline(
  checkpoints: readonly CheckpointSummary[],
  messages: readonly MessageView[],
  rollbacks: readonly RollbackView[],
): TimelineItem[] {
  const items: { item: TimelineItem; t: number; tie: number }[] = [];
  for (const c of checkpoints) items.push({ item: { kind: 'checkpoint', key: `c:${c.seq}`, time: c.time, checkpoint: c }, t: ms(c.time), tie: c.seq });
  messages.forEach((m, i) => items.push({ item: { kind: 'message', key: `m:${m.id}`, time: m.time, message: m }, t: ms(m.time), tie: i }));
  rollbacks.forEach((r, i) => items.push({ item: { kind: 'rollback', key: `r:${i}:${r.preRollbackSeq}`, time: r.time, rollback: r }, t: ms(r.time), tie: i }));
  items.sort((a, b) => b.t - a.t || KIND_ORDER[a.item.kind] - KIND_ORDER[b.item.kind] || b.tie - a.tie);
  return items.map((x) => x.item);
}
