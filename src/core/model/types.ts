/**
 * The domain's shared vocabulary (see README "Words"). Plain data, no behaviour.
 */

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

export interface Violation {
  kind: ViolationKind;
  severity: Severity;
  /** Worktree-relative path in git form ('' for feature-wide violations such as too_many_files). */
  path: string;
  message: string;
  /** 1-based line, where the rule can say (e.g. where a secret is). */
  line?: number;
}

/** git file modes as strings, as git prints them. */
export type GitMode = '100644' | '100755' | '120000' | '160000' | '040000';

/** One file's difference between two snapshots (or the base and a snapshot). */
export interface FileChange {
  path: string;
  /** A added, M modified, D deleted, T type changed (file <-> symlink <-> gitlink). */
  status: 'A' | 'M' | 'D' | 'T';
  /** The new mode; for deletions, the old one. */
  mode: GitMode;
  oldMode?: GitMode;
  /** Object id of the new content (blob or, for gitlinks, commit). Absent for deletions. */
  oid?: string;
  oldOid?: string;
  /** Size in bytes of the new content, when known. */
  size?: number;
  /** True when the path is ignored by .gitignore: checked, but not snapshotted. */
  ignored?: boolean;
  /** Lines added/removed (undefined for binary files). */
  added?: number;
  removed?: number;
  binary?: boolean;
}

export type CheckpointTrigger = 'watch' | 'manual' | 'pre-rollback' | 'rollback' | 'turn-end' | 'reconcile' | 'final' | 'initial';

export interface CheckpointRecord {
  featureId: string;
  seq: number;
  commit: string;
  tree: string;
  parent: string;
  time: string;
  trigger: CheckpointTrigger;
  /** Changes relative to the parent checkpoint. */
  files: FileChange[];
  durationMs: number;
  /** All violations standing on the feature after this checkpoint (cumulative against base). */
  violations: Violation[];
  /** Paths present in the worktree that the snapshot does not hold (nested repositories, oversize files). */
  notSnapshotted?: { path: string; reason: string }[];
}
