/**
 * What the review panel needs from the rest of the extension, as interfaces the composition
 * root implements against the orchestrator. Features are named by repository and id. Nothing here imports `vscode`, so the controller
 * that uses them runs in plain-Node unit tests.
 */
import type { AopEvent, AopEventType } from '../../core/events';
import type { CheckpointRecord, FileChange, Violation } from '../../core/model';
import type { BlobRead } from '../../shared/diffView';
import type { FeatureRef } from '../../shared/featureKey';
import type { ReviewThread } from '../../shared/review';
import type { RollbackPreviewItem } from '../../shared/rollbackConfirmation';
import type { DiffRange, FeatureView, GatesView } from '../../shared/viewModels';
import type { IDisposable } from './disposable';

export type { BlobRead } from '../../shared/diffView';
/** One end of a comparison: a checkpoint's seq, the feature's base commit, or the worktree on disk. */
export type SnapshotRef = number | 'base' | 'worktree';

/** A change the panel should show: a new event in the feature's log, or a change of its header. */
export interface ReviewChange {
  repoRoot: string;
  featureId: string;
  /** An event just appended to the feature's log. */
  event?: AopEvent;
  /** The header changed (agent state, breaker, queue position, capabilities). */
  feature?: boolean;
  /** The gates' results changed (a run started or finished). */
  gates?: boolean;
  /** The review threads changed. */
  threads?: boolean;
}

/** Read access to a feature's state. Methods throw AopError (e.g. NOT_FOUND) on failure. */
export interface ReviewDataSource {
  getFeature(feature: FeatureRef): Promise<FeatureView>;
  /** Every checkpoint of the feature, oldest first. */
  listCheckpoints(feature: FeatureRef): Promise<CheckpointRecord[]>;
  /** Files that differ between two snapshots, and the violations standing at `range.to`. */
  changes(feature: FeatureRef, range: DiffRange): Promise<{ files: FileChange[]; violations: Violation[] }>;
  /**
   * One file as it is in a snapshot: its full size and at most `maxBytes` of it; undefined when
   * the file does not exist there. Never reads outside the feature's worktree or object store.
   */
  readBlob(feature: FeatureRef, at: SnapshotRef, path: string, maxBytes: number): Promise<BlobRead | undefined>;
  /** The latest events of the log (oldest first), of the given types when `types` is set, at most `limit`. */
  events(feature: FeatureRef, filter: { types?: readonly AopEventType[]; limit: number }): Promise<AopEvent[]>;
  /** Absolute path of the feature's worktree, to open files in the editor. */
  worktreePath(feature: FeatureRef): Promise<string>;
  /** The plan's gates as judged at the feature's latest checkpoint. */
  gates(feature: FeatureRef): Promise<GatesView>;
  /** The review threads on the feature's diffs. */
  threads(feature: FeatureRef): Promise<ReviewThread[]>;
  onDidChange(listener: (change: ReviewChange) => void): IDisposable;
}

/** What an action reports back; `summary` is shown in the panel's status line; `cancelled` when the person declined. */
export type ActionResult = void | { summary?: string; cancelled?: boolean };

/**
 * The panel's actions. The panel has already validated input and asked the user to confirm
 * rollbacks; implementations throw AopError with a code and an actionable message.
 */
export interface ReviewActions {
  rollbackToCheckpoint(feature: FeatureRef, seq: number): Promise<ActionResult>;
  rollbackFiles(feature: FeatureRef, seq: number | 'base', paths: readonly string[]): Promise<ActionResult>;
  smartRollback(feature: FeatureRef): Promise<ActionResult>;
  undoRollback(feature: FeatureRef): Promise<ActionResult>;
  /** What a rollback would change (core's preview), for its confirmation. */
  previewRollback(feature: FeatureRef, r: { kind: 'checkpoint'; seq: number } | { kind: 'files'; seq: number | 'base'; paths: readonly string[] } | { kind: 'smart' }): Promise<RollbackPreviewItem[]>;
  start(feature: FeatureRef): Promise<ActionResult>;
  pause(feature: FeatureRef): Promise<ActionResult>;
  resume(feature: FeatureRef): Promise<ActionResult>;
  stop(feature: FeatureRef): Promise<ActionResult>;
  sendMessage(feature: FeatureRef, text: string): Promise<ActionResult>;
  checkpointNow(feature: FeatureRef): Promise<ActionResult>;
  openNativeDiff(feature: FeatureRef, path: string, from: number | 'base', to: number | 'worktree'): Promise<void>;
  /** Runs the named gates (all of the plan's when empty); refused in an untrusted workspace. */
  runGates(feature: FeatureRef, names: readonly string[]): Promise<ActionResult>;
  /** Opens a gate's latest captured output in the editor. */
  openGateOutput(feature: FeatureRef, name: string): Promise<void>;
  /** Accept Feature, with the editor's own summary dialog and strategy pick (the host asks, not the panel). */
  accept(feature: FeatureRef): Promise<ActionResult>;
  /** A change outside the worktree (git folder, checkout, plan): the editor shows it and asks what to do. */
  reviewOutside(feature: FeatureRef, path: string, area: 'git' | 'checkout' | 'plan'): Promise<ActionResult>;
  /** A review comment on lines of a checkpoint's (or, checkpointed first, the worktree's) version of a file. */
  addComment(feature: FeatureRef, c: { path: string; startLine: number; endLine: number; at: number | 'worktree'; body: string }): Promise<ActionResult>;
  replyComment(feature: FeatureRef, threadId: string, body: string): Promise<ActionResult>;
  sendReview(feature: FeatureRef, threadIds?: readonly string[]): Promise<ActionResult>;
  resolveThread(feature: FeatureRef, threadId: string, resolved: boolean): Promise<ActionResult>;
}

/** The editor surfaces the controller drives (a modal confirmation, opening a file). */
export interface ReviewHostUi {
  /** A modal warning; resolves true only when the user chose `confirmLabel`. */
  confirm(message: string, detail: string, confirmLabel: string): Promise<boolean>;
  openFile(absolutePath: string, line?: number): Promise<void>;
}

/** Where rejected messages and failures are written (a LogOutputChannel fits). */
export interface PanelLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The webview as the controller sees it. */
export interface WebviewPort {
  postMessage(message: unknown): PromiseLike<boolean>;
  onDidReceiveMessage(listener: (message: unknown) => void): IDisposable;
}
