/**
 * The domain's value sets, declared once. The core's records (event log, model types) and the
 * panel's view models both take their enums and number ranges from here, so the panel accepts
 * every value the core can produce: a rule restated on one side (a smart rollback's target
 * `-1` refused as "too small" by the panel) froze the review panel before this file existed.
 * Browser-safe: zod and plain data only.
 */
import { z } from 'zod';

/** The event log's record types (the `t` of each line; src/core/events/schema.ts checks it has exactly these). */
export const EVENT_TYPES = [
  'feature.created',
  'feature.deleted',
  'files.changed',
  'checkpoint',
  'checkpoint.failed',
  'checkpoint.degraded',
  'validation',
  'violation.critical',
  'rollback',
  'watcher',
  'reconcile',
  'agent.state',
  'agent.output',
  'agent.update',
  'agent.usage',
  'agent.permission',
  'message',
  'breaker',
  'gate',
  'warning',
  'retention',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An agent session's lifecycle (the edges between them: src/core/agents/states.ts). */
export const AGENT_LIFECYCLE_STATES = ['queued', 'starting', 'running', 'paused', 'stopping', 'exited', 'failed', 'interrupted'] as const;

export const VIOLATION_KINDS = [
  'out_of_scope',
  'forbidden_path',
  'git_dir_write',
  'symlink_escape',
  'executable_added',
  'file_too_large',
  'quota_exceeded',
  'too_many_files',
  'secret_detected',
  'outside_worktree',
  'exclusive_area',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export const SEVERITIES = ['critical', 'error', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CHECKPOINT_TRIGGERS = ['watch', 'manual', 'pre-rollback', 'rollback', 'turn-end', 'reconcile', 'final', 'initial'] as const;
export type CheckpointTrigger = (typeof CHECKPOINT_TRIGGERS)[number];

/** A added, M modified, D deleted, T type changed (file <-> symlink <-> gitlink). */
export const FILE_STATUSES = ['A', 'M', 'D', 'T'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

/** git file modes as git prints them. */
export const GIT_MODES = ['100644', '100755', '120000', '160000', '040000'] as const;
export type GitMode = (typeof GIT_MODES)[number];

export const MESSAGE_STATES = ['queued', 'delivered', 'acknowledged', 'undelivered'] as const;
export const MESSAGE_SOURCES = ['user', 'system', 'agent'] as const;

export const ROLLBACK_KINDS = ['checkpoint', 'files', 'smart', 'undo'] as const;
export type RollbackKind = (typeof ROLLBACK_KINDS)[number];

/** A checkpoint number (0 is the feature's base). */
export const seqSchema = z.number().int().min(0).max(1e9);

/**
 * What a rollback went back to: a checkpoint number, or SMART_ROLLBACK_TARGET for a smart
 * rollback, where each file goes back to its own last clean checkpoint.
 */
export const SMART_ROLLBACK_TARGET = -1;
export const rollbackTargetSchema = z.union([seqSchema, z.literal(SMART_ROLLBACK_TARGET)]);
