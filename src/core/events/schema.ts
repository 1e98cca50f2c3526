/**
 * The event log's record types. One JSON object a line in `events.jsonl`; every line has
 * `t` (type), `ts` (ISO time) and `feature`. Read back with `safeParse`: an unknown or torn
 * line is skipped with a warning, never fatal.
 */
import { z } from 'zod';
import {
  BUDGET_KINDS,
  BUDGET_STATES,
  CHECKPOINT_TRIGGERS,
  FILE_STATUSES,
  type EventType,
  GIT_MODES,
  MESSAGE_SOURCES,
  MESSAGE_STATES,
  ROLLBACK_KINDS,
  SEVERITIES,
  VIOLATION_KINDS,
  rollbackTargetSchema,
  seqSchema,
} from '../../shared/vocabulary';

const mode = z.enum(GIT_MODES);

export const fileChangeSchema = z.object({
  path: z.string(),
  status: z.enum(FILE_STATUSES),
  mode,
  oldMode: mode.optional(),
  oid: z.string().optional(),
  oldOid: z.string().optional(),
  size: z.number().optional(),
  ignored: z.boolean().optional(),
  added: z.number().optional(),
  removed: z.number().optional(),
  binary: z.boolean().optional(),
});

export const violationSchema = z.object({
  kind: z.enum(VIOLATION_KINDS),
  severity: z.enum(SEVERITIES),
  path: z.string(),
  message: z.string(),
  line: z.number().optional(),
});

const base = { ts: z.string(), feature: z.string() };

export const eventSchema = z.discriminatedUnion('t', [
  z.object({ ...base, t: z.literal('feature.created'), baseRef: z.string(), baseCommit: z.string(), branch: z.string(), worktree: z.string() }),
  z.object({ ...base, t: z.literal('feature.deleted'), finalCheckpoint: z.number().optional() }),
  /** Accepted: `commit` is the result (also at refs/aop/<id>/accepted); `landed` when `target` moved to it. */
  z.object({ ...base, t: z.literal('feature.accepted'), seq: seqSchema, strategy: z.string(), commit: z.string(), target: z.string(), landed: z.boolean(), previous: z.string().optional() }),
  z.object({ ...base, t: z.literal('files.changed'), paths: z.array(z.string()), count: z.number() }),
  z.object({
    ...base,
    t: z.literal('checkpoint'),
    seq: seqSchema,
    commit: z.string(),
    tree: z.string(),
    parent: z.string(),
    trigger: z.enum(CHECKPOINT_TRIGGERS),
    files: z.array(fileChangeSchema),
    durationMs: z.number(),
    violations: z.array(violationSchema),
    notSnapshotted: z.array(z.object({ path: z.string(), reason: z.string() })).optional(),
  }),
  z.object({ ...base, t: z.literal('checkpoint.failed'), error: z.string(), code: z.string().optional() }),
  z.object({ ...base, t: z.literal('checkpoint.degraded'), reason: z.string(), durationMs: z.number() }),
  z.object({ ...base, t: z.literal('validation'), seq: z.number(), durationMs: z.number(), checked: z.number(), cacheHits: z.number(), violations: z.number() }),
  z.object({ ...base, t: z.literal('violation.critical'), violations: z.array(violationSchema) }),
  z.object({
    ...base,
    t: z.literal('rollback'),
    kind: z.enum(ROLLBACK_KINDS),
    /** A checkpoint, or SMART_ROLLBACK_TARGET (-1): each file to its own last clean checkpoint. */
    targetSeq: rollbackTargetSchema,
    preRollbackSeq: seqSchema,
    paths: z.array(z.string()),
    ok: z.boolean(),
    mismatches: z.array(z.string()).optional(),
    /** Paths left as they were, and why (nothing held what stood there). */
    skipped: z.array(z.object({ path: z.string(), reason: z.string() })).optional(),
    resultSeq: seqSchema.optional(),
  }),
  z.object({ ...base, t: z.literal('watcher'), state: z.enum(['ready', 'error', 'overflow', 'closed']), backend: z.string().optional(), message: z.string().optional() }),
  z.object({ ...base, t: z.literal('reconcile'), reason: z.string(), changed: z.number(), durationMs: z.number() }),
  z.object({ ...base, t: z.literal('agent.state'), from: z.string(), to: z.string(), reason: z.string().optional(), pid: z.number().optional(), exitCode: z.number().nullable().optional() }),
  z.object({ ...base, t: z.literal('agent.output'), stream: z.enum(['stdout', 'stderr']), text: z.string() }),
  z.object({ ...base, t: z.literal('agent.update'), kind: z.string(), data: z.unknown() }),
  z.object({ ...base, t: z.literal('agent.usage'), inputTokens: z.number().optional(), outputTokens: z.number().optional(), costUsd: z.number().optional() }),
  z.object({ ...base, t: z.literal('agent.permission'), tool: z.string(), decision: z.enum(['allow', 'deny', 'ask']), reason: z.string(), path: z.string().optional() }),
  z.object({
    ...base,
    t: z.literal('message'),
    id: z.string(),
    state: z.enum(MESSAGE_STATES),
    text: z.string().optional(),
    from: z.enum(MESSAGE_SOURCES).optional(),
    attempt: z.number().optional(),
    reason: z.string().optional(),
  }),
  z.object({ ...base, t: z.literal('breaker'), state: z.enum(['closed', 'open']), failures: z.number(), errors: z.array(z.string()).optional() }),
  z.object({ ...base, t: z.literal('gate'), name: z.string(), seq: z.number(), exitCode: z.number().nullable(), durationMs: z.number(), output: z.string(), passed: z.boolean() }),
  z.object({ ...base, t: z.literal('warning'), message: z.string() }),
  /** Old checkpoints dropped by retention; the kept ones re-chained ([seq, old commit, new commit]). */
  z.object({ ...base, t: z.literal('retention'), pruned: z.array(z.number()), rewritten: z.array(z.tuple([z.number(), z.string(), z.string()])) }),
  /** A budget reached (the agent paused and the person asked), and what the person chose. */
  z.object({ ...base, t: z.literal('budget'), kind: z.enum(BUDGET_KINDS), state: z.enum(BUDGET_STATES), used: z.number(), limit: z.number(), seq: z.number().optional() }),
  /** The person dismissed an item of "Needs you" (an undelivered message, a finished turn...). */
  z.object({ ...base, t: z.literal('attention'), dismissed: z.string() }),
  /** The watchdog's batching pace: coarser while checkpoints run over budget, back when they recover. */
  z.object({ ...base, t: z.literal('checkpoint.pace'), factor: z.number(), quietMs: z.number(), maxWaitMs: z.number(), reason: z.string() }),
  /** The repository's set-up command in a new worktree, before the agent starts. */
  z.object({
    ...base,
    t: z.literal('setup'),
    state: z.enum(['started', 'passed', 'failed']),
    command: z.string(),
    exitCode: z.number().nullable().optional(),
    durationMs: z.number().optional(),
    output: z.string().optional(),
    seq: z.number().optional(),
  }),
]);

export type AopEvent = z.infer<typeof eventSchema>;
export type AopEventType = AopEvent['t'];

// Compile-time: the log's record types are exactly the shared vocabulary's EVENT_TYPES, which the
// panel accepts. A new record type must be added there too, or this line stops type-checking.
const sameEventTypes: [AopEventType] extends [EventType] ? ([EventType] extends [AopEventType] ? true : false) : false = true;
void sameEventTypes;
/** An event as written by a producer: `ts` and `feature` are filled in by the log. */
export type EventInput = AopEvent extends infer E ? (E extends AopEvent ? Omit<E, 'ts' | 'feature'> : never) : never;
