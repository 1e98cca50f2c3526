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
  'feature.accepted',
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
  'budget',
  'attention',
  'checkpoint.pace',
  'setup',
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
  'main_checkout_write',
  'plan_tampered',
  'exclusive_area',
  'broken_gitlink',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

/** What each rule catches, in words: for hovers in plan.yaml, the Problems view and the panel. */
export const VIOLATION_KIND_TEXT: Readonly<Record<ViolationKind, string>> = {
  out_of_scope: 'A changed file matches none of the `allowed` globs.',
  forbidden_path: 'A changed file matches a `forbidden` glob.',
  git_dir_write: 'A write into the repository\'s git folder that makes git run code or moves what others rely on (hooks, config, info/, another branch): the next git command, yours or ours, could run the agent\'s code.',
  symlink_escape: 'A symbolic link that points outside the worktree.',
  executable_added: 'A file was made executable (an error when `policy.blockExecutables` is on).',
  file_too_large: 'A file is larger than `limits.maxFileBytes`.',
  quota_exceeded: 'Added and modified files together exceed `limits.quotaBytes`.',
  too_many_files: 'More files changed than `limits.maxChangedFiles`.',
  secret_detected: 'A changed file holds something shaped like a credential (a key or token).',
  outside_worktree: 'A path outside the feature\'s worktree (`..` or absolute), refused or reported.',
  main_checkout_write: 'A file changed in your own checkout while agents ran: an agent may have left its worktree.',
  plan_tampered: 'A write to `.aop/` (a plan, a spec, a feature\'s state) while agents ran: the plan in force stays the one you saved or confirmed.',
  exclusive_area: 'A change in an area another feature claims in its `exclusive` globs.',
  broken_gitlink: 'A gitlink (submodule entry) to a commit this repository does not have, e.g. a nested repository committed by the agent: whoever checks the branch out gets an empty folder.',
};

/**
 * Whether a violation's path is relative to the repository's own checkout (writes there, in
 * `.aop/` and in the shared git folder) rather than to the feature's worktree. A write to the
 * worktree's own `.git` file is named `.git` and stays the worktree's.
 */
export function pathInRepository(v: { kind: ViolationKind; path: string }): boolean {
  return v.kind === 'main_checkout_write' || v.kind === 'plan_tampered' || (v.kind === 'git_dir_write' && v.path !== '.git');
}

/**
 * Where an outside violation's answer lives: the git folder, a file in the checkout (or `.aop/`),
 * or a feature's plan/spec waiting for review. Undefined for violations a rollback answers.
 */
export function outsideArea(v: { kind: ViolationKind; path: string }): 'git' | 'checkout' | 'plan' | undefined {
  if (v.kind === 'git_dir_write') return v.path === '.git' ? undefined : 'git';
  if (v.kind === 'main_checkout_write') return 'checkout';
  if (v.kind === 'plan_tampered') return /^\.aop\/features\/[^/]+\/(plan\.yaml|spec\.md)$/.test(v.path) ? 'plan' : 'checkout';
  return undefined;
}

/** Kinds a rollback of the worktree cannot answer (they are about files outside it). */
export const OUTSIDE_KINDS: readonly ViolationKind[] = ['git_dir_write', 'main_checkout_write', 'plan_tampered'];

/** A violation kind as a heading ("Out of scope"). */
export function violationKindLabel(kind: ViolationKind): string {
  return kind.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** A gate's name in plan.yaml, URIs, commands and panel requests: 1-64 letters, digits, ".", "_" or "-". */
export const GATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isGateName(name: unknown): name is string {
  return typeof name === 'string' && GATE_NAME.test(name);
}

export const SEVERITIES = ['critical', 'error', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a severity does, in a few words. */
export const SEVERITY_TEXT: Readonly<Record<Severity, string>> = {
  critical: 'pauses the agent at once',
  error: 'blocks accept',
  warning: 'never blocks',
};

export const CHECKPOINT_TRIGGERS = ['watch', 'manual', 'pre-rollback', 'rollback', 'turn-end', 'reconcile', 'final', 'initial', 'setup'] as const;
export type CheckpointTrigger = (typeof CHECKPOINT_TRIGGERS)[number];

/** A added, M modified, D deleted, T type changed (file <-> symlink <-> gitlink). */
export const FILE_STATUSES = ['A', 'M', 'D', 'T'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

/** git file modes as git prints them. */
export const GIT_MODES = ['100644', '100755', '120000', '160000', '040000'] as const;
export type GitMode = (typeof GIT_MODES)[number];

export const MESSAGE_STATES = ['queued', 'delivered', 'acknowledged', 'undelivered'] as const;
export const MESSAGE_SOURCES = ['user', 'system', 'agent'] as const;

/**
 * What a feature's budget limits (plan `budget:`, defaults in settings): tokens and cost as the
 * agent reports them, the agent's running time, files changed against the base, and the bytes
 * its checkpoints hold in the object store.
 */
export const BUDGET_KINDS = ['tokens', 'costUsd', 'wallTimeSec', 'filesChanged', 'checkpointBytes'] as const;
export type BudgetKind = (typeof BUDGET_KINDS)[number];

/** A budget ask's life: reached (agent paused, person asked), then extended, accepted as is, or stopped. */
export const BUDGET_STATES = ['reached', 'extended', 'accepted', 'stopped'] as const;

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
