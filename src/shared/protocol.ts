/**
 * The one message protocol between the extension host and the review webview. Every message
 * is declared here once, as a zod schema with its inferred type, and each end validates what
 * it receives: anything unknown, malformed or oversized is rejected and logged, never acted on.
 *
 * Handshake: the webview posts `ready` when its script has loaded (and again after every
 * reload); only then does the host post, starting with a `snapshot`. Requests carry a
 * `requestId`; the host answers each with exactly one `reply`.
 */
import { z } from 'zod';
import { LIMITS, utf8Length } from './limits';
import { relPathProblem } from './paths';
import { MAX_COMMENT_BYTES, MAX_THREADS, reviewThreadSchema } from './review';
import {
  changeSetSchema,
  checkpointSummarySchema,
  diffRangeSchema,
  diffViewSchema,
  EVENT_TYPES,
  eventViewSchema,
  featureViewSchema,
  gateNameSchema,
  gatesViewSchema,
  messageViewSchema,
  rollbackViewSchema,
  seqSchema,
  snapshotSchema,
} from './viewModels';

export const PROTOCOL_VERSION = 1;

/** A canonical worktree-relative path: no `..`, not absolute, not under .git. */
export const relPathSchema = z.string().superRefine((p, ctx) => {
  const problem = relPathProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: `path ${JSON.stringify(p.slice(0, 200))} refused: ${problem}` });
});

const requestId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const req = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => z.strictObject({ type: z.literal(type), requestId, ...shape });

// ---- webview -> host ---------------------------------------------------------------------

export const messageTextSchema = z
  .string()
  .min(1)
  .refine((s) => s.length <= LIMITS.messageTextBytes && utf8Length(s) <= LIMITS.messageTextBytes, `message text is over ${LIMITS.messageTextBytes / 1024} KiB`)
  .refine((s) => s.trim().length > 0, 'message text is blank');

const reviewLine = z.number().int().min(1).max(10_000_000);
const reviewBody = z
  .string()
  .min(1)
  .refine((s) => utf8Length(s) <= MAX_COMMENT_BYTES, `a comment may be at most ${MAX_COMMENT_BYTES / 1024} KiB`)
  .refine((s) => s.trim().length > 0, 'the comment is blank');
const threadIdSchema = z.string().regex(/^t-[a-z0-9]+-[0-9a-f]{6}$/, 'not a review thread id');

/** Requests: each gets one reply. */
export const requestSchemas = {
  getChanges: req('getChanges', { range: diffRangeSchema }),
  getDiff: req('getDiff', { range: diffRangeSchema, path: relPathSchema }),
  /** The latest events of the given types (all types when empty), for the Log. */
  getLog: req('getLog', { types: z.array(z.enum(EVENT_TYPES)).max(EVENT_TYPES.length) }),
  rollbackToCheckpoint: req('rollbackToCheckpoint', { seq: seqSchema }),
  rollbackFiles: req('rollbackFiles', { seq: z.union([seqSchema, z.literal('base')]), paths: z.array(relPathSchema).min(1).max(LIMITS.paths) }),
  smartRollback: req('smartRollback', {}),
  undoRollback: req('undoRollback', {}),
  start: req('start', {}),
  pause: req('pause', {}),
  resume: req('resume', {}),
  stop: req('stop', {}),
  sendMessage: req('sendMessage', { text: messageTextSchema }),
  checkpointNow: req('checkpointNow', {}),
  openNativeDiff: req('openNativeDiff', { range: diffRangeSchema, path: relPathSchema }),
  openFile: req('openFile', { path: relPathSchema, line: z.number().int().min(1).max(1e9).optional() }),
  /** Runs the named gates (all of the plan's when empty) on the latest checkpoint. */
  runGates: req('runGates', { names: z.array(gateNameSchema).max(LIMITS.gates) }),
  /** Opens a gate's captured output (its latest run) in a read-only editor. */
  openGateOutput: req('openGateOutput', { name: gateNameSchema }),
  /** Starts "Accept Feature": the host shows the summary and asks (modal), then lands it. */
  acceptFeature: req('acceptFeature', {}),
  /** Reviews a change outside the worktree (git folder, checkout, plan); the host shows it and asks. */
  reviewOutside: req('reviewOutside', { path: z.string().min(1).max(LIMITS.pathLength), area: z.enum(['git', 'checkout', 'plan']) }),
  /** A review comment on lines of the diff's newer side (`at`: its checkpoint, or the worktree, checkpointed first). */
  addComment: req('addComment', { path: relPathSchema, startLine: reviewLine, endLine: reviewLine, at: z.union([seqSchema, z.literal('worktree')]), body: reviewBody }),
  replyComment: req('replyComment', { threadId: threadIdSchema, body: reviewBody }),
  /** "Send review": the feature's drafts (or those named) to its agent as one message. */
  sendReview: req('sendReview', { threadIds: z.array(threadIdSchema).max(MAX_THREADS).optional() }),
  resolveThread: req('resolveThread', { threadId: threadIdSchema, resolved: z.boolean() }),
} as const;

export type RequestType = keyof typeof requestSchemas;
export type RequestOf<K extends RequestType> = z.infer<(typeof requestSchemas)[K]>;
export type WebviewRequest = { [K in RequestType]: RequestOf<K> }[RequestType];
export const REQUEST_TYPES = Object.keys(requestSchemas) as RequestType[];

/**
 * Requests that change the feature. Both ends hold them to one at a time: the webview shows
 * "Working…" and sends no second one, the host refuses a second while one runs (so a double
 * click cannot roll back twice).
 */
export const MUTATING_REQUESTS: ReadonlySet<RequestType> = new Set<RequestType>([
  'rollbackToCheckpoint',
  'rollbackFiles',
  'smartRollback',
  'undoRollback',
  'start',
  'pause',
  'resume',
  'stop',
  'sendMessage',
  'checkpointNow',
  'runGates',
  'acceptFeature',
]);

/** What an action did: `cancelled` when the user declined the confirmation. */
export const actionOutcomeSchema = z.strictObject({
  status: z.enum(['done', 'cancelled']),
  summary: z.string().max(LIMITS.shortText).optional(),
});
export type ActionOutcome = z.infer<typeof actionOutcomeSchema>;

/** The result each request type is answered with. */
export const resultSchemas = {
  getChanges: changeSetSchema,
  getDiff: diffViewSchema,
  getLog: z.array(eventViewSchema).max(LIMITS.logEvents),
  rollbackToCheckpoint: actionOutcomeSchema,
  rollbackFiles: actionOutcomeSchema,
  smartRollback: actionOutcomeSchema,
  undoRollback: actionOutcomeSchema,
  start: actionOutcomeSchema,
  pause: actionOutcomeSchema,
  resume: actionOutcomeSchema,
  stop: actionOutcomeSchema,
  sendMessage: actionOutcomeSchema,
  checkpointNow: actionOutcomeSchema,
  openNativeDiff: actionOutcomeSchema,
  openFile: actionOutcomeSchema,
  runGates: actionOutcomeSchema,
  openGateOutput: actionOutcomeSchema,
  acceptFeature: actionOutcomeSchema,
  reviewOutside: actionOutcomeSchema,
  addComment: actionOutcomeSchema,
  replyComment: actionOutcomeSchema,
  sendReview: actionOutcomeSchema,
  resolveThread: actionOutcomeSchema,
} as const satisfies Record<RequestType, z.ZodType>;
export type ResultOf<K extends RequestType> = z.infer<(typeof resultSchemas)[K]>;

export const readyMessageSchema = z.strictObject({ type: z.literal('ready'), protocol: z.literal(PROTOCOL_VERSION) });
/** The webview reporting a problem of its own (e.g. a host message it refused), for the host's log. */
export const webviewLogSchema = z.strictObject({ type: z.literal('log'), level: z.enum(['warn', 'error']), message: z.string().max(LIMITS.shortText) });

export const webviewToHostSchema = z.discriminatedUnion('type', [
  readyMessageSchema,
  webviewLogSchema,
  ...(Object.values(requestSchemas) as [(typeof requestSchemas)[RequestType], ...(typeof requestSchemas)[RequestType][]]),
]);
export type WebviewToHost = z.infer<typeof webviewToHostSchema>;

// ---- host -> webview ---------------------------------------------------------------------

export const errorInfoSchema = z.strictObject({ code: z.string().max(64), message: z.string().max(LIMITS.shortText) });
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

export const replySchema = z.discriminatedUnion('ok', [
  z.strictObject({ type: z.literal('reply'), requestId, ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ type: z.literal('reply'), requestId, ok: z.literal(false), error: errorInfoSchema }),
]);
export type Reply = z.infer<typeof replySchema>;

/** Live changes since the snapshot; the webview merges them (checkpoints by seq, messages by id). */
export const updateSchema = z.strictObject({
  type: z.literal('update'),
  feature: featureViewSchema.optional(),
  checkpoints: z.array(checkpointSummarySchema).max(LIMITS.checkpoints).optional(),
  messages: z.array(messageViewSchema).max(LIMITS.messages).optional(),
  rollbacks: z.array(rollbackViewSchema).max(LIMITS.rollbacks).optional(),
  log: z.array(eventViewSchema).max(LIMITS.logEvents).optional(),
  /** The gates again, whole (a run finished, or a new checkpoint changed what they judge). */
  gates: gatesViewSchema.optional(),
  /** The review threads again, whole (a comment, a send, a message state, lines changed). */
  threads: z.array(reviewThreadSchema).max(MAX_THREADS * 2).optional(),
});
export type Update = z.infer<typeof updateSchema>;

export const snapshotMessageSchema = z.strictObject({ type: z.literal('snapshot'), protocol: z.literal(PROTOCOL_VERSION), snapshot: snapshotSchema });

/** The feature cannot be shown (deleted, or its state unreadable); the panel says why. */
export const unavailableSchema = z.strictObject({ type: z.literal('unavailable'), message: z.string().max(LIMITS.shortText) });

/**
 * The panel's state can no longer be trusted (the host could not send an update, so the panel
 * missed it): the panel says so and offers a reload (a new `ready`, answered by a fresh snapshot)
 * instead of going on with stale state.
 */
export const panelErrorSchema = z.strictObject({ type: z.literal('error'), message: z.string().max(LIMITS.shortText) });

export const hostToWebviewSchema = z.union([snapshotMessageSchema, updateSchema, replySchema, unavailableSchema, panelErrorSchema]);
export type HostToWebview = z.infer<typeof hostToWebviewSchema>;

// ---- helpers -------------------------------------------------------------------------------

/** A short, log-safe account of why a message was refused. */
export function describeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`)
    .join('; ')
    .slice(0, 1000);
}

/** The `type` and `requestId` of a message, when it has them, even if it is otherwise invalid. */
export function peekEnvelope(msg: unknown): { type?: string; requestId?: number } {
  if (typeof msg !== 'object' || msg === null) return {};
  const m = msg as Record<string, unknown>;
  const out: { type?: string; requestId?: number } = {};
  if (typeof m.type === 'string') out.type = m.type.slice(0, 64);
  if (typeof m.requestId === 'number' && Number.isSafeInteger(m.requestId) && m.requestId >= 1) out.requestId = m.requestId;
  return out;
}

/** The persisted webview state (getState/setState), which the serializer reads back to rebuild a panel. */
export const persistedStateSchema = z.object({
  v: z.literal(1),
  featureId: featureViewSchema.shape.id,
});
