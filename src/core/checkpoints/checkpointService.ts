/**
 * One feature's checkpoint engine. Requests (a watch batch's paths, a full reconciliation, a
 * manual checkpoint) are serialized: while one checkpoint runs, later requests merge into the
 * next. A checkpoint writes only the changed blobs and the trees on their paths, commits with
 * the previous checkpoint as parent, points `refs/aop/<id>/<seq>` at it, then validates the
 * feature cumulatively against its base and records everything in the event log. The list of
 * checkpoints, their refs and retention belong to its CheckpointHistory (./checkpointHistory.ts);
 * merging requests to its CheckpointLane, validating and recording the verdict to HeadValidation,
 * writing records to CheckpointLog, paths no checkpoint holds to UnsnapshottedPaths.
 */
import type { CheckpointRecord, CheckpointTrigger, FileChange, Violation } from '../model/types';
import type { EventLog } from '../events/eventLog';
import { IgnoreChecker } from '../git/ignoreChecker';
import { ObjectStore } from '../git/objectStore';
import { AopError, errorMessage } from '../util/errors';
import { Emitter } from '../util/emitter';
import { checkpointCommitText } from './checkpointCommit';
import { CheckpointLane, type CheckpointRequest, type MergedRequest } from './checkpointLane';
import { CheckpointLog } from './checkpointLog';
import { CheckpointHistory } from './checkpointHistory';
import { CumulativeChanges } from './cumulativeChanges';
import { HeadValidation, type CheckpointValidator, type ValidationOutcome } from './headValidation';
import { SnapshotTree } from './snapshotTree';
import { countChangeLines } from './changeLines';
import { Snapshotter, type SnapshotUpdate } from './snapshotter';
import { RecentBlobs } from './recentBlobs';
import { restartStateFile, restoreRestartState, saveRestartState } from './restartState';
import { StageClock, elapsedMs } from './stageClock';
import { StatCache } from './statCache';
import { parseDiffTreeZ } from './treeDiff';
import { UnsnapshottedPaths } from './unsnapshotted';
import { TreeDiffer } from '../git/treeDiffer';

export type { CheckpointRequest } from './checkpointLane';
export type { CheckpointValidator } from './headValidation';

export interface CheckpointServiceOptions {
  featureId: string;
  worktree: string;
  baseCommit: string;
  log: EventLog;
  validator: CheckpointValidator;
  /** Where the private stat cache is kept (optional). */
  statCacheFile?: string;
  /** A checkpoint slower than this is reported as degraded (the watchdog then batches coarser). */
  budgetMs?: number;
  /** The repository's object store, when the caller already opened it (the validator reads blobs from it too). */
  store?: ObjectStore;
  /** Checkpoints to keep (see CheckpointHistory.applyRetention); absent or 0 keeps all. */
  retain?: () => number;
}

/** Bytes of recent blob contents kept per feature, for line counts. */
const RECENT_BLOB_BYTES = 4 * 1024 * 1024;
/** After a full scan, a snapshot tree holding more folders than this is dropped from memory. */
const TRIM_FOLDERS = 2000;

export class CheckpointService {
  readonly store: ObjectStore;
  /** The checkpoints that exist, their records, refs and retention. */
  readonly history: CheckpointHistory;
  private readonly ignore: IgnoreChecker;
  private readonly differ: TreeDiffer;
  private readonly stats: StatCache;
  private tree!: SnapshotTree;
  private snapshotter!: Snapshotter;
  private readonly lane = new CheckpointLane((r) => this.take(r), (err) => this.failed(err));
  private headSeq = 0;
  private headCommit = '';
  private headTree = '';
  private baseTree = '';
  /** Everything the head differs from the base in (./cumulativeChanges.ts). */
  private cumulative!: CumulativeChanges;
  /** Validating the head (or an unlogged checkpoint) and recording the outcome. */
  private readonly validation: HeadValidation;
  private owesScan = false;
  /** Records, failures and slow checkpoints in the event log (./checkpointLog.ts: when a record is on disk). */
  private readonly records: CheckpointLog;
  /** Sizes taken back from the last clean stop (./restartState; saved again if no checkpoint replaced them). */
  private restoredSizes: [string, number][] = [];
  /** Bytes of recently hashed blobs: a file edited again finds its previous version here. */
  private readonly recent = new RecentBlobs(RECENT_BLOB_BYTES);
  private readonly notSnapshotted = new UnsnapshottedPaths();
  /** Milliseconds per stage of the last recorded checkpoint (for the bench and diagnosis). */
  lastTimings: Record<string, number> = {};
  private readonly emitter = new Emitter<CheckpointRecord>();
  /** Fires after each recorded checkpoint. */
  readonly onCheckpoint = this.emitter.event;
  /** Fires after each validation of the whole feature, with or without a new checkpoint. */
  readonly onValidated: HeadValidation['onValidated'];

  private constructor(
    private readonly opts: CheckpointServiceOptions,
    store: ObjectStore,
  ) {
    this.store = store;
    this.history = new CheckpointHistory({ featureId: opts.featureId, worktree: opts.worktree, baseCommit: opts.baseCommit, store, log: opts.log, retain: opts.retain });
    this.ignore = new IgnoreChecker(opts.worktree);
    this.differ = new TreeDiffer(opts.worktree);
    this.stats = new StatCache(opts.statCacheFile);
    this.validation = new HeadValidation(opts.validator, opts.log);
    this.records = new CheckpointLog(opts.log, opts.budgetMs);
    this.onValidated = this.validation.onValidated;
  }

  static async open(opts: CheckpointServiceOptions): Promise<CheckpointService> {
    const store = opts.store ?? (await ObjectStore.open(opts.worktree));
    const svc = new CheckpointService(opts, store);
    await svc.init();
    return svc;
  }

  private async init(): Promise<void> {
    await this.history.removeStaleLocks();
    this.baseTree = await this.treeOf(this.opts.baseCommit);
    const refs = await this.history.refs();
    const last = refs[refs.length - 1];
    this.headSeq = last?.seq ?? 0;
    this.headCommit = last?.commit ?? this.opts.baseCommit;
    this.headTree = last ? await this.treeOf(last.commit) : this.baseTree;
    this.tree = new SnapshotTree(this.store, this.headTree);
    this.cumulative = new CumulativeChanges({ store: this.store, differ: this.differ, baseTree: this.baseTree });
    this.snapshotter = new Snapshotter(this.opts.worktree, this.tree, this.store, this.ignore, this.stats);
    this.restoredSizes = await restoreRestartState(restartStateFile(this.opts.statCacheFile), this.opts.validator);
    for (const [oid, size] of this.restoredSizes) this.cumulative.rememberSize(oid, size);
    await this.history.load();
  }

  private async treeOf(commit: string): Promise<string> {
    const obj = await this.store.read(`${commit}^{tree}`);
    if (!obj) throw new AopError('NOT_FOUND', `commit ${commit} not found in the repository`);
    return obj.oid;
  }

  get base(): { commit: string; tree: string } {
    return { commit: this.opts.baseCommit, tree: this.baseTree };
  }

  get head(): { seq: number; commit: string; tree: string } {
    return { seq: this.headSeq, commit: this.headCommit, tree: this.headTree };
  }

  get violations(): readonly Violation[] {
    return this.validation.violations;
  }

  get notSnapshottedPaths(): { path: string; reason: string }[] {
    return this.notSnapshotted.list();
  }

  /**
   * False after a checkpoint failed, until a full scan succeeds: the paths of the failed batch
   * may be on disk and in no checkpoint, and only a scan finds them again.
   */
  get inStep(): boolean {
    return !this.owesScan;
  }

  /** Why a path on disk is not in the snapshots, when this service knows (ignored, too large, a nested repository...). */
  whyNotSnapshotted(rel: string): string | undefined {
    const reason = this.notSnapshotted.reason(rel);
    if (reason !== undefined) return reason;
    return this.cumulative.isIgnored(rel) ? 'ignored by .gitignore, so no checkpoint holds it; delete or move it yourself' : undefined;
  }

  /**
   * Asks for a checkpoint. Requests made while one runs are merged into the next. Resolves with
   * the record, or undefined when nothing changed.
   */
  request(req: CheckpointRequest): Promise<CheckpointRecord | undefined> {
    return this.lane.request(req);
  }

  /** Runs `task` in this feature's lane: no checkpoint runs at the same time. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.lane.exclusive(task);
  }

  /** A checkpoint failed: start the next from the last good one, so nothing half-built leaks into it. */
  private async failed(err: AopError): Promise<void> {
    this.tree.reset(this.headTree);
    this.cumulative.drop();
    this.validation.reset();
    this.owesScan = true;
    await this.records.failed(err);
  }

  /** Takes a checkpoint now; call only inside the feature's lane. Its new objects go to disk as one pack. */
  private take(p: MergedRequest): Promise<CheckpointRecord | undefined> {
    return this.store.packing(() => this.takePacked(p));
  }

  private async takePacked(p: MergedRequest): Promise<CheckpointRecord | undefined> {
    const started = performance.now();
    const t = new StageClock();
    await this.records.previousSynced(); // the previous record is on disk (a failing disk fails this checkpoint)
    // Validated now, not at open: the validator may need this service. Such a checkpoint is validated whole.
    await this.history.recordUnlogged(async (commit) => (await this.validation.whole(() => this.cumulativeChanges(commit))).violations, (rec) => this.published(rec));
    if (p.full) await this.stats.load();
    const up = p.full ? await this.snapshotter.applyAll() : await this.snapshotter.applyPaths(p.paths);
    for (const [oid, size] of this.snapshotter.blobSizes) this.cumulative.rememberSize(oid, size);
    const ignoredDirty = this.noteSideEffects(up, p.full);
    t.lap('snapshot');
    const tree = await this.tree.write();
    t.lap('trees');
    if (tree === this.headTree && !p.force) {
      await this.tree.changes(); // nothing: starts the next round
      if (ignoredDirty.length > 0) await this.validateCumulative(this.headSeq, ignoredDirty);
      await this.afterScan(p.full);
      return undefined;
    }
    const seq = this.headSeq + 1;
    const parent = this.headCommit;
    const commit = await this.store.writeObject('commit', Buffer.from(checkpointCommitText(tree, parent, this.opts.featureId, seq, p.trigger), 'utf8'));
    this.store.endPack(); // before anything outside (git diff, update-ref) reads them
    t.lap('commit');
    // Everything that can fail (reading objects for the diff, validating) happens before the
    // ref is made: a checkpoint either exists with its record, or not at all. Line counts
    // (git reads every changed blob) come from a second diff process while this one validates.
    // This checkpoint's own changes, from what the snapshot tree recorded (no second read of both trees).
    const own = await this.tree.changes();
    t.lap('diff');
    // Line counts from the bytes in hand, reading what is missing meanwhile; git's numstat only when that cannot be exact.
    const counted = countChangeLines(own, { fresh: this.snapshotter.fresh, recent: this.recent, knownSize: (oid) => this.cumulative.knownSize(oid), store: this.store });
    counted.catch(() => undefined);
    const dirty = await this.cumulative.advance(tree, own);
    const validation = await this.runValidation(dirty ? [...dirty, ...ignoredDirty] : undefined);
    t.lap('validate');
    const files = (await counted) ? own : parseDiffTreeZ(await this.differ.diff(this.headTree, tree, true));
    t.lap('lines');
    this.recent.addAll(this.snapshotter.fresh);
    await this.history.createRef(seq, commit);
    t.lap('ref');
    this.headSeq = seq;
    this.headCommit = commit;
    this.headTree = tree;
    const violations = await this.validation.record(seq, validation);
    const record: CheckpointRecord = {
      featureId: this.opts.featureId,
      seq,
      commit,
      tree,
      parent,
      time: new Date().toISOString(),
      trigger: p.trigger,
      files,
      durationMs: elapsedMs(started),
      violations,
    };
    if (this.notSnapshotted.size > 0) record.notSnapshotted = this.notSnapshottedPaths;
    await this.records.record(record); // on disk before the next checkpoint, not before this one returns
    t.lap('log');
    await this.afterScan(p.full);
    this.lastTimings = t.laps;
    await this.records.overBudget(record.durationMs);
    this.published(record);
    return record;
  }

  /** Records ignored files and unsnapshotted paths; returns the cumulative keys of ignored files that changed. */
  private noteSideEffects(up: SnapshotUpdate, full: boolean): string[] {
    const dirty = this.cumulative.noteIgnored(up.ignoredPresent, up.ignoredGone);
    this.notSnapshotted.note(up, full);
    return dirty;
  }

  /**
   * What a checkpoint learnt about file stats is saved (a journal append after a watch batch;
   * the whole cache after a full scan, which then leaves memory along with the folders the scan
   * read: the next batches read back only the folders they touch).
   */
  private async afterScan(full: boolean): Promise<void> {
    if (full) {
      this.owesScan = false;
      await this.stats.release();
      if (this.tree.loadedFolders > TRIM_FOLDERS) this.tree.reset(this.tree.oid ?? this.headTree);
    } else {
      await this.stats.save().catch(() => undefined); // a lost journal line only means hashing that file again
    }
  }

  /** A new record: into the history, then to listeners; old checkpoints dropped when due. */
  private published(record: CheckpointRecord): void {
    this.history.add(record);
    this.emitter.fire(record);
    if (this.history.retentionDue()) void this.applyRetention().catch((e: unknown) => this.opts.log.append({ t: 'warning', message: `Retention could not drop old checkpoints: ${errorMessage(e)}` }).catch(() => undefined));
  }

  /** Everything the feature differs from its base in: committed, uncommitted, and ignored files on disk. */
  async cumulativeChanges(commit = this.headCommit): Promise<FileChange[]> {
    if (commit === this.headCommit) return this.cumulative.list(this.headTree);
    return this.cumulative.at(await this.treeOf(commit));
  }

  /** Validates the head against the base, re-judging only `dirty` keys (all when undefined). */
  private runValidation(dirty: readonly string[] | undefined): Promise<ValidationOutcome> {
    const fresh = this.snapshotter.fresh;
    return this.validation.head(() => this.cumulative.ensure(this.tree.oid ?? this.headTree), dirty, (oid) => fresh.get(oid));
  }

  private async validateCumulative(seq: number, dirty: readonly string[] = []): Promise<Violation[]> {
    return this.validation.record(seq, await this.runValidation(dirty));
  }

  /** Re-validates the current head (e.g. after the plan changed). */
  revalidate(): Promise<Violation[]> {
    return this.lane.exclusive(() => this.validateCumulative(this.headSeq));
  }

  /** Drops old checkpoints now (see CheckpointHistory.applyRetention), in this feature's lane. */
  applyRetention(keepLast?: number): Promise<{ pruned: number[]; rewritten: [number, string, string][] }> {
    return this.lane.exclusive(async () => {
      const r = await this.history.applyRetention(keepLast);
      const head = r.rewritten.find(([seq]) => seq === this.headSeq);
      if (head) this.headCommit = head[2];
      return r;
    });
  }

  /** Resolves a checkpoint number to its commit; refuses an unknown one. 0 is the base. */
  async commitOf(seq: number): Promise<string> {
    if (seq !== 0 && seq === this.headSeq) return this.headCommit;
    return this.history.commitOf(seq);
  }

  /** After a rollback wrote the worktree: take its state as the new head, exactly. */
  async afterWorktreeRewrite(paths: Iterable<string>, trigger: CheckpointTrigger): Promise<CheckpointRecord | undefined> {
    return this.take({ paths: new Set(paths), full: false, force: false, trigger });
  }

  /** Takes a checkpoint inside the lane (for callers already holding it via exclusive()). */
  takeNow(req: CheckpointRequest): Promise<CheckpointRecord | undefined> {
    return this.take({ paths: new Set(req.paths ?? []), full: req.full === true, force: req.force === true, trigger: req.trigger });
  }

  async dispose(): Promise<void> {
    await this.lane.exclusive(async () => undefined);
    await this.records.settled();
    await this.stats.save().catch(() => undefined);
    // Until a checkpoint builds the changes against the base, what the last stop saved still describes them.
    await saveRestartState(restartStateFile(this.opts.statCacheFile), this.opts.validator, this.cumulative.knownSizes() ?? this.restoredSizes);
    this.store.close();
    this.history.dispose();
    this.ignore.close();
    this.differ.close();
    this.emitter.dispose();
    this.validation.dispose();
  }
}

