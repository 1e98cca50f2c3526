/**
 * The message a review becomes: each thread names its file, its lines and the checkpoint they
 * are from, quotes those lines (so the agent finds them even if it has moved on), and carries
 * the person's comments. Pure.
 */
import { AopError } from '../util/errors';
import { linesText, type ReviewThread } from '../../shared/review';

/** A message to an agent, at most (the orchestrator refuses more). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
const QUOTE_LINES = 6;
const QUOTE_WIDTH = 160;

/** `quote(thread)` gives the thread's lines as they were in its checkpoint, when readable. */
export function reviewMessage(threads: readonly ReviewThread[], quote: (t: ReviewThread) => string[] | undefined): string {
  if (threads.length === 0) throw new AopError('INVALID_INPUT', 'There are no review comments to send.');
  const seqs = [...new Set(threads.map((t) => t.seq))];
  const head = seqs.length === 1 ? ` as of checkpoint #${seqs[0]}` : '';
  const parts = [`Review comments on your work${head} (${threads.length === 1 ? 'one comment' : `${threads.length} comments`}). Line numbers are as they were in the checkpoint named; the lines are quoted. Please address each one.`];
  threads.forEach((t, i) => {
    const lines = quote(t);
    const shown = lines?.slice(0, QUOTE_LINES).map((l) => `   | ${l.length > QUOTE_WIDTH ? `${l.slice(0, QUOTE_WIDTH - 1)}…` : l}`) ?? [];
    if (lines && lines.length > QUOTE_LINES) shown.push(`   | … (${lines.length - QUOTE_LINES} more lines)`);
    const bodies = t.comments.map((c) => c.body.trim().split('\n').map((l) => `   ${l}`).join('\n'));
    parts.push([`${i + 1}. ${t.path}, ${linesText(t.startLine, t.endLine)} (checkpoint #${t.seq}${t.seq === 0 ? ', the base' : ''}):`, ...shown, ...bodies].join('\n'));
  });
  const text = parts.join('\n\n');
  if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
    throw new AopError('TOO_LARGE', `These ${threads.length} comments make a message over ${MAX_MESSAGE_BYTES / 1024} KiB; send fewer at once.`);
  }
  return text;
}
