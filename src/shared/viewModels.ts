/**
 * What the review panel shows, as zod schemas with inferred types. These are the data half
 * of the host <-> webview protocol (protocol.ts holds the messages). Browser-safe. The value sets
 * (kinds, states, sequence numbers) come from vocabulary.ts, which the core's records use too, so
 * the panel accepts whatever the core records; only sizes are bounded here (buildViews clips).
 */
import { MAX_THREADS, reviewThreadSchema } from './review';
import { z } from 'zod';
import { LIMITS } from './limits';
import { isFeatureId } from './paths';
import {
  AGENT_LIFECYCLE_STATES,
  CHECKPOINT_TRIGGERS,
  EVENT_TYPES,
  FILE_STATUSES,
  GATE_NAME,
  GIT_MODES,
  MESSAGE_SOURCES,
  MESSAGE_STATES,
  ROLLBACK_KINDS,
  SEVERITIES,
  VIOLATION_KINDS,
  rollbackTargetSchema,
  seqSchema,
} from './vocabulary';

export {
  CHECKPOINT_TRIGGERS,
  EVENT_TYPES,
  FILE_STATUSES,
  GIT_MODES,
  MESSAGE_SOURCES,
  MESSAGE_STATES,
  ROLLBACK_KINDS,
  SEVERITIES,
  SMART_ROLLBACK_TARGET,
  VIOLATION_KINDS,
  rollbackTargetSchema,
  seqSchema,
} from './vocabulary';
export type { EventType, Severity, ViolationKind } from './vocabulary';

/**
 * Agent lifecycle as the panel shows it: core's states plus `idle` for a feature with no agent
 * session yet. `availableActions` (actions.ts) decides which buttons each allows.
 */
export const AGENT_STATES = ['idle', ...AGENT_LIFECYCLE_STATES] as const;
export type AgentState = (typeof AGENT_STATES)[number];

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const time = z.string().max(64);
const short = z.string().max(LIMITS.shortText);
/** Paths shown to the user: any string git can produce, bounded. Requests use `relPathSchema`. */
const displayPath = z.string().max(LIMITS.pathLength);
const oid = z.string().max(64);

export const featureViewSchema = z.strictObject({
  id: z.string().refine(isFeatureId, 'not a feature id'),
  title: z.string().max(200).optional(),
  branch: z.string().max(255),
  base: z.string().max(255),
  baseCommit: oid.optional(),
  provider: z.string().max(100),
  agentState: z.enum(AGENT_STATES),
  agentStateReason: short.optional(),
  breaker: z.strictObject({
    state: z.enum(['closed', 'open']),
    failures: count,
    lastErrors: z.array(short).max(10).optional(),
  }),
  /** 1-based place in the queue of features waiting for an agent slot. */
  queuePosition: z.number().int().min(1).optional(),
  /** What the provider supports; the panel offers only that. */
  capabilities: z.strictObject({ pause: z.boolean(), messages: z.boolean() }),
  /** Whether the agent runs (or would run) in the sandbox; without it, why and what that costs. */
  sandbox: z.strictObject({ state: z.enum(['on', 'off', 'unavailable']), reason: short, detail: z.string().max(1000) }).optional(),
});
export type FeatureView = z.infer<typeof featureViewSchema>;

const severityCounts = z.strictObject({ critical: count, error: count, warning: count });
export type SeverityCounts = z.infer<typeof severityCounts>;

export const checkpointSummarySchema = z.strictObject({
  seq: seqSchema,
  time,
  trigger: z.enum(CHECKPOINT_TRIGGERS),
  commit: oid,
  fileCount: count,
  added: count,
  removed: count,
  binaryFiles: count,
  /** Violations standing after this checkpoint, by severity. */
  violations: severityCounts,
  /** Up to three changed paths, for the timeline row. */
  samplePaths: z.array(displayPath).max(3),
  notSnapshotted: count,
  durationMs: z.number().min(0),
});
export type CheckpointSummary = z.infer<typeof checkpointSummarySchema>;

export const violationViewSchema = z.strictObject({
  kind: z.enum(VIOLATION_KINDS),
  severity: z.enum(SEVERITIES),
  path: displayPath,
  message: short,
  line: z.number().int().min(1).optional(),
});
export type ViolationView = z.infer<typeof violationViewSchema>;

export const fileChangeViewSchema = z.strictObject({
  path: displayPath,
  status: z.enum(FILE_STATUSES),
  mode: z.enum(GIT_MODES),
  oldMode: z.enum(GIT_MODES).optional(),
  added: count.optional(),
  removed: count.optional(),
  binary: z.boolean(),
  size: count.optional(),
  ignored: z.boolean(),
  /** Violations on this path: how many and the worst severity. */
  violationCount: count,
  worstSeverity: z.enum(SEVERITIES).optional(),
});
export type FileChangeView = z.infer<typeof fileChangeViewSchema>;

/** Which two snapshots a change set or diff compares. */
export const diffRangeSchema = z
  .strictObject({
    from: z.union([seqSchema, z.literal('base')]),
    to: z.union([seqSchema, z.literal('worktree')]),
  })
  .refine((r) => typeof r.from !== 'number' || typeof r.to !== 'number' || r.from < r.to, 'from must come before to');
export type DiffRange = z.infer<typeof diffRangeSchema>;

export const changeSetSchema = z.strictObject({
  range: diffRangeSchema,
  files: z.array(fileChangeViewSchema).max(LIMITS.changeFiles),
  violations: z.array(violationViewSchema).max(LIMITS.violations),
});
export type ChangeSet = z.infer<typeof changeSetSchema>;

export const diffLineSchema = z.strictObject({
  k: z.enum(['ctx', 'add', 'del']),
  text: z.string(),
  /** The line is the last of its file and has no newline after it. */
  noEol: z.literal(true).optional(),
});
export type DiffLine = z.infer<typeof diffLineSchema>;

export const hunkSchema = z.strictObject({
  oldStart: count,
  oldLines: count,
  newStart: count,
  newLines: count,
  lines: z.array(diffLineSchema).max(LIMITS.diffViewLines),
});
export type Hunk = z.infer<typeof hunkSchema>;

const diffCommon = {
  path: displayPath,
  status: z.enum(FILE_STATUSES),
  range: diffRangeSchema,
  oldSize: count.optional(),
  newSize: count.optional(),
  modeChange: z.strictObject({ from: z.enum(GIT_MODES), to: z.enum(GIT_MODES) }).optional(),
};

/** One file's diff: text with hunks, or a summary for what should not be dumped. */
export const diffViewSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...diffCommon,
    kind: z.literal('text'),
    hunks: z.array(hunkSchema).max(LIMITS.diffViewLines),
    added: count,
    removed: count,
    /** True when the edit distance was too large and the middle is shown as one replaced block. */
    approximate: z.boolean(),
  }),
  z.strictObject({ ...diffCommon, kind: z.literal('binary') }),
  z.strictObject({
    ...diffCommon,
    kind: z.literal('tooLarge'),
    reason: short,
    added: count.optional(),
    removed: count.optional(),
  }),
  z.strictObject({ ...diffCommon, kind: z.literal('submodule'), oldCommit: oid.optional(), newCommit: oid.optional() }),
]);
export type DiffView = z.infer<typeof diffViewSchema>;

export const eventViewSchema = z.strictObject({
  /** Position in this panel's stream: a stable key for the row. */
  n: count,
  t: z.enum(EVENT_TYPES),
  ts: time,
  summary: short,
  /** The record as JSON, cut to LIMITS.eventDetail. */
  detail: z.string().max(LIMITS.eventDetail + 64),
  level: z.enum(['info', 'warning', 'error']),
});
export type EventView = z.infer<typeof eventViewSchema>;

export const messageViewSchema = z.strictObject({
  id: z.string().max(200),
  from: z.enum(MESSAGE_SOURCES),
  text: z.string().max(LIMITS.messageTextBytes),
  state: z.enum(MESSAGE_STATES),
  /** When the message was first recorded, and when its state last changed. */
  time,
  updated: time,
  attempt: count.optional(),
  reason: short.optional(),
});
export type MessageView = z.infer<typeof messageViewSchema>;

export const rollbackViewSchema = z.strictObject({
  time,
  kind: z.enum(ROLLBACK_KINDS),
  /** A checkpoint, or SMART_ROLLBACK_TARGET for a smart rollback (each file to its last clean version). */
  targetSeq: rollbackTargetSchema,
  preRollbackSeq: seqSchema,
  resultSeq: seqSchema.optional(),
  ok: z.boolean(),
  /** The first paths restored (see pathCount for all). */
  paths: z.array(displayPath).max(50),
  pathCount: count,
  mismatchCount: count,
  /** Paths left in place because no checkpoint held what stood there. */
  skippedCount: count.optional(),
});
export type RollbackView = z.infer<typeof rollbackViewSchema>;

/** What a gate's name may be (the plan's rule, src/core/plan/schema.ts). */
export const gateNameSchema = z.string().regex(GATE_NAME, 'not a gate name');
/** At the judged checkpoint: the latest run there passed or failed, none ran there, or one runs now. */
export const GATE_STATUSES = ['passed', 'failed', 'missing', 'running'] as const;

export const gateViewSchema = z.strictObject({
  name: gateNameSchema,
  command: short,
  /** Accept needs it to have passed on the checkpoint being accepted. */
  required: z.boolean(),
  status: z.enum(GATE_STATUSES),
  /** The run on the judged checkpoint, when there is one. */
  exitCode: z.number().int().nullable().optional(),
  durationMs: z.number().min(0).optional(),
  /** The latest run on any checkpoint: history, never evidence for another checkpoint. */
  lastRun: z.strictObject({ seq: seqSchema, passed: z.boolean() }).optional(),
  /** A captured output exists to open (of the run here, else of the last run). */
  hasOutput: z.boolean(),
});
export type GateView = z.infer<typeof gateViewSchema>;

/** The feature's gates as judged at `seq`, its latest checkpoint, in plan order. */
export const gatesViewSchema = z.strictObject({
  seq: seqSchema,
  gates: z.array(gateViewSchema).max(LIMITS.gates),
});
export type GatesView = z.infer<typeof gatesViewSchema>;

export const snapshotSchema = z.strictObject({
  feature: featureViewSchema,
  gates: gatesViewSchema,
  /** Review comments on the feature's diffs (drafts, sent, resolved). */
  threads: z.array(reviewThreadSchema).max(MAX_THREADS * 2),
  checkpoints: z.array(checkpointSummarySchema).max(LIMITS.checkpoints),
  messages: z.array(messageViewSchema).max(LIMITS.messages),
  rollbacks: z.array(rollbackViewSchema).max(LIMITS.rollbacks),
  log: z.array(eventViewSchema).max(LIMITS.logEvents),
});
export type Snapshot = z.infer<typeof snapshotSchema>;
