/**
 * Everything one feature owns at run time, shared with no other feature: its event log, plan
 * and validator (with its own cache), checkpoint lane and history, violation ledger, rollback
 * service, watchdog (with ./earlyCheck.ts before each batch's checkpoint) and circuit breaker;
 * the plan in force is read by ./planInForce.ts. The orchestrator creates one per active feature and
 * wires the agent to it; nothing outside src/core/orchestrator holds one.
 */
import * as path from 'node:path';
import type { CheckpointHistory } from '../checkpoints/checkpointHistory';
import { CheckpointService } from '../checkpoints/checkpointService';
import { EventLog } from '../events/eventLog';
import { ConfirmedFiles } from '../features/confirmedFiles';
import type { FeaturePaths } from '../features/featurePaths';
import { ObjectStore } from '../git/objectStore';
import { writeFeatureState, type FeatureState } from '../features/featureState';
import type { CheckpointRecord, Violation } from '../model/types';
import { defaultPlan, type Plan } from '../plan';
import { RollbackService } from '../rollback/rollbackService';
import { AopError, errorMessage } from '../util/errors';
import { Emitter } from '../util/emitter';
import { Validator } from '../validation';
import { Watchdog, type WatchBatch } from '../watch';
import { CheckpointPacer } from '../supervision/checkpointPacer';
import { CircuitBreaker } from './circuitBreaker';
import { EarlyCheck } from './earlyCheck';
import { readPlan } from './planInForce';
import type { OrchestratorSettings } from './types';
import { ViolationLedger, type Observation } from './violationLedger';

export class FeatureRuntime {
  readonly log: EventLog;
  plan: Plan = defaultPlan();
  planError: string | undefined;
  /** The plan and spec in force (what the user saved or confirmed). */
  readonly confirmed: ConfirmedFiles;
  readonly validator: Validator;
  readonly checkpoints: CheckpointService;
  readonly rollback: RollbackService;
  readonly breaker: CircuitBreaker;
  /** Every violation standing on this feature, whoever found it. */
  readonly violations: ViolationLedger;
  private watchdog: Watchdog | undefined;
  /** Coarser batching while edit checkpoints run over their budget, back when they recover. */
  private pacer: CheckpointPacer | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  /** The cheap rules on each batch before its checkpoint (a critical finding pauses early). */
  private readonly early: EarlyCheck;
  private readonly changed = new Emitter<{ kind: 'checkpoint' | 'breaker' | 'watch'; record?: CheckpointRecord }>();
  readonly onChange = this.changed.event;
  private disposed = false;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly state: FeatureState,
    readonly paths: FeaturePaths,
    private readonly settings: () => OrchestratorSettings,
    parts: { log: EventLog; confirmed: ConfirmedFiles; plan: Plan; planError?: string; validator: Validator; checkpoints: CheckpointService },
  ) {
    this.log = parts.log;
    this.confirmed = parts.confirmed;
    this.plan = parts.plan;
    this.planError = parts.planError;
    this.validator = parts.validator;
    this.checkpoints = parts.checkpoints;
    this.breaker = new CircuitBreaker(state.breaker);
    this.violations = new ViolationLedger(state.id, () => this.plan);
    this.early = new EarlyCheck(this);
    this.rollback = new RollbackService({
      worktree: this.worktree,
      checkpoints: this.checkpoints,
      log: this.log,
      journalFile: paths.rollbackJournal,
      watched: () => this.watchdog !== undefined,
    });
    this.checkpoints.onValidated((v) => this.violations.replace('checkpoint', v));
    this.history.onDidChange(({ record }) => {
      if (record) this.pace(record);
      this.changed.fire({ kind: 'checkpoint', record });
      // Each checkpoint is a fresh verdict: a critical violation still standing pauses again.
      if (record) this.violations.replace('checkpoint', record.violations, { raise: true });
    });
  }

  /** Opens the feature's parts: the object store first, since the validator and the checkpoints both read it. */
  static async open(state: FeatureState, paths: FeaturePaths, settings: () => OrchestratorSettings): Promise<FeatureRuntime> {
    const log = new EventLog(paths.events, state.id);
    const confirmed = await ConfirmedFiles.open(paths);
    const { plan, planError } = await readPlan(confirmed.text('plan'), paths.plan, defaultPlan(), log);
    const store = await ObjectStore.open(state.worktree);
    const validator = new Validator(plan, {
      worktree: state.worktree,
      readBlob: async (oid, maxBytes) => {
        const data = maxBytes === undefined ? (await store.read(oid))?.data : await store.readPrefix(oid, maxBytes);
        if (!data) throw new AopError('NOT_FOUND', `blob ${oid} missing`);
        return data;
      },
    });
    const checkpoints = await CheckpointService.open({
      featureId: state.id,
      worktree: state.worktree,
      baseCommit: state.baseCommit,
      log,
      validator,
      store,
      statCacheFile: paths.statCache,
      budgetMs: settings().checkpointBudgetMs,
      retain: () => settings().retainCheckpoints,
    });
    return new FeatureRuntime(state, paths, settings, { log, confirmed, plan, planError, validator, checkpoints });
  }

  get id(): string {
    return this.state.id;
  }

  get worktree(): string {
    return this.state.worktree;
  }

  /** Reads plan.yaml; a broken plan is reported (file:line:col) and the last good one kept. */
  async loadPlan(): Promise<void> {
    const { plan, planError } = await readPlan(this.confirmed.text('plan'), this.paths.plan, this.plan, this.log);
    this.plan = plan;
    this.planError = planError;
    this.validator.setPlan(plan);
  }

  async reloadPlan(): Promise<Plan> {
    await this.loadPlan();
    return this.plan;
  }

  /** A manual checkpoint of everything, once every write seen so far is in. */
  async checkpointNow(): Promise<CheckpointRecord | undefined> {
    await this.flush();
    return this.checkpoints.request({ full: true, trigger: 'manual' });
  }

  /** The plan in force changed (confirmed by the user): apply it and validate the whole feature again. */
  async applyConfirmedPlan(): Promise<void> {
    await this.revalidate();
  }

  /** Re-reads plan.yaml and judges the files already written against it (no new checkpoint). */
  async revalidate(): Promise<Violation[]> {
    await this.loadPlan();
    return this.checkpoints.revalidate();
  }

  get history(): CheckpointHistory {
    return this.checkpoints.history;
  }

  listCheckpoints(): CheckpointRecord[] {
    return this.history.list();
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
      onWaiting: (paths) => void this.early.run(paths),
      onNeedsReconcile: (reason) => void this.reconcile(reason),
      onGitDirWrite: (paths) => void this.onGitDirWrite(paths),
      // What changed while the extension was stopped comes from the watcher's snapshot, not a full scan (h-perf).
      snapshot: { file: path.join(this.paths.runtime, 'watch-snapshot'), tag: () => this.checkpoints.head.commit },
    });
    this.watchdog = wd;
    this.pacer = new CheckpointPacer({ budgetMs: s.checkpointBudgetMs, quietMs: s.debounceMs, maxWaitMs: s.maxWaitMs });
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

  /** Each edit checkpoint's time may change the watchdog's batching pace; each change is logged. */
  private pace(record: CheckpointRecord): void {
    const next = this.pacer?.observe(record.trigger, record.durationMs);
    if (!next || !this.watchdog) return;
    this.watchdog.setPace(next.quietMs, next.maxWaitMs);
    void this.log.append({ t: 'checkpoint.pace', ...next }).catch(() => undefined);
  }

  /** Checkpoints what changed while stopped, as the watcher's snapshot reported it. */
  private async catchUp(paths: number): Promise<void> {
    const started = performance.now();
    const before = this.checkpoints.head.seq;
    await this.flush();
    const changed = this.history.list().filter((r) => r.seq > before).reduce((n, r) => n + r.files.length, 0);
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
    await this.early.run(early ? [...b.paths.keys()].filter((p) => !early.has(p)) : [...b.paths.keys()]);
    await this.checkpointGuarded({ paths: b.paths.keys(), trigger: 'watch' });
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
    await this.saveState();
  }

  /**
   * Saves one at a time, each the state as it is when its turn comes: two saves in flight could
   * land out of order (an agent's 'stopping' over its 'exited', read back as interrupted).
   */
  saveState(): Promise<void> {
    const next = this.saving.catch(() => undefined).then(() => writeFeatureState(this.paths.state, this.state));
    this.saving = next;
    return next;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.stopWatching();
    await this.saving.catch(() => undefined);
    await this.checkpoints?.dispose();
    await this.log.close();
    this.changed.dispose();
    this.violations.dispose();
  }
}
