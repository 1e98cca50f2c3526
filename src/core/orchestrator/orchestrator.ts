/**
 * The orchestrator of one repository: the one door from the surfaces into feature state. Typed
 * queries (the read-only ones on one feature in ./featureQueries.ts, which this extends) and
 * commands here; typed events (./events.ts) that carry their data. The jobs behind
 * it each live in their own module: FeatureLifecycle (features and their runtimes),
 * FeatureAgents (agents, with ./planGuards.ts deciding writes and permissions), CrossFeatureMonitor,
 * MainCheckoutGuard (with the repository guards: git folder, main checkout, plans in force),
 * rollback with the agent paused, summary assembly. Holds no VS Code types.
 */
import * as path from 'node:path';
import { prepareAccept, acceptFeature, type AcceptHost, type AcceptOptions, type AcceptOutcome, type AcceptSummary, type PrepareAcceptOptions } from '../accept';
import { AgentManager, type AgentSession, type MessageRecord, type ProviderConfigInput } from '../agents';
import type { Collision, GatherOptions } from '../collisions';
import { FeatureGates, GateRunner, type GateRunnerOptions } from '../gates';
import type { CheckpointRecord, Violation } from '../model/types';
import type { RollbackItem, RollbackResult } from '../rollback/rollbackService';
import type { Disposable } from '../util/emitter';
import { assertFeatureId } from '../util/ids';
import { CrossFeatureMonitor } from './crossFeatureMonitor';
import { OrchestratorEvents, type ChangeKind, type EventOf } from './events';
import { FeatureAgents, type StartAgentOptions } from './featureAgents';
import { FeatureLifecycle, type DeleteOptions } from './featureLifecycle';
import type { FeatureRuntime } from './featureRuntime';
import { MainCheckoutGuard } from './mainCheckoutGuard';
import type { RepositoryGuards } from './repositoryGuards';
import { previewRollback, rollbackWithAgentPaused } from './pausedRollback';
import { announceViolations, wireRuntime } from './runtimeEvents';
import { activeSummary, archivedSummary, draftSummary } from './summary';
import { DEFAULT_SETTINGS, type CreateFeatureOptions, type FeatureSummary, type OrchestratorOptions, type OrchestratorSettings } from './types';
import { Supervision } from '../supervision';
import { SupervisionFacade, supervisedFeature } from './supervisionFacade';
import { FeatureQueries } from './featureQueries';

export class Orchestrator extends FeatureQueries {
  readonly repoRoot: string;
  private settings: OrchestratorSettings;
  private readonly agentManager: AgentManager;
  private readonly ownsAgents: boolean;
  private readonly hub = new OrchestratorEvents();
  /** Every topic; `on(kind, ...)` for one. */
  readonly onDidChange = this.hub.onDidChange;
  protected readonly features: FeatureLifecycle;
  private readonly featureAgents: FeatureAgents;
  private readonly cross: CrossFeatureMonitor;
  private readonly mainCheckout: MainCheckoutGuard;
  private featureGates: FeatureGates | undefined;
  private readonly supervisor: Supervision;
  /** What waits for the person, budgets, review threads, health, disk; pause / resume / stop all. */
  readonly supervision: SupervisionFacade;
  private disposed = false;

  private constructor(private readonly opts: OrchestratorOptions) {
    super();
    this.repoRoot = path.resolve(opts.repoRoot);
    this.settings = { ...DEFAULT_SETTINGS, ...opts.settings };
    const settings = () => this.settings;
    this.ownsAgents = !opts.agents;
    this.agentManager = opts.agents ?? new AgentManager({ maxRunning: this.settings.maxRunningAgents });
    this.supervisor = new Supervision(this.repoRoot, () => ({ budgets: this.settings.budgets }));
    this.supervisor.onDidChange((c) => this.hub.fire(c));
    this.features = new FeatureLifecycle({
      repoRoot: this.repoRoot,
      settings,
      opened: (rt) => {
        wireRuntime(rt, { hub: this.hub, agents: this.featureAgents, cross: this.cross });
        void this.supervisor.open(supervisedFeature(rt, this.featureAgents)).catch((e: unknown) => opts.log?.warn(`Supervision of ${rt.id} could not start: ${String(e)}`));
      },
      expect: (paths, fn) => this.guards.expect(paths, fn),
    });
    this.cross = new CrossFeatureMonitor(this.features, (id) => this.fireViolations(id));
    this.mainCheckout = new MainCheckoutGuard({
      repoRoot: this.repoRoot,
      settings,
      features: this.features,
      events: this.hub,
      live: () => this.featureAgents.live(),
      watchNeeded: () => this.featureAgents.watchNeeded(),
      isEditorSave: opts.isEditorSave,
    });
    this.featureAgents = new FeatureAgents({
      repoRoot: this.repoRoot,
      agents: this.agentManager,
      features: this.features,
      events: this.hub,
      settings,
      isTrusted: opts.isTrusted,
      askHuman: opts.askHuman,
      gitDir: () => this.guards.gitDir.gitDir,
      stateChanged: () => this.mainCheckout.update(),
      supervision: this.supervisor,
    });
    this.supervision = new SupervisionFacade({ repoRoot: this.repoRoot, supervision: this.supervisor, features: this.features, agents: this.featureAgents, settings });
  }

  static async open(opts: OrchestratorOptions): Promise<Orchestrator> {
    const o = new Orchestrator(opts);
    await o.features.load();
    await o.mainCheckout.open();
    return o;
  }

  /** The repository's guards: git-folder findings, main-checkout writes, plans and specs in force. */
  get guards(): RepositoryGuards {
    return this.mainCheckout.guards;
  }

  /** What accept needs: the feature's runtime, its agent, deleting it (archive), the guards (our own git writes). */
  private acceptHost(): AcceptHost {
    const { features, featureAgents } = this;
    return { repoRoot: this.repoRoot, list: () => features.list(), feature: (id) => features.feature(id), session: (id) => featureAgents.session(id), deleteFeature: (id) => this.deleteFeature(id), guards: this.guards };
  }

  /** One topic of events, typed: `on('checkpoint', (e) => e.checkpoint)`. */
  on<K extends ChangeKind>(kind: K, listener: (e: EventOf<K>) => void): Disposable {
    return this.hub.on(kind, listener);
  }

  updateSettings(s: Partial<OrchestratorSettings>): void {
    this.settings = { ...this.settings, ...s };
    if (this.ownsAgents) this.agentManager.setMaxRunning(this.settings.maxRunningAgents);
  }

  private fireViolations(featureId: string): void {
    const rt = this.features.get(featureId);
    if (rt) announceViolations(rt, { hub: this.hub, cross: this.cross });
  }

  /** Starts the watchdogs of every active feature (the extension calls this after activation). */
  async startWatching(): Promise<void> {
    await Promise.all(this.features.active().map((rt) => rt.startWatching()));
  }

  // ---- queries -----------------------------------------------------------------------------

  list(): FeatureSummary[] {
    return this.features.ids().map((id) => this.summary(id));
  }

  summary(id: string): FeatureSummary {
    const rt = this.features.get(assertFeatureId(id));
    if (!rt) {
      const ended = this.features.archivedInfo(id);
      if (ended) return archivedSummary(this.repoRoot, id, ended);
      if (!this.features.isDraft(id)) throw this.features.notFound(id);
      return draftSummary(this.repoRoot, id, this.features.brokenReason(id));
    }
    return activeSummary(this.repoRoot, rt, this.featureAgents.session(id), this.featureAgents.queuePosition(id), this.cross.collisionsOf(id), this.mainCheckout.pendingKinds(id));
  }

  /** Files this feature changed that another feature changed too. */
  collisionsOf(id: string): Collision[] {
    return this.cross.collisionsOf(id);
  }

  /**
   * Turns the sandbox off (or back on) for one feature, from its next agent start. Off, the
   * agent can write anywhere the user can; only the watchdog's after-the-fact checks remain.
   */
  setSandbox(id: string, on: boolean): Promise<void> {
    return this.featureAgents.setSandbox(id, on);
  }

  /** The agent session of a feature (live or ended), for its terminal. */
  session(id: string): AgentSession | undefined {
    return this.featureAgents.session(id);
  }

  messages(id: string): MessageRecord[] {
    return this.featureAgents.messages(id);
  }

  /** Exclusive-area violations and collisions across features now; `fresh` checkpoints every worktree first. */
  crossFeatureCheck(o: GatherOptions = {}): ReturnType<CrossFeatureMonitor['check']> {
    return this.cross.check(o);
  }

  /** Recomputes collisions and exclusive-area violations across this repository's features. */
  updateCrossFeature(): Promise<void> {
    return this.cross.update();
  }

  // ---- features ----------------------------------------------------------------------------

  async createFeature(o: CreateFeatureOptions): Promise<FeatureSummary> {
    const { rt, warnings } = await this.features.create(o);
    this.hub.fire({ kind: 'features' });
    return { ...this.summary(rt.id), warnings };
  }

  /** Resolves when no spare worktree (the next feature's files, prepared ahead) is being written. */
  sparesIdle(): Promise<void> {
    return this.features.sparesIdle();
  }

  /**
   * Deletes a feature: stops its agent, takes a final checkpoint (so untracked and uncommitted
   * work survives in refs/aop), removes the worktree; the branch and refs only when asked, the
   * event log only when asked.
   */
  async deleteFeature(id: string, o: DeleteOptions = {}): Promise<{ finalSeq?: number; keptAt?: string }> {
    await this.featureAgents.stop(this.features.feature(id).id, 'feature deleted');
    this.supervisor.close(id);
    const out = await this.features.delete(id, o);
    this.hub.fire({ kind: 'features' });
    return out;
  }

  /** Removes a draft or archived feature from the list, with its spec, plan and history (git keeps its branch and checkpoints). */
  async forgetFeature(id: string): Promise<void> {
    await this.features.forget(id);
    this.hub.fire({ kind: 'features' });
  }

  // ---- checkpoints, validation, rollback --------------------------------------------------

  checkpointNow(id: string): Promise<CheckpointRecord | undefined> {
    return this.features.feature(id).checkpointNow();
  }

  /** Re-reads plan.yaml and judges the files already written against it (e.g. after the plan changed). */
  revalidate(id: string): Promise<Violation[]> {
    return this.features.feature(id).revalidate();
  }

  previewRollback(id: string, kind: 'checkpoint', seq: number): Promise<RollbackItem[]>;
  previewRollback(id: string, kind: 'files', seq: number, paths: string[]): Promise<RollbackItem[]>;
  previewRollback(id: string, kind: 'smart'): Promise<RollbackItem[]>;
  previewRollback(id: string, kind: 'checkpoint' | 'files' | 'smart', seq = 0, paths: string[] = []): Promise<RollbackItem[]> {
    return previewRollback(this.features.feature(id), kind, seq, paths);
  }

  rollbackToCheckpoint(id: string, seq: number): Promise<RollbackResult> {
    return this.rollback(id, (rt) => rt.rollback.toCheckpoint(seq));
  }

  rollbackFiles(id: string, seq: number, paths: string[]): Promise<RollbackResult> {
    return this.rollback(id, (rt) => rt.rollback.files(seq, paths));
  }

  smartRollback(id: string): Promise<RollbackResult> {
    return this.rollback(id, (rt) => rt.rollback.smart());
  }

  undoRollback(id: string): Promise<RollbackResult> {
    return this.rollback(id, (rt) => rt.rollback.undo());
  }

  private async rollback(id: string, fn: (rt: FeatureRuntime) => Promise<RollbackResult>): Promise<RollbackResult> {
    try {
      return await rollbackWithAgentPaused(this.features.feature(id), this.featureAgents.session(id), fn);
    } finally {
      this.fireViolations(id);
    }
  }

  async resetBreaker(id: string): Promise<void> {
    await this.features.feature(id).resetBreaker();
  }

  // ---- gates and accept -------------------------------------------------------------------

  /** A gate runner over this repository's features (the caller owns and disposes it). */
  createGateRunner(o: Omit<GateRunnerOptions, 'repoRoot' | 'feature'>): GateRunner {
    return new GateRunner({ ...o, repoRoot: this.repoRoot, feature: (id) => this.features.feature(id) });
  }

  /** The features' gate results and runs (never in an untrusted workspace), made on first use. */
  get gates(): FeatureGates {
    this.featureGates ??= new FeatureGates(this, () => this.createGateRunner({ isTrusted: this.opts.isTrusted ?? (() => true) }), this.opts.log);
    return this.featureGates;
  }

  /** Judges the whole feature for accepting it, and says what accepting would do (changes nothing). */
  prepareAccept(id: string, o: PrepareAcceptOptions = {}): Promise<AcceptSummary> {
    return prepareAccept(this.acceptHost(), id, o);
  }

  /** Lands the feature on its target branch, exactly the content of the summary confirmed. */
  accept(id: string, o: AcceptOptions): Promise<AcceptOutcome> {
    return acceptFeature(this.acceptHost(), id, o);
  }

  // ---- agents ------------------------------------------------------------------------------

  /** Starts (or queues) the feature's agent with its spec as the prompt (after the worktree's set-up command, the first time); after a restart that interrupted it (or with `resume`) it takes up its conversation. */
  startAgent(id: string, provider?: ProviderConfigInput, o?: StartAgentOptions): Promise<AgentSession> {
    return this.featureAgents.start(id, provider, o);
  }

  pauseAgent(id: string): void {
    this.featureAgents.pause(id);
  }

  resumeAgent(id: string): void {
    this.featureAgents.resume(id);
  }

  stopAgent(id: string): Promise<void> {
    return this.featureAgents.stop(id);
  }

  sendMessage(id: string, text: string): MessageRecord {
    return this.featureAgents.send(id, text);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.cross.dispose();
    this.featureGates?.dispose();
    this.supervisor.dispose();
    if (this.ownsAgents) await this.agentManager.dispose();
    else for (const rt of this.features.active()) await this.featureAgents.stop(rt.id, 'the editor is closing');
    await this.mainCheckout.dispose();
    await this.features.dispose();
    this.hub.dispose();
  }
}
