/**
 * Everything one feature owns at run time, shared with no other feature: its event log, plan
 * and validator (with its own cache), checkpoint lane, rollback service, watchdog and circuit
 * breaker. The orchestrator creates one per active feature and wires the agent to it.
 */
import * as path from 'node:path';
import { CheckpointService } from '../checkpoints/checkpointService';
import { SnapshotTree } from '../checkpoints/snapshotTree';
import { EventLog } from '../events/eventLog';
import { ConfirmedFiles } from '../features/confirmedFiles';
import type { FeaturePaths } from '../features/featurePaths';
import { writeFeatureState, type FeatureState } from '../features/featureState';
import type { CheckpointRecord, Violation } from '../model/types';
import { defaultPlan, parsePlan, type Plan } from '../plan';
import { RollbackService } from '../rollback/rollbackService';
import { AopError, errorMessage } from '../util/errors';
import { Emitter } from '../util/emitter';
import { Validator } from '../validation';
import { Watchdog, type WatchBatch } from '../watch';
import { CircuitBreaker } from './circuitBreaker';
import type { OrchestratorSettings } from './types';
import { ViolationLedger, type Observation } from './violationLedger';

export class FeatureRuntime {
  readonly log: EventLog;
  plan: Plan = defaultPlan();
  planError: string | undefined;
  /** The plan and spec in force (what the user saved or confirmed). */
  confirmed!: ConfirmedFiles;
  validator!: Validator;
  checkpoints!: CheckpointService;
  rollback!: RollbackService;
  readonly breaker: CircuitBreaker;
  /** Every violation standing on this feature, whoever found it. */
  readonly violations: ViolationLedger;
  private watchdog: Watchdog | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private records: CheckpointRecord[] = [];
  /** The base's tree, for the modes files had before the feature (read lazily, never changes). */
  private baseTree: SnapshotTree | undefined;
  private readonly changed = new Emitter<{ kind: 'checkpoint' | 'breaker' | 'watch'; record?: CheckpointRecord }>();
  readonly onChange = this.changed.event;
  private disposed = false;

  private constructor(
    readonly state: FeatureState,
    readonly paths: FeaturePaths,
    private readonly settings: () => OrchestratorSettings,
  ) {
    this.log = new EventLog(paths.events, state.id);
    this.breaker = new CircuitBreaker(state.breaker);
    this.violations = new ViolationLedger(state.id, () => this.plan);
  }

  static async open(state: FeatureState, paths: FeaturePaths, settings: () => OrchestratorSettings): Promise<FeatureRuntime> {
    const rt = new FeatureRuntime(state, paths, settings);
    await rt.init();
    return rt;
  }

  get id(): string {
    return this.state.id;
  }

  get worktree(): string {
    return this.state.worktree;
  }

  private async init(): Promise<void> {
    this.confirmed = await ConfirmedFiles.open(this.paths);
    await this.loadPlan();
    this.validator = new Validator(this.plan, {
      worktree: this.worktree,
      readBlob: async (oid, maxBytes) => {
        const data = maxBytes === undefined ? (await this.checkpoints.store.read(oid))?.data : await this.checkpoints.store.readPrefix(oid, maxBytes);
        if (!data) throw new AopError('NOT_FOUND', `blob ${oid} missing`);
        return data;
      },
    });
    this.checkpoints = await CheckpointService.open({
      featureId: this.id,
      worktree: this.worktree,
      baseCommit: this.state.baseCommit,
      log: this.log,
      validator: this.validator,
      statCacheFile: this.paths.statCache,
      budgetMs: this.settings().checkpointBudgetMs,
    });
    this.rollback = new RollbackService({
      worktree: this.worktree,
      checkpoints: this.checkpoints,
      log: this.log,
      journalFile: this.paths.rollbackJournal,
      watched: () => this.watchdog !== undefined,
    });
    await this.loadRecords();
    this.checkpoints.onValidated((v) => this.violations.replace('checkpoint', v));
    this.checkpoints.onCheckpoint((rec) => {
      this.records.push(rec);
      void this.maybeApplyRetention();
      this.changed.fire({ kind: 'checkpoint', record: rec });
      // Each checkpoint is a fresh verdict: a critical violation still standing pauses again.
      this.violations.replace('checkpoint', rec.violations, { raise: true });
    });
  }

  /**
   * Parses the plan in force: the one the user last saved or confirmed (./confirmedFiles), never
   * whatever an agent left on disk. A broken plan is reported (file:line:col), the last good one kept.
   */
  async loadPlan(): Promise<void> {
    const text = this.confirmed.text('plan');
    if (text === undefined) {
      this.plan = defaultPlan();
      this.planError = undefined;
      this.validator?.setPlan(this.plan);
      return;
    }
    try {
      this.plan = parsePlan(text, this.paths.plan);
      this.planError = undefined;
      this.validator?.setPlan(this.plan);
    } catch (e) {
      this.planError = errorMessage(e);
      await this.log.append({ t: 'warning', message: `plan.yaml not applied: ${this.planError}` });
    }
  }

  /** The plan in force changed (confirmed by the user): apply it and validate the whole feature again. */
  async applyConfirmedPlan(): Promise<void> {
    await this.loadPlan();
    await this.checkpoints.revalidate();
  }

  private async loadRecords(): Promise<void> {
    const { events } = await this.log.read();
    // Match number AND commit: a feature deleted and recreated with the same id reuses numbers.
    const live = new Map((await this.checkpoints.refs.list(this.id)).map((r) => [r.seq, r.commit]));
    // Retention re-chains kept checkpoints under new commit ids: follow those renames.
    const renamed = new Map<string, string>();
    for (const e of events) if (e.t === 'retention') for (const [, from, to] of e.rewritten) renamed.set(from, to);
    const current = (c: string): string => {
      for (let i = 0; i < 64 && renamed.has(c); i++) c = renamed.get(c)!;
      return c;
    };
    for (const e of events) if (e.t === 'checkpoint') e.commit = current(e.commit);
    this.records = [];
    for (const e of events) {
      if (e.t === 'checkpoint' && live.get(e.seq) === e.commit) {
        const { t: _t, ts, feature: _f, ...rest } = e;
        this.records.push({ featureId: this.id, time: ts, ...rest });
      }
    }
    this.records = this.rechain(this.records.sort((a, b) => a.seq - b.seq));
  }

  /** Drops old checkpoints beyond the retention setting, keeping rollback points and violations. */
  private async maybeApplyRetention(): Promise<void> {
    const keepLast = this.settings().retainCheckpoints;
    // Batch the work: act only once the surplus is worth a transaction.
    if (keepLast <= 0 || this.records.length <= keepLast + Math.max(10, Math.floor(keepLast / 10))) return;
    const keep = new Set<number>();
    for (const r of this.records) if (r.violations.length > 0 || r.trigger === 'pre-rollback' || r.trigger === 'rollback') keep.add(r.seq);
    try {
      const { pruned, rewritten } = await this.checkpoints.applyRetention(keepLast, keep);
      const gone = new Set(pruned);
      const next = new Map(rewritten.map(([, from, to]) => [from, to]));
      this.records = this.rechain(this.records.filter((r) => !gone.has(r.seq)).map((r) => ({ ...r, commit: next.get(r.commit) ?? r.commit })));
      this.changed.fire({ kind: 'checkpoint' });
    } catch (e) {
      await this.log.append({ t: 'warning', message: `Retention could not drop old checkpoints: ${errorMessage(e)}` });
    }
  }

  /** Each checkpoint's parent is the previous live checkpoint (or the base): true after retention too. */
  private rechain(records: CheckpointRecord[]): CheckpointRecord[] {
    let parent = this.state.baseCommit;
    return records.map((r) => {
      const out = { ...r, parent };
      parent = r.commit;
      return out;
    });
  }

  listCheckpoints(): CheckpointRecord[] {
    return [...this.records];
  }

  /** Starts watching the worktree and runs the first reconciliation scan. */
  async startWatching(): Promise<void> {
    if (this.watchdog || this.disposed) return;
    const s = this.settings();
    const wd = new Watchdog({
      root: this.worktree,
      backend: s.watcherBackend,
      quietMs: s.debounceMs,
      maxWaitMs: s.maxWaitMs,
      onBatch: (b) => this.onBatch(b),
      // A link out written just after a big batch is checked while that batch is checkpointed.
      onWaiting: (paths) => void this.precheck(paths),
      onNeedsReconcile: (reason) => void this.reconcile(reason),
      onGitDirWrite: (paths) => void this.onGitDirWrite(paths),
      // What changed while the extension was stopped comes from the watcher's snapshot, not a full scan (h-perf).
      snapshot: { file: path.join(this.paths.runtime, 'watch-snapshot'), tag: () => this.checkpoints.head.commit },
    });
    this.watchdog = wd;
    const start = await wd.start();
    await this.log.append({ t: 'watcher', state: 'ready', backend: wd.backend });
    this.changed.fire({ kind: 'watch' });
    if (start.resumed) await this.catchUp(start.paths);
    else await this.reconcile(`start (${start.why ?? 'no snapshot'})`);
    if (s.reconcileIntervalMs > 0) {
      // Periodic scans catch what the watcher missed; with no event since the last scan there is nothing to miss (idle features cost nothing).
      // The start's scan (or catch-up) covered everything seen so far: ten idle features each re-scanning at the first tick was the idle CPU.
      let seen = wd.stats.eventsSeen;
      this.reconcileTimer = setInterval(() => {
        const now = this.watchdog?.stats.eventsSeen ?? 0;
        if (now === seen && !this.watchdog?.owesReconcile) return;
        seen = now;
        void this.reconcile('periodic');
      }, s.reconcileIntervalMs);
      this.reconcileTimer.unref();
    }
  }

  /** Checkpoints what changed while stopped, as the watcher's snapshot reported it. */
  private async catchUp(paths: number): Promise<void> {
    const started = performance.now();
    const before = this.checkpoints.head.seq;
    await this.flush();
    const changed = this.records.filter((r) => r.seq > before).reduce((n, r) => n + r.files.length, 0);
    await this.log.append({ t: 'reconcile', reason: `start: caught up from the watcher's snapshot (${paths} paths reported)`, changed, durationMs: Math.round(performance.now() - started) });
  }

  get watching(): { alive: boolean; backend?: string } {
    return { alive: this.watchdog !== undefined, backend: this.watchdog?.backend };
  }

  async stopWatching(): Promise<void> {
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.reconcileTimer = undefined;
    const wd = this.watchdog;
    if (wd) {
      // The snapshot is taken first, then everything seen is checkpointed: it is kept only if the
      // head then holds every change up to it (no failed batch, no scan owed).
      const saved = await wd.snapshotNow().catch(() => false);
      await this.flush().catch(() => undefined);
      if (saved && this.checkpoints.inStep && !wd.owesReconcile) await wd.confirmSnapshot().catch(() => undefined);
      this.watchdog = undefined;
      await wd.close();
      await this.log.append({ t: 'watcher', state: 'closed' });
    }
  }

  /** Waits until every event seen so far has been checkpointed. */
  async flush(): Promise<void> {
    await this.watchdog?.flush();
    await this.checkpoints.exclusive(async () => undefined);
  }

  private async onBatch(b: WatchBatch): Promise<void> {
    await this.log.append({ t: 'files.changed', paths: [...b.paths.keys()].slice(0, 200), count: b.paths.size });
    const early = b.early;
    await this.precheck(early ? [...b.paths.keys()].filter((p) => !early.has(p)) : [...b.paths.keys()]);
    await this.checkpointGuarded({ paths: b.paths.keys(), trigger: 'watch' });
  }

  /**
   * The cheap rules first: a critical finding in a batch (a link out, a write into .git) pauses
   * the agent before the batch's files are hashed and read, which for a batch holding thousands
   * of files or a 60 MB one takes seconds. The checkpoint's full validation then has the last word.
   */
  private async precheck(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    try {
      this.baseTree ??= new SnapshotTree(this.checkpoints.store, this.checkpoints.base.tree);
      const base = this.baseTree;
      const critical = (await this.validator.precheck(paths, async (p) => (await base.get(p))?.mode)).filter((v) => v.severity === 'critical');
      if (critical.length === 0) return;
      await this.log.append({ t: 'violation.critical', violations: critical });
      this.violations.preview(critical);
    } catch (e) {
      // Only an early warning: the checkpoint validates the same paths fully.
      await this.log.append({ t: 'warning', message: `Quick check of changed files failed (the checkpoint validates them): ${errorMessage(e)}` }).catch(() => undefined);
    }
  }

  private async onGitDirWrite(paths: string[]): Promise<void> {
    await this.report(
      paths.map((p) => ({
        kind: 'git_dir_write',
        path: p,
        message: `${p}: the agent wrote to the worktree's git metadata. The agent was paused; roll back or inspect before resuming.`,
      })),
    );
  }

  /**
   * What a watcher saw (no checkpoint records it): logged, then standing in the ledger until a
   * rollback or a breaker reset. Severity comes from the plan; critical ones pause the agent.
   */
  async report(observations: readonly Observation[]): Promise<Violation[]> {
    const made = this.violations.create(observations);
    const critical = made.filter((v) => v.severity === 'critical');
    const other = made.filter((v) => v.severity !== 'critical');
    if (critical.length > 0) await this.log.append({ t: 'violation.critical', violations: critical });
    if (other.length > 0) await this.log.append({ t: 'warning', message: other.map((v) => v.message).join('\n') });
    this.violations.add(made);
    return made;
  }

  async reconcile(reason: string): Promise<CheckpointRecord | undefined> {
    const started = performance.now();
    const wd = this.watchdog;
    const mark = wd?.reconcileMark() ?? 0;
    const rec = await this.checkpointGuarded({ full: true, trigger: 'reconcile' });
    if (this.checkpoints.inStep) wd?.reconciled(mark);
    await this.log.append({ t: 'reconcile', reason, changed: rec?.files.length ?? 0, durationMs: Math.round(performance.now() - started) });
    return rec;
  }

  /** A checkpoint whose failures feed the circuit breaker instead of throwing into a timer. */
  async checkpointGuarded(req: Parameters<CheckpointService['request']>[0]): Promise<CheckpointRecord | undefined> {
    try {
      const rec = await this.checkpoints.request(req);
      const wasFailing = this.breaker.state.failures > 0;
      this.breaker.success();
      if (wasFailing) await this.persistBreaker();
      return rec;
    } catch (e) {
      if (AopError.is(e, 'DISPOSED')) return undefined;
      const tripped = this.breaker.failure(errorMessage(e));
      await this.persistBreaker();
      if (tripped) {
        await this.log.append({ t: 'breaker', state: 'open', failures: this.breaker.state.failures, errors: this.breaker.state.errors });
      }
      this.changed.fire({ kind: 'breaker' });
      return undefined;
    }
  }

  async resetBreaker(): Promise<void> {
    this.breaker.reset();
    await this.persistBreaker();
    await this.log.append({ t: 'breaker', state: 'closed', failures: 0 });
    this.changed.fire({ kind: 'breaker' });
    this.violations.clearObserved();
  }

  async persistBreaker(): Promise<void> {
    this.state.breaker = this.breaker.state;
    await writeFeatureState(this.paths.state, this.state);
  }

  async saveState(): Promise<void> {
    await writeFeatureState(this.paths.state, this.state);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.stopWatching();
    await this.checkpoints?.dispose();
    await this.log.close();
    this.changed.dispose();
    this.violations.dispose();
  }
}
