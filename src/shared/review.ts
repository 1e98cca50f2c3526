/**
 * Review threads: a person's comments on lines of a feature's diff, sent to the agent as a
 * message that names the file, the lines and the checkpoint. Declared once (browser-safe) for
 * the core's store, the native diff's comments and the review panel.
 */
import { z } from 'zod';
import { MESSAGE_STATES, seqSchema } from './vocabulary';

/** A draft waits for "Send review"; sent follows its message; resolved is closed by the person. */
export const REVIEW_THREAD_STATES = ['draft', 'sent', 'resolved'] as const;
export type ReviewThreadState = (typeof REVIEW_THREAD_STATES)[number];

/** One comment, at most this long (a review message holds several). */
export const MAX_COMMENT_BYTES = 8 * 1024;
/** Open threads per feature, at most. */
export const MAX_THREADS = 500;

const line = z.number().int().min(1).max(10_000_000);
const time = z.string().max(64);

export const reviewCommentSchema = z.strictObject({
  id: z.string().max(100),
  body: z.string().min(1).max(MAX_COMMENT_BYTES),
  at: time,
});

export const reviewThreadSchema = z.strictObject({
  id: z.string().max(100),
  path: z.string().max(4096),
  /** The lines commented on, 1-based and inclusive, as they are in checkpoint `seq` (0: the base). */
  startLine: line,
  endLine: line,
  seq: seqSchema,
  comments: z.array(reviewCommentSchema).min(1).max(100),
  state: z.enum(REVIEW_THREAD_STATES),
  createdAt: time,
  /** The message that carried it to the agent, and that message's state. */
  messageId: z.string().max(200).optional(),
  messageState: z.enum(MESSAGE_STATES).optional(),
  sentAt: time.optional(),
  /** The first later checkpoint that changed these lines (the agent acted on them, or moved them). */
  changedIn: seqSchema.optional(),
  /** Where the lines are in the newest checkpoint that has them (when they moved). */
  now: z.strictObject({ seq: seqSchema, startLine: line, endLine: line }).optional(),
  resolvedAt: time.optional(),
});
export type ReviewThread = z.infer<typeof reviewThreadSchema>;
export type ReviewComment = z.infer<typeof reviewCommentSchema>;

/** "line 4" or "lines 4-9". */
export function linesText(start: number, end: number): string {
  return start === end ? `line ${start}` : `lines ${start}-${end}`;
}
