/**
 * One feature's checkpoint engine. Requests (a watch batch's paths, a full reconciliation, a
 * manual checkpoint) are serialized: while one checkpoint runs, later requests merge into the
 * next. A checkpoint writes only the changed blobs and the trees on their paths, commits with
 * the previous checkpoint as parent, points `refs/aop/<id>/<seq>` at it, then validates the
 * feature cumulatively against its base and records everything in the event log.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { CheckpointRecord, CheckpointTrigger, FileChange, Violation } from '../model/types';
import type { EventLog } from '../events/eventLog';
import { IgnoreChecker } from '../git/ignoreChecker';
import { ObjectStore } from '../git/objectStore';
import { RefStore, type CheckpointRef } from '../git/refStore';
import { git } from '../git/gitRunner';
import { AopError, errorMessage } from '../util/errors';
import { Emitter } from '../util/emitter';
import { SerialQueue, mapLimit } from '../util/async';
import { CumulativeValidation, type IncrementalValidator } from './cumulativeValidation';
import type { SavedVerdicts } from '../validation';
import { writeFileAtomic } from '../util/atomicFile';
import { SnapshotTree, TREE_MODE, byPath, fileChange, parentOf } from './snapshotTree';
import { countLines, type LineCounts } from './lineCounts';
import { RecentBlobs } from './recentBlobs';
import { INLINE_HASH_BYTES, Snapshotter, type IgnoredFile, type SnapshotUpdate } from './snapshotter';
import { StatCache } from './statCache';
import { diffTrees, parseDiffTreeZ } from './treeDiff';
import { TreeDiffer } from '../git/treeDiffer';

/** What the service needs of the feature's Validator: whole-set validation and per-file verdicts. */
export interface CheckpointValidator extends IncrementalValidator {
  validate(changes: FileChange[]): Promise<{ violations: Violation[]; checked: number; cacheHits: number }>;
  /** Per-file verdicts to keep across a restart, and taking them back (both optional). */
  savedVerdicts?(): SavedVerdicts;
  restoreVerdicts?(saved: unknown): number;
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
}

export interface CheckpointRequest {
  paths?: Iterable<string>;
  /** Compare the whole worktree (reconciliation). */
  full?: boolean;
  trigger: CheckpointTrigger;
  /** Record a checkpoint even when nothing changed (pre-rollback safety points). */
  force?: boolean;
}

type ValidationOutcome = Awaited<ReturnType<CheckpointValidator['validate']>> & { durationMs: number };

interface Pending {
  paths: Set<string>;
  full: boolean;
  force: boolean;
  trigger: CheckpointTrigger;
  waiters: { resolve(r: CheckpointRecord | undefined): void; reject(e: unknown): void }[];
}

const AUTHOR = 'Agent Orchestrator <aop@localhost>';
/** Bytes of recent blob contents kept per feature, for line counts. */
const RECENT_BLOB_BYTES = 4 * 1024 * 1024;
/** Checkpoints changing more files than this have their lines counted by git. */
const MAX_COUNTED_FILES = 5000;
/** After a full scan, a snapshot tree holding more folders than this is dropped from memory. */
const TRIM_FOLDERS = 2000;

export class CheckpointService {
  readonly store: ObjectStore;
  readonly refs: RefStore;
  private readonly ignore: IgnoreChecker;
  private readonly differ: TreeDiffer;
  private readonly sizes = new Map<string, number>();
  /** Sizes taken back from the last clean stop (saved again if no checkpoint replaced them). */
  private restoredSizes: [string, number][] = [];
  private readonly stats: StatCache;
  private tree!: SnapshotTree;
  private snapshotter!: Snapshotter;
  private readonly queue = new SerialQueue();
  private pending: Pending | undefined;
  private running = false;
  private headSeq = 0;
  private headCommit = '';
  private headTree = '';
  private baseTree = '';
  private readonly ignored = new Map<string, IgnoredFile>();
  /**
   * Everything the head differs from the base in, by key (a path; `ignored:<path>` for an
   * ignored file on disk), kept up to date from each checkpoint's own changes instead of
   * diffing the base again; undefined until first needed (or after a failed checkpoint).
   */
  private cumulative: Map<string, FileChange> | undefined;
  private cumulativeCheck: CumulativeValidation;
  /** The base tree, for looking up what a changed path held there. */
  private baseView!: SnapshotTree;
  private lastViolations: Violation[] = [];
  private owesScan = false;
  /** The last record's fsync, awaited by the next checkpoint and by dispose. */
  private logSynced: Promise<void> = Promise.resolve();
  /** Bytes of recently hashed blobs: a file edited again finds its previous version here. */
  private readonly recent = new RecentBlobs(RECENT_BLOB_BYTES);
  /** Checkpoints in refs/aop that the log has no record of (see recordUnlogged). */
  private unlogged: CheckpointRef[] = [];
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
    this.refs = new RefStore(opts.worktree);
    this.ignore = new IgnoreChecker(opts.worktree);
    this.differ = new TreeDiffer(opts.worktree);
    this.stats = new StatCache(opts.statCacheFile);
    this.cumulativeCheck = new CumulativeValidation(opts.validator);
  }

  static async open(opts: CheckpointServiceOptions): Promise<CheckpointService> {
    const store = await ObjectStore.open(opts.worktree);
    const svc = new CheckpointService(opts, store);
    await svc.init();
    return svc;
  }

  private async init(): Promise<void> {
    await this.removeStaleRefLocks();
    this.baseTree = await this.treeOf(this.opts.baseCommit);
    const refs = await this.refs.list(this.opts.featureId);
    const last = refs[refs.length - 1];
    if (last) {
      this.headSeq = last.seq;
      this.headCommit = last.commit;
      this.headTree = await this.treeOf(last.commit);
    } else {
      this.headSeq = 0;
      this.headCommit = this.opts.baseCommit;
      this.headTree = this.baseTree;
    }
    this.tree = new SnapshotTree(this.store, this.headTree);
    this.baseView = new SnapshotTree(this.store, this.baseTree);
    this.snapshotter = new Snapshotter(this.opts.worktree, this.tree, this.store, this.ignore, this.stats);
    await this.restoreVerdicts();
    if (refs.length > 0) {
      const logged = new Set<string>();
      for (const e of (await this.opts.log.read()).events) if (e.t === 'checkpoint') logged.add(`${e.seq} ${e.commit}`);
      this.unlogged = refs.filter((r) => !logged.has(`${r.seq} ${r.commit}`));
    }
  }

  /**
   * A kill (or a full disk) between update-ref and the log append leaves a checkpoint without its
   * record, so it would never be listed. The next checkpoint first writes the missing records,
   * from the commits (validated then: the validator may need this service, so not during open).
   */
  private async recordUnlogged(): Promise<void> {
    while (this.unlogged.length > 0) {
      const r = this.unlogged[0]!;
      const text = (await this.store.read(r.commit))?.data.toString('utf8') ?? '';
      const parent = /^parent ([0-9a-f]+)$/m.exec(text)?.[1] ?? this.opts.baseCommit;
      const trigger = /^aop checkpoint \S+ \(([a-z-]+)\)$/m.exec(text)?.[1] as CheckpointTrigger | undefined;
      const record: CheckpointRecord = {
        featureId: this.opts.featureId,
        seq: r.seq,
        commit: r.commit,
        tree: await this.treeOf(r.commit),
        parent,
        time: new Date().toISOString(),
        trigger: trigger && rank(trigger) >= 0 ? trigger : 'reconcile',
        files: await diffTrees(this.opts.worktree, parent, r.commit, { numstat: true }),
        durationMs: 0,
        violations: (await this.computeValidation(r.commit)).violations,
      };
      await this.opts.log.append({ t: 'warning', message: `Checkpoint ${r.seq} was made but not logged (the process stopped or the disk was full); recorded now.` });
      await this.opts.log.append({ t: 'checkpoint', ...omitFeature(record) });
      await this.opts.log.sync();
      this.unlogged.shift();
      this.emitter.fire(record);
    }
  }

  /**
   * Only this service writes `refs/aop/<id>/`, and only one instance runs per feature: a lock
   * file found there at start was left by a process killed mid-update, and would block every
   * checkpoint from now on. Remove it.
   */
  private async removeStaleRefLocks(): Promise<void> {
    const dir = path.join(path.dirname(this.store.objectsDir), RefStore.prefix(this.opts.featureId));
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    for (const n of names.filter((x) => x.endsWith('.lock'))) {
      await fs.rm(path.join(dir, n), { force: true });
      await this.opts.log.append({ t: 'warning', message: `Removed a stale ref lock left by an interrupted checkpoint: ${n}` });
    }
  }

  private async treeOf(commit: string): Promise<string> {
    const obj = await this.store.read(`${commit}^{tree}`);
    if (!obj) throw new AopError('NOT_FOUND', `commit ${commit} not found in the repository`);
    return obj.oid;
  }

  get head(): { seq: number; commit: string; tree: string } {
    return { seq: this.headSeq, commit: this.headCommit, tree: this.headTree };
  }

  get base(): { commit: string; tree: string } {
    return { commit: this.opts.baseCommit, tree: this.baseTree };
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
    return this.ignored.has(rel) ? 'ignored by .gitignore, so no checkpoint holds it; delete or move it yourself' : undefined;
  }

  /** True while a checkpoint is being taken or waits to be. */
  get busy(): boolean {
    return this.running || this.pending !== undefined;
  }

  /**
   * Asks for a checkpoint. Requests made while one runs are merged into the next. Resolves with
   * the record, or undefined when nothing changed.
   */
  request(req: CheckpointRequest): Promise<CheckpointRecord | undefined> {
    if (!this.pending) {
      this.pending = { paths: new Set(), full: false, force: false, trigger: req.trigger, waiters: [] };
      const p = this.pending;
      void this.queue.run(() => this.runPending(p));
    }
    const p = this.pending;
    for (const x of req.paths ?? []) p.paths.add(x);
    p.full ||= req.full === true;
    p.force ||= req.force === true;
    // The most telling trigger wins when requests merge.
    if (rank(req.trigger) > rank(p.trigger)) p.trigger = req.trigger;
    return new Promise((resolve, reject) => p.waiters.push({ resolve, reject }));
  }

  /** Runs `task` in this feature's lane: no checkpoint runs at the same time. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(task);
  }

  private async runPending(p: Pending): Promise<void> {
    if (this.pending === p) this.pending = undefined;
    this.running = true;
    try {
      const rec = await this.take(p);
      for (const w of p.waiters) w.resolve(rec);
    } catch (e) {
      const err = AopError.is(e) ? e : new AopError('GIT_FAILED', `Checkpoint failed: ${errorMessage(e)}`, { cause: e });
      // Start the next checkpoint from the last good one, so nothing half-built leaks into it.
      this.tree.reset(this.headTree);
      this.dropCumulative();
      this.owesScan = true;
      await this.opts.log.append({ t: 'checkpoint.failed', error: err.message, code: err.code }).catch(() => undefined);
      for (const w of p.waiters) w.reject(err);
    } finally {
      this.running = false;
    }
  }

  /** Takes a checkpoint now; call only inside the feature's lane. */
  private async take(p: Pick<Pending, 'paths' | 'full' | 'force' | 'trigger'>): Promise<CheckpointRecord | undefined> {
    const started = performance.now();
    const t = new StageClock();
    const synced = this.logSynced;
    this.logSynced = Promise.resolve();
    await synced; // the previous record is on disk (a failing disk fails this checkpoint)
    await this.recordUnlogged();
    if (p.full) await this.stats.load();
    const up = p.full ? await this.snapshotter.applyAll() : await this.snapshotter.applyPaths(p.paths);
    for (const [oid, size] of this.snapshotter.blobSizes) this.rememberSize(oid, size);
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
    const commit = await this.writeCommit(tree, parent, `aop checkpoint ${this.opts.featureId}#${seq} (${p.trigger})`);
    t.lap('commit');
    // Everything that can fail (reading objects for the diff, validating) happens before the
    // ref is made: a checkpoint either exists with its record, or not at all. Line counts
    // (git reads every changed blob) come from a second diff process while this one validates.
    // This checkpoint's own changes, from what the snapshot tree recorded (no second read of both trees).
    const own = await this.tree.changes();
    t.lap('diff');
    // Line counts from the bytes in hand, reading what is missing meanwhile; git's numstat only when that cannot be exact.
    const counted = this.countLines(own);
    counted.catch(() => undefined);
    const dirty = await this.advanceCumulative(tree, own);
    const validation = await this.runValidation(dirty ? [...dirty, ...ignoredDirty] : undefined);
    t.lap('validate');
    const files = (await counted) ? own : parseDiffTreeZ(await this.differ.diff(this.headTree, tree, true));
    t.lap('lines');
    this.recent.addAll(this.snapshotter.fresh);
    await this.refs.create(RefStore.checkpointRef(this.opts.featureId, seq), commit);
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
    await this.opts.log.append({ t: 'checkpoint', ...omitFeature(record) });
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
    this.emitter.fire(record);
    return record;
  }

  /**
   * Fills in each change's line counts (or binary) in place; false when git must count instead.
   * New bytes come from this checkpoint's hashing, old ones from recent checkpoints or git.
   */
  private async countLines(changes: FileChange[]): Promise<boolean> {
    const fresh = this.snapshotter.fresh;
    const bytes = async (oid: string | undefined, mode: string | undefined): Promise<Buffer | undefined | false> => {
      if (oid === undefined || mode === '160000') return undefined;
      const known = fresh.get(oid) ?? this.recent.get(oid);
      if (known) return known;
      const size = this.sizes.get(oid);
      if (size !== undefined && size > INLINE_HASH_BYTES) return false;
      const obj = await this.store.read(oid);
      if (!obj || obj.data.length > INLINE_HASH_BYTES) return false;
      return obj.data;
    };
    if (changes.length > MAX_COUNTED_FILES) return false;
    const sides = await Promise.all(
      changes.map(async (c) => [await bytes(c.status === 'A' ? undefined : c.oldOid, c.oldMode), await bytes(c.status === 'D' ? undefined : c.oid, c.mode)] as const),
    );
    const counts: (LineCounts | undefined)[] = [];
    for (let i = 0; i < changes.length; i++) {
      const [before, after] = sides[i]!;
      if (before === false || after === false) return false;
      const n = countLines(changes[i]!, before, after);
      if (!n) return false;
      counts.push(n);
      if (i % 256 === 255) await new Promise((r) => setImmediate(r));
    }
    changes.forEach((c, i) => {
      const n = counts[i]!;
      if ('binary' in n) c.binary = true;
      else {
        c.added = n.added;
        c.removed = n.removed;
      }
    });
    return true;
  }

  /** Records ignored files and unsnapshotted paths; returns the cumulative keys of ignored files that changed. */
  private noteSideEffects(up: SnapshotUpdate, full: boolean): string[] {
    const dirty: string[] = [];
    for (const f of up.ignoredPresent) {
      this.ignored.set(f.path, f);
      this.cumulative?.set(ignoredKey(f.path), ignoredChange(f));
      dirty.push(ignoredKey(f.path));
    }
    for (const g of up.ignoredGone) {
      this.ignored.delete(g);
      this.notSnapshotted.delete(g);
      this.cumulative?.delete(ignoredKey(g));
      dirty.push(ignoredKey(g));
    }
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

  private async writeCommit(tree: string, parent: string, message: string): Promise<string> {
    const when = `${Math.floor(Date.now() / 1000)} +0000`;
    const body = `tree ${tree}\nparent ${parent}\nauthor ${AUTHOR} ${when}\ncommitter ${AUTHOR} ${when}\n\n${message}\n`;
    return this.store.writeObject('commit', Buffer.from(body, 'utf8'));
  }

  /** Everything the feature differs from its base in: committed, uncommitted, and ignored files on disk. */
  async cumulativeChanges(commit = this.headCommit): Promise<FileChange[]> {
    if (commit === this.headCommit) {
      const all = [...(await this.ensureCumulative(this.headTree)).values()].map((c) => ({ ...c }));
      return all.sort((a, b) => Number(a.ignored === true) - Number(b.ignored === true) || (a.ignored ? 0 : byPath(a.path, b.path)));
    }
    const changes = await this.diffFromBase(await this.treeOf(commit));
    for (const f of this.ignored.values()) changes.push(ignoredChange(f));
    return changes;
  }

  /** Tracked changes from the base to `tree`, with sizes, from git's tree diff. */
  private async diffFromBase(tree: string): Promise<FileChange[]> {
    const changes = parseDiffTreeZ(await this.differ.diff(this.baseTree, tree, false));
    // Many requests in flight on the one cat-file process (its replies come in order): after a
    // restart, when no size is remembered, a feature that touched 2,000 files no longer waits
    // for 2,000 round trips one after the other.
    await mapLimit(changes, 64, async (c) => {
      if (c.oid && c.mode !== '160000' && c.size === undefined) c.size = await this.sizeOf(c.oid);
    });
    return changes;
  }

  /** The cumulative map as of `tree` (the head), built from git's diff when not kept yet. */
  private async ensureCumulative(tree: string): Promise<Map<string, FileChange>> {
    if (this.cumulative) return this.cumulative;
    const map = new Map<string, FileChange>();
    for (const c of await this.diffFromBase(tree)) map.set(c.path, c);
    for (const f of this.ignored.values()) map.set(ignoredKey(f.path), ignoredChange(f));
    this.cumulative = map;
    return map;
  }

  /**
   * Moves the cumulative map from the old head's tree to the new one along this checkpoint's own
   * changes: each changed path is compared with what the base held there. Returns the keys that
   * changed, or undefined when the map was (re)built whole.
   */
  private async advanceCumulative(newTree: string, own: readonly FileChange[]): Promise<string[] | undefined> {
    if (!this.cumulative) {
      await this.ensureCumulative(newTree);
      return undefined;
    }
    const map = this.cumulative;
    await this.baseView.prefetch(new Set(own.map((c) => parentOf(c.path))));
    for (const c of own) {
      const b = await this.baseView.get(c.path);
      const base = b && b.mode !== TREE_MODE ? b : undefined;
      const now = c.status === 'D' ? undefined : { mode: c.mode, oid: c.oid! };
      if (!base && !now) map.delete(c.path);
      else if (base && now && base.mode === now.mode && base.oid === now.oid) map.delete(c.path);
      else map.set(c.path, await this.changeFromBase(c.path, base, now));
    }
    return own.map((c) => c.path);
  }

  private async changeFromBase(p: string, base: { mode: string; oid: string } | undefined, now: { mode: string; oid: string } | undefined): Promise<FileChange> {
    const c = fileChange(p, base, now);
    if (now && now.mode !== '160000') c.size = await this.sizeOf(now.oid);
    return c;
  }

  private dropCumulative(): void {
    this.cumulative = undefined;
    this.cumulativeCheck = new CumulativeValidation(this.opts.validator);
  }

  /** Blob sizes never change for an id: remember them (bounded) instead of asking git each checkpoint. */
  private async sizeOf(oid: string): Promise<number | undefined> {
    const known = this.sizes.get(oid);
    if (known !== undefined) return known;
    const size = (await this.store.info(oid))?.size;
    if (size !== undefined) this.rememberSize(oid, size);
    return size;
  }

  private rememberSize(oid: string, size: number): void {
    if (this.sizes.size >= 200_000) this.sizes.clear();
    this.sizes.set(oid, size);
  }

  /** Validates the head against the base, re-judging only `dirty` keys (all when undefined). */
  private async runValidation(dirty: readonly string[] | undefined): Promise<ValidationOutcome> {
    const started = performance.now();
    const map = await this.ensureCumulative(this.tree.oid ?? this.headTree);
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
    return this.queue.run(() => this.validateCumulative(this.headSeq));
  }

  /**
   * Keeps storage bounded: drops all but the last `keepLast` checkpoints, except those in `keep`
   * (rollback points, checkpoints with violations). Because each checkpoint is chained to the
   * previous one, dropping a ref alone would keep every old snapshot reachable; so the kept
   * checkpoints are re-chained (same trees, new parents) and their refs moved in one
   * transaction. The old objects become unreachable and git's garbage collection can reclaim them.
   */
  applyRetention(keepLast: number, keep: ReadonlySet<number>): Promise<{ pruned: number[]; rewritten: [number, string, string][] }> {
    return this.queue.run(async () => {
      const refs = await this.refs.list(this.opts.featureId);
      if (refs.length <= keepLast) return { pruned: [], rewritten: [] };
      const cut = refs.length - keepLast;
      const kept = refs.filter((r, i) => i >= cut || keep.has(r.seq));
      const pruned = refs.filter((r, i) => !(i >= cut || keep.has(r.seq))).map((r) => r.seq);
      if (pruned.length === 0) return { pruned: [], rewritten: [] };
      const rewritten: [number, string, string][] = [];
      let parent = this.opts.baseCommit;
      for (const r of kept) {
        const text = (await this.store.read(r.commit))?.data.toString('utf8');
        if (!text) throw new AopError('GIT_FAILED', `checkpoint ${r.seq} (${r.commit}) is missing from the object store`);
        const oldParent = /^parent ([0-9a-f]+)$/m.exec(text)?.[1];
        let commit = r.commit;
        if (oldParent !== parent) {
          commit = await this.store.writeObject('commit', Buffer.from(text.replace(/^parent [0-9a-f]+$/m, `parent ${parent}`), 'utf8'));
          rewritten.push([r.seq, r.commit, commit]);
        }
        parent = commit;
      }
      await this.refs.updateMany([
        ...pruned.map((seq) => ({ ref: RefStore.checkpointRef(this.opts.featureId, seq), oid: null })),
        ...rewritten.map(([seq, old, next]) => ({ ref: RefStore.checkpointRef(this.opts.featureId, seq), oid: next, old })),
      ]);
      const head = rewritten.find(([seq]) => seq === this.headSeq);
      if (head) this.headCommit = head[2];
      await this.opts.log.append({ t: 'retention', pruned, rewritten });
      await this.opts.log.sync();
      return { pruned, rewritten };
    });
  }

  /** Bytes of git objects this feature's checkpoints hold beyond its base (`rev-list --disk-usage`). */
  async spaceUsed(): Promise<number> {
    const out = await git(['rev-list', '--objects', '--disk-usage', this.headCommit, '--not', this.opts.baseCommit], { cwd: this.opts.worktree });
    return Number(out.trim()) || 0;
  }

  /** Resolves a checkpoint number to its commit; refuses an unknown one. 0 is the base. */
  async commitOf(seq: number): Promise<string> {
    if (seq === 0) return this.opts.baseCommit;
    if (seq === this.headSeq) return this.headCommit;
    const ref = RefStore.checkpointRef(this.opts.featureId, seq);
    try {
      return (await git(['rev-parse', '--verify', '-q', '--end-of-options', `${ref}^{commit}`], { cwd: this.opts.worktree })).trim();
    } catch {
      throw new AopError('NOT_FOUND', `Checkpoint ${seq} of feature "${this.opts.featureId}" does not exist (it may have been pruned). Pick one from the list.`);
    }
  }

  /** After a rollback wrote the worktree: take its state as the new head, exactly. */
  async afterWorktreeRewrite(paths: Iterable<string>, trigger: CheckpointTrigger): Promise<CheckpointRecord | undefined> {
    return this.take({ paths: new Set(paths), full: false, force: false, trigger });
  }

  /** Takes a checkpoint inside the lane (for callers already holding it via exclusive()). */
  takeNow(req: CheckpointRequest): Promise<CheckpointRecord | undefined> {
    return this.take({ paths: new Set(req.paths ?? []), full: req.full === true, force: req.force === true, trigger: req.trigger });
  }

  worktreePath(rel: string): string {
    return path.join(this.opts.worktree, rel);
  }

  /** Beside the stat cache: the validator's verdicts and the changed blobs' sizes from the last clean stop. */
  private get verdictsFile(): string | undefined {
    return this.opts.statCacheFile === undefined ? undefined : `${this.opts.statCacheFile}.verdicts.json`;
  }

  /**
   * Takes back what the last clean stop saved, so that the first validation after a restart
   * judges only what changed since instead of reading every blob the feature touched, and the
   * feature's changes against its base need no size looked up again. Missing or unusable
   * (another plan, a crash before any save): judged and looked up afresh, as before.
   */
  private async restoreVerdicts(): Promise<void> {
    const file = this.verdictsFile;
    if (!file) return;
    let saved: Partial<SavedState>;
    try {
      saved = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<SavedState>;
    } catch {
      return; // nothing saved, or unreadable: nothing to take back
    }
    this.opts.validator.restoreVerdicts?.(saved.verdicts);
    // A blob's size never changes for its id; a wrong pair can only name an id no change has.
    if (Array.isArray(saved.sizes)) {
      for (const e of saved.sizes) {
        if (!Array.isArray(e) || !/^[0-9a-f]{40,64}$/.test(String(e[0])) || !Number.isSafeInteger(e[1]) || e[1] < 0) continue;
        this.rememberSize(e[0], e[1]);
        this.restoredSizes.push([e[0], e[1]]);
      }
    }
  }

  private async saveVerdicts(): Promise<void> {
    const file = this.verdictsFile;
    const verdicts = this.opts.validator.savedVerdicts?.();
    if (!file || !verdicts || verdicts.entries.length === 0) return;
    // Until a checkpoint builds the changes against the base, what the last stop saved still describes them.
    let sizes = this.restoredSizes;
    if (this.cumulative) {
      sizes = [];
      for (const c of this.cumulative.values()) if (c.oid && c.size !== undefined) sizes.push([c.oid, c.size]);
    }
    const state: SavedState = { verdicts, sizes };
    await writeFileAtomic(file, JSON.stringify(state)).catch(() => undefined);
  }

  async dispose(): Promise<void> {
    await this.queue.run(async () => undefined);
    await this.logSynced.catch(() => undefined);
    await this.stats.save().catch(() => undefined);
    await this.saveVerdicts();
    this.store.close();
    this.refs.close();
    this.ignore.close();
    this.differ.close();
    this.emitter.dispose();
    this.validated.dispose();
  }
}

/** What a clean stop leaves for the next start (beside the stat cache). */
interface SavedState {
  verdicts: SavedVerdicts;
  /** Blob sizes of the feature's changes against its base. */
  sizes: [string, number][];
}

function rank(t: CheckpointTrigger): number {
  return ['watch', 'reconcile', 'turn-end', 'manual', 'rollback', 'pre-rollback', 'final', 'initial', 'setup'].indexOf(t);
}

function omitFeature(r: CheckpointRecord): Omit<CheckpointRecord, 'featureId'> {
  const { featureId: _f, ...rest } = r;
  return rest;
}

/** Times consecutive stages of one checkpoint. */
class StageClock {
  readonly laps: Record<string, number> = {};
  private at = performance.now();

  lap(stage: string): void {
    const now = performance.now();
    this.laps[stage] = Math.round((now - this.at) * 100) / 100;
    this.at = now;
  }
}

const ignoredKey = (p: string): string => `ignored:${p}`;

function ignoredChange(f: IgnoredFile): FileChange {
  return { path: f.path, status: 'A', mode: f.mode, size: f.size, ignored: true };
}
