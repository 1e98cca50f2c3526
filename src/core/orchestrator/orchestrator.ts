/**
 * The orchestrator of one repository: lists, creates and deletes features, keeps a runtime per
 * active feature, and wires agents to checkpoints, validation and rollback. It is the single
 * entry point the VS Code adapters call; it holds no VS Code types.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AgentManager, detectSandbox, pendingFromEvents, type AgentHost, type AgentSession, type MessageRecord, type PermissionQuery, type ProviderConfigInput } from '../agents';
import { groupStopped } from '../agents/processGroup';
import { isLive } from '../agents/states';
import type { AopEvent } from '../events/schema';
import { readEventFile } from '../events/eventLog';
import { featurePaths, featuresDir, defaultWorktreePath } from '../features/featurePaths';
import { readFeatureState, writeFeatureState, type FeatureState } from '../features/featureState';
import { addWorktree, deleteBranch, ensureExcludes, featureBranch, removeWorktree, resolveCommit } from '../features/worktrees';
import { git } from '../git/gitRunner';
import { RefStore } from '../git/refStore';
import { diffTrees, unifiedDiff } from '../checkpoints/treeDiff';
import type { CheckpointRecord, FileChange, Violation } from '../model/types';
import { parsePlan } from '../plan';
import type { RollbackItem, RollbackResult } from '../rollback/rollbackService';
import { writeFileAtomic } from '../util/atomicFile';
import { Emitter } from '../util/emitter';
import { SerialQueue } from '../util/async';
import { AopError, errorMessage } from '../util/errors';
import { assertFeatureId, assertRelPath, isFeatureId } from '../util/ids';
import { quarantineRoot } from '../util/quarantine';
import { Watchdog, type WatchBatch } from '../watch';
import { exclusiveAreaViolations, fileCollisions, gatherChangeSets, planOverlapWarnings, type Collision } from '../collisions';
import { FeatureRuntime } from './featureRuntime';
import { planGuards } from './planGuards';
import { RepositoryGuards } from './repositoryGuards';
import { sandboxStatusOf } from './sandboxStatus';
import { DEFAULT_SETTINGS, type CreateFeatureOptions, type FeatureSummary, type OrchestratorChange, type OrchestratorSettings } from './types';

export interface OrchestratorOptions {
  repoRoot: string;
  settings?: Partial<OrchestratorSettings>;
  /** Shared across repositories so the cap on running agents is global. */
  agents?: AgentManager;
  /** Agents never start in an untrusted workspace. */
  isTrusted?: () => boolean;
  /** Asks the human about a permission the plan does not decide. */
  askHuman?: (query: PermissionQuery, signal: AbortSignal) => Promise<'allow' | 'deny'>;
  /** True when a write in the main checkout was the editor saving a file (not an agent). */
  isEditorSave?: (absPath: string) => boolean;
}

export type DiffSide = number | 'base' | 'worktree';

export class Orchestrator {
  readonly repoRoot: string;
  private settings: OrchestratorSettings;
  private readonly runtimes = new Map<string, FeatureRuntime>();
  private readonly drafts = new Set<string>();
  /** Features whose runtime failed to open, with the reason (listed, not hidden). */
  private readonly broken = new Map<string, string>();
  readonly agents: AgentManager;
  private readonly ownsAgents: boolean;
  private readonly changed = new Emitter<OrchestratorChange>();
  readonly onDidChange = this.changed.event;
  private mainWatch: Watchdog | undefined;
  /** Files shared with other features, recomputed shortly after any checkpoint (exclusive areas go to each ledger). */
  private collisions = new Map<string, Collision[]>();
  private crossTimer: NodeJS.Timeout | undefined;
  /** `git worktree add/remove` are not safe to run concurrently in one repository. */
  private readonly repoLane = new SerialQueue();
  /** The git folder, the main checkout and .aop/, watched while agents run (see ./repositoryGuards). */
  private guardsOf: RepositoryGuards | undefined;
  /** Features whose agent is being started: watched as if live, so no early write goes unseen. */
  private readonly launching = new Set<string>();
  private disposed = false;

  private constructor(private readonly opts: OrchestratorOptions) {
    this.repoRoot = path.resolve(opts.repoRoot);
    this.settings = { ...DEFAULT_SETTINGS, ...opts.settings };
    this.ownsAgents = !opts.agents;
    this.agents =
      opts.agents ??
      new AgentManager({
        hostFor: (id) => this.agentHost(id),
        maxRunning: this.settings.maxRunningAgents,
      });
  }

  static async open(opts: OrchestratorOptions): Promise<Orchestrator> {
    const o = new Orchestrator(opts);
    await o.load();
    await o.openGuards();
    return o;
  }

  private async openGuards(): Promise<void> {
    const gitDir = await git(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: this.repoRoot });
    this.guardsOf = await RepositoryGuards.open({
      repoRoot: this.repoRoot,
      gitDir,
      quarantineDir: quarantineRoot(this.settings.worktreesRoot ?? `${this.repoRoot}.worktrees`),
      backend: () => this.settings.watcherBackend,
      armed: () => this.watchNeeded(),
      live: () => this.featuresWithLiveAgents().flatMap((id) => {
        const rt = this.runtimes.get(id);
        return rt ? [{ id, branch: rt.state.branch, worktree: rt.worktree }] : [];
      }),
      ledger: (id) => this.runtimes.get(id)?.violations,
      confirmed: (id) => this.runtimes.get(id)?.confirmed,
      log: (id, e) => void this.runtimes.get(id)?.log.append(e).catch(() => undefined),
      onConfirmed: (id, kind) => {
        const rt = this.runtimes.get(id);
        if (rt && kind === 'plan') void rt.applyConfirmedPlan().catch(() => undefined);
        this.changed.fire({ kind: 'feature', featureId: id });
      },
      isEditorSave: this.opts.isEditorSave,
    });
    this.guardsOf.onDidChange(() => this.changed.fire({ kind: 'guards' }));
    // Plans changed on disk while we were not running are pending; standing violations from
    // before a restart go back onto their features.
    for (const id of this.runtimes.keys()) await this.guardsOf.pendingChanges(id);
    this.guardsOf.refresh();
  }

  /** The repository's guards (git folder, main checkout, plans in force). */
  get guards(): RepositoryGuards {
    if (!this.guardsOf) throw new AopError('DISPOSED', 'The orchestrator is not open.');
    return this.guardsOf;
  }

  updateSettings(s: Partial<OrchestratorSettings>): void {
    this.settings = { ...this.settings, ...s };
    if (this.ownsAgents) this.agents.setMaxRunning(this.settings.maxRunningAgents);
  }

  private async load(): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(featuresDir(this.repoRoot));
    } catch {
      names = [];
    }
    for (const name of names.sort()) {
      if (!isFeatureId(name)) continue;
      const p = featurePaths(this.repoRoot, name);
      let state: FeatureState;
      try {
        state = await readFeatureState(p.state);
      } catch (e) {
        if (AopError.is(e, 'NOT_FOUND')) {
          if (await exists(p.spec)) this.drafts.add(name);
          continue;
        }
        throw e;
      }
      if (!(await exists(state.worktree))) {
        this.drafts.add(name);
        continue;
      }
      let rt: FeatureRuntime;
      try {
        rt = await this.openRuntime(state);
      } catch (e) {
        // One broken feature (e.g. an agent rewrote its worktree's .git file) must not hide the others.
        this.runtimes.delete(name);
        this.broken.set(name, `Feature "${name}" could not be opened: ${errorMessage(e)}`);
        this.drafts.add(name);
        continue;
      }
      // An agent that was running when the editor stopped is reported, never silently restarted.
      if (state.agentState && isLive(state.agentState as never)) {
        await rt.log.append({ t: 'agent.state', from: state.agentState, to: 'interrupted', reason: 'the editor stopped while the agent ran' });
        state.agentState = 'interrupted';
        await rt.saveState();
      }
      await rt.rollback.recover();
    }
  }

  private async openRuntime(state: FeatureState): Promise<FeatureRuntime> {
    const rt = await FeatureRuntime.open(state, featurePaths(this.repoRoot, state.id), () => this.settings);
    this.runtimes.set(state.id, rt);
    rt.violations.onDidChange((c) => {
      if (c.raised.length > 0) this.pauseForCritical(state.id, c.raised);
      this.changed.fire({ kind: 'violations', featureId: state.id, violations: c.violations });
    });
    rt.onChange((c) => {
      if (c.kind === 'breaker' && rt.breaker.state.open) this.agents.get(state.id)?.pause('circuit breaker open: checkpoints keep failing');
      if (c.kind === 'checkpoint') this.scheduleCrossFeature();
      this.changed.fire({ kind: c.kind === 'checkpoint' ? 'checkpoint' : 'feature', featureId: state.id, checkpoint: c.record });
    });
    rt.log.onEvent(() => this.changed.fire({ kind: 'log', featureId: state.id }));
    return rt;
  }

  private pauseForCritical(id: string, violations: readonly Violation[]): void {
    const s = this.agents.get(id);
    if (s && s.state === 'running') {
      s.pause(`critical violation: ${violations.map((v) => `${v.kind} ${v.path}`).join(', ')}`);
    }
  }

  /** Collisions and exclusive areas involve every feature: recompute once checkpoints settle. */
  private scheduleCrossFeature(): void {
    if (this.crossTimer || this.disposed) return;
    this.crossTimer = setTimeout(() => {
      this.crossTimer = undefined;
      void this.updateCrossFeature().catch(() => undefined);
    }, 200);
    this.crossTimer.unref();
  }

  /** Recomputes collisions and exclusive-area violations across this repository's features. */
  async updateCrossFeature(): Promise<void> {
    if (this.disposed) return;
    const sets = await gatherChangeSets(this);
    const violations = exclusiveAreaViolations(sets);
    const collisions = fileCollisions(sets);
    const moved = [...this.runtimes.keys()].filter((id) => JSON.stringify(this.collisions.get(id) ?? []) !== JSON.stringify(collisions.get(id) ?? []));
    this.collisions = collisions;
    for (const [id, rt] of this.runtimes) rt.violations.replace('crossFeature', violations.get(id) ?? []);
    for (const id of moved) this.changed.fire({ kind: 'violations', featureId: id, violations: this.runtimes.get(id)?.violations.all });
  }

  /** Files this feature changed that another feature changed too. */
  collisionsOf(id: string): Collision[] {
    return this.collisions.get(id) ?? [];
  }

  /** Starts the watchdogs of every active feature (the extension calls this after activation). */
  async startWatching(): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((rt) => rt.startWatching()));
  }

  // ---- features -------------------------------------------------------------------------

  list(): FeatureSummary[] {
    const out: FeatureSummary[] = [];
    for (const id of [...new Set([...this.runtimes.keys(), ...this.drafts])].sort()) out.push(this.summary(id));
    return out;
  }

  summary(id: string): FeatureSummary {
    const rt = this.runtimes.get(id);
    if (!rt) {
      if (!this.drafts.has(id)) throw notFound(id);
      return { id, repoRoot: this.repoRoot, status: 'draft', error: this.broken.get(id), breaker: { open: false, failures: 0, errors: [] }, watch: { alive: false }, checkpointCount: 0, violations: [], collisions: [], notSnapshotted: [] };
    }
    const s = this.agents.get(id);
    const records = rt.listCheckpoints();
    const last = records[records.length - 1];
    return {
      id,
      repoRoot: this.repoRoot,
      status: 'active',
      branch: rt.state.branch,
      baseRef: rt.state.baseRef,
      baseCommit: rt.state.baseCommit,
      worktree: rt.worktree,
      provider: rt.state.provider?.provider,
      agentState: (s?.state ?? rt.state.agentState) as FeatureSummary['agentState'],
      queuePosition: this.agents.queuePosition(id),
      capabilities: s?.capabilities,
      usage: s?.usage,
      breaker: rt.breaker.state,
      watch: rt.watching,
      lastCheckpoint: last ? { seq: last.seq, time: last.time } : undefined,
      checkpointCount: records.length,
      violations: rt.violations.all,
      collisions: this.collisionsOf(id),
      notSnapshotted: rt.checkpoints.notSnapshottedPaths,
      planError: rt.planError,
      sandbox: sandboxStatusOf(rt.state.sandbox, rt.state.provider?.sandbox, s?.sandbox, () => detectSandbox()),
      pendingConfirmation: this.guardsOf?.pendingKinds(id),
    };
  }

  /**
   * Turns the sandbox off (or back on) for one feature, from its next agent start. Off, the
   * agent can write anywhere the user can; only the watchdog's after-the-fact checks remain.
   */
  async setSandbox(id: string, on: boolean): Promise<void> {
    const rt = this.runtime(id);
    rt.state.sandbox = on ? 'auto' : 'off';
    await rt.saveState();
    await rt.log.append({ t: 'warning', message: on ? 'The sandbox was turned back on for this feature (from the next start).' : 'The sandbox was turned off for this feature by the user (from the next start).' });
    this.changed.fire({ kind: 'feature', featureId: id });
  }

  runtime(id: string): FeatureRuntime {
    const rt = this.runtimes.get(assertFeatureId(id));
    if (!rt) throw notFound(id);
    return rt;
  }

  /** Creates a feature: branch `aop/<id>`, a worktree outside the repository, spec and plan. */
  async createFeature(o: CreateFeatureOptions): Promise<FeatureSummary> {
    const id = assertFeatureId(o.id);
    if (this.runtimes.has(id)) throw new AopError('ALREADY_EXISTS', `Feature "${id}" already exists; choose another id.`);
    const p = featurePaths(this.repoRoot, id);
    const spec = o.spec ?? (await readIf(p.spec));
    if (spec === undefined) throw new AopError('INVALID_INPUT', 'A feature needs a spec: write what the agent should do.');
    const planYaml = o.planYaml ?? (await readIf(p.plan));
    if (planYaml !== undefined) parsePlan(planYaml, p.plan); // refuses a bad plan (file:line:col) before anything is made
    const baseCommit = await resolveCommit(this.repoRoot, o.baseRef);
    const worktree = defaultWorktreePath(this.repoRoot, id, this.settings.worktreesRoot);
    // Our own writes to the git folder, while other features' agents may be running.
    await this.guards.expect(['info/exclude', 'worktrees', `refs/heads/${featureBranch(id)}`], async () => {
      await ensureExcludes(this.repoRoot);
      await this.repoLane.run(() => addWorktree(this.repoRoot, id, worktree, baseCommit));
    });
    await fs.mkdir(p.dir, { recursive: true });
    if (o.spec !== undefined) await writeFileAtomic(p.spec, o.spec);
    if (o.planYaml !== undefined) await writeFileAtomic(p.plan, o.planYaml);
    // What the user gave at creation is in force (the runtime adopts spec and plan as they are now).
    const state: FeatureState = {
      version: 1,
      id,
      baseRef: o.baseRef,
      baseCommit,
      branch: featureBranch(id),
      worktree,
      createdAt: new Date().toISOString(),
      provider: o.provider ? (o.provider as FeatureState['provider']) : undefined,
      breaker: { open: false, failures: 0, errors: [] },
    };
    await writeFeatureState(p.state, state);
    const rt = await this.openRuntime(state);
    await rt.checkpoints.refs.set(RefStore.baseRef(id), baseCommit);
    await rt.log.append({ t: 'feature.created', baseRef: o.baseRef, baseCommit, branch: state.branch, worktree });
    this.drafts.delete(id);
    const overlaps = planOverlapWarnings(this, id).map((w) => w.message);
    for (const message of overlaps) await rt.log.append({ t: 'warning', message });
    await rt.startWatching();
    this.changed.fire({ kind: 'features' });
    return { ...this.summary(id), warnings: overlaps };
  }

  /**
   * Deletes a feature: stops its agent, takes a final checkpoint (so untracked and uncommitted
   * work survives in refs/aop), removes the worktree; the branch and refs only when asked, the
   * event log only when asked.
   */
  async deleteFeature(id: string, o: { deleteBranchAndRefs?: boolean; deleteLog?: boolean } = {}): Promise<{ finalSeq?: number; keptAt?: string }> {
    const rt = this.runtime(id);
    await this.agents.stop(id, 'feature deleted');
    await rt.stopWatching();
    const final = await rt.checkpoints.request({ full: true, trigger: 'final' });
    const finalSeq = final?.seq ?? rt.checkpoints.head.seq;
    await rt.log.append({ t: 'feature.deleted', finalCheckpoint: finalSeq });
    await rt.dispose();
    this.runtimes.delete(id);
    // Whatever no checkpoint could hold (huge files, nested repositories...) is moved aside, never deleted.
    const unsaved = rt.checkpoints.notSnapshottedPaths;
    let keptAt: string | undefined;
    if (unsaved.length > 0) {
      keptAt = path.join(path.dirname(rt.worktree), '.deleted', `${id}-${Date.now()}`);
      await fs.mkdir(path.dirname(keptAt), { recursive: true });
      await fs.rename(rt.worktree, keptAt);
    }
    const branchRef = `refs/heads/${featureBranch(id)}`;
    await this.guards.expect(['worktrees', branchRef, 'packed-refs'], () => this.repoLane.run(() => removeWorktree(this.repoRoot, rt.worktree)));
    const p = featurePaths(this.repoRoot, id);
    await fs.rm(p.state, { force: true });
    await fs.rm(p.runtime, { recursive: true, force: true });
    if (o.deleteBranchAndRefs) {
      await this.guards.expect([branchRef, 'packed-refs'], () => deleteBranch(this.repoRoot, id));
      const refs = new RefStore(this.repoRoot);
      await refs.deleteAll(id);
      refs.close();
    }
    if (o.deleteLog) await fs.rm(p.events, { force: true });
    if (await exists(p.spec)) this.drafts.add(id);
    this.changed.fire({ kind: 'features' });
    return { finalSeq: final || !o.deleteBranchAndRefs ? finalSeq : undefined, keptAt };
  }

  // ---- checkpoints, diffs, rollback ------------------------------------------------------

  async checkpointNow(id: string): Promise<CheckpointRecord | undefined> {
    const rt = this.runtime(id);
    await rt.flush();
    return rt.checkpoints.request({ full: true, trigger: 'manual' });
  }

  listCheckpoints(id: string): CheckpointRecord[] {
    return this.runtime(id).listCheckpoints();
  }

  /** Reads a file as a checkpoint (or the base) recorded it; undefined when absent there. */
  async readFileAt(id: string, side: number | 'base', relPath: string): Promise<Buffer | undefined> {
    const rt = this.runtime(id);
    const clean = assertRelPath(relPath);
    const commit = side === 'base' ? rt.state.baseCommit : await rt.checkpoints.commitOf(side);
    const obj = await rt.checkpoints.store.read(`${commit}:${clean}`);
    return obj?.type === 'blob' ? obj.data : undefined;
  }

  async diff(id: string, from: DiffSide, to: DiffSide, relPath?: string): Promise<{ text: string; truncated: boolean }> {
    const rt = this.runtime(id);
    return unifiedDiff(rt.worktree, await this.commitFor(rt, from), await this.commitFor(rt, to), relPath);
  }

  /** Files that differ between two snapshots of a feature, with status and line counts. */
  async changedFiles(id: string, from: DiffSide, to: DiffSide): Promise<FileChange[]> {
    const rt = this.runtime(id);
    return diffTrees(rt.worktree, await this.commitFor(rt, from), await this.commitFor(rt, to), { numstat: true });
  }

  private async commitFor(rt: FeatureRuntime, side: DiffSide): Promise<string> {
    if (side === 'base') return rt.state.baseCommit;
    if (side === 'worktree') {
      await rt.flush();
      await rt.checkpoints.request({ full: true, trigger: 'reconcile' });
      return rt.checkpoints.head.commit;
    }
    return rt.checkpoints.commitOf(side);
  }

  previewRollback(id: string, kind: 'checkpoint', seq: number): Promise<RollbackItem[]>;
  previewRollback(id: string, kind: 'files', seq: number, paths: string[]): Promise<RollbackItem[]>;
  previewRollback(id: string, kind: 'smart'): Promise<RollbackItem[]>;
  async previewRollback(id: string, kind: 'checkpoint' | 'files' | 'smart', seq = 0, paths: string[] = []): Promise<RollbackItem[]> {
    const rt = this.runtime(id);
    await rt.flush();
    if (kind === 'checkpoint') return rt.rollback.previewCheckpoint(seq);
    if (kind === 'files') return rt.rollback.previewFiles(seq, paths);
    return (await rt.rollback.previewSmart()).items;
  }

  rollbackToCheckpoint(id: string, seq: number): Promise<RollbackResult> {
    return this.withAgentPaused(id, (rt) => rt.rollback.toCheckpoint(seq));
  }

  rollbackFiles(id: string, seq: number, paths: string[]): Promise<RollbackResult> {
    return this.withAgentPaused(id, (rt) => rt.rollback.files(seq, paths));
  }

  smartRollback(id: string): Promise<RollbackResult> {
    return this.withAgentPaused(id, (rt) => rt.rollback.smart());
  }

  undoRollback(id: string): Promise<RollbackResult> {
    return this.withAgentPaused(id, (rt) => rt.rollback.undo());
  }

  /**
   * The agent is paused while its worktree is rewritten (so it cannot write into a half-restored
   * tree), then resumed and told what changed under it.
   */
  private async withAgentPaused(id: string, fn: (rt: FeatureRuntime) => Promise<RollbackResult>): Promise<RollbackResult> {
    const rt = this.runtime(id);
    const s = this.agents.get(id);
    const pausedHere = s?.state === 'running' && s.capabilities?.pause === true;
    if (pausedHere) s!.pause('rollback in progress');
    let result: RollbackResult | undefined;
    try {
      // SIGSTOP lands when each process is next scheduled: a write under way finishes first.
      if (pausedHere && s!.pid !== undefined) await groupStopped(s!.pid);
      await rt.flush();
      result = await fn(rt);
      rt.violations.clearObserved();
      return result;
    } catch (e) {
      // A failed rollback may still have rewritten files: the agent must hear of those too.
      result = AopError.is(e, 'ROLLBACK_FAILED') ? (e.details as { result?: RollbackResult } | undefined)?.result : undefined;
      throw e;
    } finally {
      if (result && s && isLive(s.state) && s.capabilities?.messages && result.paths.length > 0) {
        s.send(
          `The orchestrator ${result.ok ? 'rolled back' : 'tried to roll back (it failed part-way)'} ${result.paths.length} file(s) in your worktree (${result.kind} rollback): ${result.paths.slice(0, 20).join(', ')}${result.paths.length > 20 ? ', ...' : ''}. Re-read them before editing.`,
          'system',
        );
      }
      this.changed.fire({ kind: 'violations', featureId: id, violations: rt.violations.all });
      if (pausedHere && s!.state === 'paused') s!.resume('rollback finished');
    }
  }

  async resetBreaker(id: string): Promise<void> {
    await this.runtime(id).resetBreaker();
  }

  /** Reads the feature's event log (torn lines skipped). */
  async events(id: string): Promise<AopEvent[]> {
    const rt = this.runtimes.get(id);
    if (rt) return (await rt.log.read()).events;
    return (await readEventFile(featurePaths(this.repoRoot, assertFeatureId(id)).events)).events;
  }

  // ---- agents ----------------------------------------------------------------------------

  private agentHost(id: string): AgentHost {
    const rt = this.runtime(id);
    return {
      log: (e) => void rt.log.append(e),
      ...planGuards(rt.validator),
      askHuman: this.opts.askHuman,
    };
  }

  /** Starts (or queues) the feature's agent with its spec as the prompt. */
  async startAgent(id: string, provider?: ProviderConfigInput): Promise<AgentSession> {
    if (this.opts.isTrusted && !this.opts.isTrusted()) {
      throw new AopError('UNTRUSTED', 'Agents do not start in an untrusted workspace. Trust the workspace first (Manage Workspace Trust).');
    }
    const rt = this.runtime(id);
    if (rt.breaker.state.open) throw new AopError('BUSY', `Feature "${id}" needs attention: its circuit breaker is open. Review the errors, then reset it.`);
    if (provider) rt.state.provider = provider as FeatureState['provider'];
    const chosen = rt.state.provider ?? ({ provider: 'scripted' } as FeatureState['provider']);
    const config: ProviderConfigInput = { ...(this.settings.providers[chosen!.provider] ?? {}), ...chosen! } as ProviderConfigInput;
    if (config.provider === 'scripted' && !config.script) config.script = rt.paths.agentScript;
    if (rt.state.sandbox === 'off') config.sandbox = false;
    // The spec in force, not whatever is on disk now (an agent may have rewritten it).
    const prompt = rt.confirmed.text('spec') ?? '';
    const pending = pendingFromEvents((await rt.log.read()).events);
    // Watch first: the git folder's fingerprint and the checkout watch must be in place before
    // the agent's first write, so nothing it does early becomes the baseline.
    this.launching.add(id);
    let session: AgentSession;
    try {
      await this.updateMainWatch();
      session = this.agents.start(id, rt.worktree, config, prompt, {
        host: this.agentHost(id),
        pendingMessages: pending,
        repository: { gitDir: this.guards.gitDir.gitDir, branch: rt.state.branch },
      });
    } catch (e) {
      this.launching.delete(id);
      await this.updateMainWatch();
      throw e;
    }
    this.launching.delete(id);
    session.onState((c) => {
      rt.state.agentState = c.to;
      void rt.saveState().catch(() => undefined);
      if (c.to === 'running' && c.from === 'paused') void rt.reconcile('resume');
      this.changed.fire({ kind: 'agent', featureId: id });
      void this.updateMainWatch();
    });
    session.onTurnEnd(() => void rt.flush().then(() => rt.checkpointGuarded({ trigger: 'turn-end' })));
    session.onMessage(() => this.changed.fire({ kind: 'messages', featureId: id }));
    await rt.saveState();
    this.changed.fire({ kind: 'agent', featureId: id });
    return session;
  }

  pauseAgent(id: string): void {
    this.liveSession(id).pause('paused by user');
  }

  resumeAgent(id: string): void {
    const rt = this.runtime(id);
    if (rt.breaker.state.open) throw new AopError('BUSY', `Feature "${id}" has an open circuit breaker; reset it before resuming.`);
    this.liveSession(id).resume('resumed by user');
  }

  async stopAgent(id: string): Promise<void> {
    await this.agents.stop(assertFeatureId(id), 'stopped by user');
  }

  sendMessage(id: string, text: string): MessageRecord {
    if (typeof text !== 'string' || text.trim() === '') throw new AopError('INVALID_INPUT', 'The message is empty.');
    if (Buffer.byteLength(text) > 64 * 1024) throw new AopError('TOO_LARGE', 'The message is over 64 KiB; shorten it or put the details in a file in the worktree.');
    return this.liveSession(id).send(text, 'user');
  }

  messages(id: string): MessageRecord[] {
    return this.agents.get(assertFeatureId(id))?.allMessages() ?? [];
  }

  private liveSession(id: string): AgentSession {
    const s = this.agents.get(assertFeatureId(id));
    if (!s || !isLive(s.state)) throw new AopError('NOT_FOUND', `Feature "${id}" has no running agent. Start it first.`);
    return s;
  }

  /** Features whose agent is live, or being started (it may write before its first state change). */
  private featuresWithLiveAgents(): string[] {
    return [...this.runtimes.keys()].filter((id) => {
      if (this.launching.has(id)) return true;
      const s = this.agents.get(id);
      return s !== undefined && isLive(s.state);
    });
  }

  /** The watches stay on while an agent is live, being started or waiting for a slot. */
  private watchNeeded(): boolean {
    return this.featuresWithLiveAgents().length > 0 || [...this.runtimes.keys()].some((id) => this.agents.get(id)?.state === 'queued');
  }

  /** While any agent of this repository runs, writes in the main checkout and the git folder are reported. */
  private async updateMainWatch(): Promise<void> {
    const needed = this.watchNeeded();
    if (this.disposed) return;
    await this.guardsOf?.agentsChanged();
    if (!this.settings.watchMainCheckout) return;
    if (needed && !this.mainWatch) {
      const wd = new Watchdog({
        root: this.repoRoot,
        backend: this.settings.watcherBackend,
        quietMs: this.settings.debounceMs,
        maxWaitMs: this.settings.maxWaitMs,
        onBatch: (b) => this.onMainCheckoutWrites(b),
        onNeedsReconcile: () => undefined,
      });
      this.mainWatch = wd;
      try {
        await wd.start();
      } catch {
        this.mainWatch = undefined;
      }
    } else if (!needed && this.mainWatch) {
      const wd = this.mainWatch;
      this.mainWatch = undefined;
      await wd.close();
    }
  }

  private async onMainCheckoutWrites(b: WatchBatch): Promise<void> {
    await this.guardsOf?.onMainCheckoutWrites(b.paths);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.crossTimer) clearTimeout(this.crossTimer);
    if (this.ownsAgents) await this.agents.dispose();
    else for (const id of this.runtimes.keys()) await this.agents.stop(id, 'the editor is closing');
    await this.mainWatch?.close();
    await this.guardsOf?.dispose();
    for (const rt of this.runtimes.values()) await rt.dispose();
    this.runtimes.clear();
    this.changed.dispose();
  }
}

function notFound(id: string): AopError {
  return new AopError('NOT_FOUND', `There is no feature "${String(id).slice(0, 64)}". Pick one from the Features view.`);
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

async function readIf(p: string): Promise<string | undefined> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch {
    return undefined;
  }
}

