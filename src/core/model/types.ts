/**
 * The domain's shared vocabulary (see README "Words"). Plain data, no behaviour.
 */

import type { CheckpointTrigger, FileStatus, GitMode, Severity, ViolationKind } from '../../shared/vocabulary';

// The value sets live in src/shared/vocabulary.ts (declared once for core and the panel).
export { CHECKPOINT_TRIGGERS, GIT_MODES, SEVERITIES, VIOLATION_KINDS } from '../../shared/vocabulary';
export type { CheckpointTrigger, GitMode, Severity, ViolationKind } from '../../shared/vocabulary';

export interface Violation {
  kind: ViolationKind;
  severity: Severity;
  /** Worktree-relative path in git form ('' for feature-wide violations such as too_many_files). */
  path: string;
  message: string;
  /** 1-based line, where the rule can say (e.g. where a secret is). */
  line?: number;
}

/** One file's difference between two snapshots (or the base and a snapshot). */
export interface FileChange {
  path: string;
  status: FileStatus;
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
