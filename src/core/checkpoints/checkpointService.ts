/**
 * One feature's checkpoint engine. Requests (a watch batch's paths, a full reconciliation, a
 * manual checkpoint) are serialized: while one checkpoint runs, later requests merge into the
 * next. A checkpoint writes only the changed blobs and the trees on their paths, commits with
 * the previous checkpoint as parent, points `refs/aop/<id>/<seq>` at it, then validates the
 * feature cumulatively against its base and records everything in the event log. The list of
 * checkpoints, their refs and retention belong to its CheckpointHistory (./checkpointHistory.ts).
 */
import type { CheckpointRecord, CheckpointTrigger, FileChange, Violation } from '../model/types';
import type { EventLog } from '../events/eventLog';
import { IgnoreChecker } from '../git/ignoreChecker';
import { ObjectStore } from '../git/objectStore';
import { AopError, errorMessage } from '../util/errors';
import { Emitter } from '../util/emitter';
import { checkpointCommitText } from './checkpointCommit';
import { CheckpointLane, type CheckpointRequest, type MergedRequest } from './checkpointLane';
import { CheckpointHistory } from './checkpointHistory';
import { CumulativeChanges } from './cumulativeChanges';
import { CumulativeValidation, type IncrementalValidator } from './cumulativeValidation';
import { SnapshotTree } from './snapshotTree';
import { countChangeLines } from './changeLines';
import { Snapshotter, type SnapshotUpdate } from './snapshotter';
import { RecentBlobs } from './recentBlobs';
import { restartStateFile, restoreRestartState, saveRestartState, type VerdictKeeper } from './restartState';
import { StageClock } from './stageClock';
import { StatCache } from './statCache';
import { parseDiffTreeZ } from './treeDiff';
import { TreeDiffer } from '../git/treeDiffer';

export type { CheckpointRequest } from './checkpointLane';

/** What the service needs of the feature's Validator: whole-set validation and per-file verdicts. */
export interface CheckpointValidator extends IncrementalValidator, VerdictKeeper {
  validate(changes: FileChange[]): Promise<{ violations: Violation[]; checked: number; cacheHits: number }>;
}

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

type ValidationOutcome = Awaited<ReturnType<CheckpointValidator['validate']>> & { durationMs: number };

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
  private cumulativeCheck: CumulativeValidation;
  private lastViolations: Violation[] = [];
  private owesScan = false;
  /** The last record's fsync, awaited by the next checkpoint and by dispose. */
  private logSynced: Promise<void> = Promise.resolve();
  /** Sizes taken back from the last clean stop (./restartState; saved again if no checkpoint replaced them). */
  private restoredSizes: [string, number][] = [];
  /** Bytes of recently hashed blobs: a file edited again finds its previous version here. */
  private readonly recent = new RecentBlobs(RECENT_BLOB_BYTES);
  private notSnapshotted = new Map<string, string>();
  /** Milliseconds per stage of the last recorded checkpoint (for the bench and diagnosis). */
  lastTimings: Record<string, number> = {};
  private readonly emitter = new Emitter<CheckpointRecord>();
  /** Fires after each recorded checkpoint. */
  readonly onCheckpoint = this.emitter.event;
  private readonly validated = new Emitter<readonly Violation[]>();
  /** Fires after each validation of the whole feature, with or without a new checkpoint. */
  readonly onValidated = this.validated.event;

  private constructor(
    private readonly opts: CheckpointServiceOptions,
    store: ObjectStore,
  ) {
    this.store = store;
    this.history = new CheckpointHistory({ featureId: opts.featureId, worktree: opts.worktree, baseCommit: opts.baseCommit, store, log: opts.log, retain: opts.retain });
    this.ignore = new IgnoreChecker(opts.worktree);
    this.differ = new TreeDiffer(opts.worktree);
    this.stats = new StatCache(opts.statCacheFile);
    this.cumulativeCheck = new CumulativeValidation(opts.validator);
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
    return this.lastViolations;
  }

  get notSnapshottedPaths(): { path: string; reason: string }[] {
    return [...this.notSnapshotted].map(([p, reason]) => ({ path: p, reason }));
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
    const reason = this.notSnapshotted.get(rel);
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
    this.dropCumulative();
    this.owesScan = true;
    await this.opts.log.append({ t: 'checkpoint.failed', error: err.message, code: err.code }).catch(() => undefined);
  }

  /** Takes a checkpoint now; call only inside the feature's lane. */
  private async take(p: MergedRequest): Promise<CheckpointRecord | undefined> {
    const started = performance.now();
    const t = new StageClock();
    const synced = this.logSynced;
    this.logSynced = Promise.resolve();
    await synced; // the previous record is on disk (a failing disk fails this checkpoint)
    // Validated now, not at open: the validator may need this service.
    await this.history.recordUnlogged(async (commit) => (await this.computeValidation(commit)).violations, (rec) => this.published(rec));
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
    const violations = await this.recordValidation(seq, validation);
    const record: CheckpointRecord = {
      featureId: this.opts.featureId,
      seq,
      commit,
      tree,
      parent,
      time: new Date().toISOString(),
      trigger: p.trigger,
      files,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      violations,
    };
    if (this.notSnapshotted.size > 0) record.notSnapshotted = this.notSnapshottedPaths;
    const { featureId: _f, ...logged } = record;
    await this.opts.log.append({ t: 'checkpoint', ...logged });
    // The record's fsync follows at once in the log's lane; the caller does not wait for the
    // disk (the ref, made before, is what a restart trusts), the next checkpoint does.
    this.logSynced = this.opts.log.sync();
    this.logSynced.catch(() => undefined);
    t.lap('log');
    await this.afterScan(p.full);
    this.lastTimings = t.laps;
    if (this.opts.budgetMs !== undefined && record.durationMs > this.opts.budgetMs) {
      await this.opts.log.append({ t: 'checkpoint.degraded', reason: `took ${record.durationMs} ms, over the ${this.opts.budgetMs} ms budget`, durationMs: record.durationMs });
    }
    this.published(record);
    return record;
  }

  /** Records ignored files and unsnapshotted paths; returns the cumulative keys of ignored files that changed. */
  private noteSideEffects(up: SnapshotUpdate, full: boolean): string[] {
    const dirty = this.cumulative.noteIgnored(up.ignoredPresent, up.ignoredGone);
    for (const g of up.ignoredGone) this.notSnapshotted.delete(g);
    for (const t of up.touched) this.notSnapshotted.delete(t);
    if (full) this.notSnapshotted.clear();
    for (const n of up.notSnapshotted) this.notSnapshotted.set(n.path, n.reason);
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

  private dropCumulative(): void {
    this.cumulative.drop();
    this.cumulativeCheck = new CumulativeValidation(this.opts.validator);
  }

  /** Validates the head against the base, re-judging only `dirty` keys (all when undefined). */
  private async runValidation(dirty: readonly string[] | undefined): Promise<ValidationOutcome> {
    const started = performance.now();
    const map = await this.cumulative.ensure(this.tree.oid ?? this.headTree);
    const fresh = this.snapshotter.fresh;
    const r = await this.cumulativeCheck.update(map, dirty ?? map.keys(), (oid) => fresh.get(oid));
    return { ...r, durationMs: Math.round((performance.now() - started) * 100) / 100 };
  }

  private async validateCumulative(seq: number, dirty: readonly string[] = []): Promise<Violation[]> {
    return this.recordValidation(seq, await this.runValidation(dirty));
  }

  /** Validates a checkpoint other than the head, whole (recording a checkpoint found without its record). */
  private async computeValidation(commit: string): Promise<ValidationOutcome> {
    const started = performance.now();
    const r = await this.opts.validator.validate(await this.cumulativeChanges(commit));
    return { ...r, durationMs: Math.round((performance.now() - started) * 100) / 100 };
  }

  private async recordValidation(seq: number, r: ValidationOutcome): Promise<Violation[]> {
    this.lastViolations = r.violations;
    this.validated.fire(r.violations);
    await this.opts.log.append({ t: 'validation', seq, durationMs: r.durationMs, checked: r.checked, cacheHits: r.cacheHits, violations: r.violations.length });
    return r.violations;
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
    await this.logSynced.catch(() => undefined);
    await this.stats.save().catch(() => undefined);
    // Until a checkpoint builds the changes against the base, what the last stop saved still describes them.
    await saveRestartState(restartStateFile(this.opts.statCacheFile), this.opts.validator, this.cumulative.knownSizes() ?? this.restoredSizes);
    this.store.close();
    this.history.dispose();
    this.ignore.close();
    this.differ.close();
    this.emitter.dispose();
    this.validated.dispose();
  }
}

