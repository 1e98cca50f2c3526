/**
 * The features of one repository and their runtimes: found on disk at open (drafts, active,
 * broken), created (branch, worktree, spec, plan, state) and deleted (final checkpoint, work no
 * checkpoint could hold moved aside, never lost). The only place that creates or drops a
 * FeatureRuntime.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { isLive } from '../agents/states';
import { CheckpointHistory } from '../checkpoints/checkpointHistory';
import { seedStatCache } from '../checkpoints/statCacheSeed';
import { planOverlapWarnings } from '../collisions';
import { featurePaths, featuresDir, defaultWorktreePath } from '../features/featurePaths';
import { readFeatureState, writeFeatureState, type FeatureState } from '../features/featureState';
import { SPARE_MIN_FILES, SpareWorktrees } from '../features/spareWorktree';
import { addWorktree, deleteBranch, ensureExcludes, featureBranch, removeWorktree, resolveCommit } from '../features/worktrees';
import { parsePlan } from '../plan';
import { writeFileAtomic } from '../util/atomicFile';
import { SerialQueue } from '../util/async';
import { AopError, errorMessage } from '../util/errors';
import { assertFeatureId, isFeatureId } from '../util/ids';
import { readArchived } from './archived';
import { FeatureRuntime } from './featureRuntime';
import type { ArchivedInfo, CreateFeatureOptions, OrchestratorSettings } from './types';

export interface LifecycleOptions {
  repoRoot: string;
  settings: () => OrchestratorSettings;
  /** Called once for each runtime opened, before it is used (the façade subscribes to it here). */
  opened(rt: FeatureRuntime): void;
  /** Runs our own writes to the git folder (worktree add/remove, branch delete) so its guard does not take them for an agent's. */
  expect<T>(paths: string[], fn: () => Promise<T>): Promise<T>;
}

export interface DeleteOptions {
  deleteBranchAndRefs?: boolean;
  deleteLog?: boolean;
}

export class FeatureLifecycle {
  private readonly runtimes = new Map<string, FeatureRuntime>();
  private readonly drafts = new Set<string>();
  /** Accepted or deleted features whose spec, plan or history remain on disk. */
  private readonly archived = new Map<string, ArchivedInfo>();
  /** Features whose runtime failed to open, with the reason (listed, not hidden). */
  private readonly broken = new Map<string, string>();
  /** `git worktree add/remove` are not safe to run concurrently in one repository. */
  private readonly repoLane = new SerialQueue();
  /** A worktree prepared ahead for the next feature (big repositories only). */
  private spares: SpareWorktrees | undefined;

  constructor(private readonly opts: LifecycleOptions) {}

  /** Every feature id, active, draft and archived, sorted. */
  ids(): string[] {
    return [...new Set([...this.runtimes.keys(), ...this.drafts, ...this.archived.keys()])].sort();
  }

  list(): { id: string; status: 'active' | 'draft' | 'archived' }[] {
    return this.ids().map((id) => ({ id, status: this.runtimes.has(id) ? 'active' : this.drafts.has(id) ? 'draft' : 'archived' }));
  }

  active(): FeatureRuntime[] {
    return [...this.runtimes.values()];
  }

  get(id: string): FeatureRuntime | undefined {
    return this.runtimes.get(id);
  }

  /** The runtime of an active feature; refuses bad ids and unknown features. */
  feature(id: string): FeatureRuntime {
    const rt = this.runtimes.get(assertFeatureId(id));
    if (!rt) throw notFound(id);
    return rt;
  }

  has(id: string): boolean {
    return this.runtimes.has(id) || this.drafts.has(id) || this.archived.has(id);
  }

  /** How an archived feature ended; undefined for any other. */
  archivedInfo(id: string): ArchivedInfo | undefined {
    return this.runtimes.has(id) || this.drafts.has(id) ? undefined : this.archived.get(id);
  }

  isDraft(id: string): boolean {
    return !this.runtimes.has(id) && this.drafts.has(id);
  }

  brokenReason(id: string): string | undefined {
    return this.broken.get(id);
  }

  notFound(id: string): AopError {
    return notFound(id);
  }

  async load(): Promise<void> {
    const repoRoot = this.opts.repoRoot;
    let names: string[];
    try {
      names = await fs.readdir(featuresDir(repoRoot));
    } catch {
      names = [];
    }
    for (const name of names.sort()) {
      if (!isFeatureId(name)) continue;
      const p = featurePaths(repoRoot, name);
      let state: FeatureState;
      try {
        state = await readFeatureState(p.state);
      } catch (e) {
        if (AopError.is(e, 'NOT_FOUND')) {
          // Ended (accepted or deleted): listed as archived, not as a draft to start again.
          const ended = await readArchived(p.events);
          if (ended) this.archived.set(name, ended);
          else if (await exists(p.spec)) this.drafts.add(name);
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
        rt = await this.open(state);
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

  private async open(state: FeatureState): Promise<FeatureRuntime> {
    const rt = await FeatureRuntime.open(state, featurePaths(this.opts.repoRoot, state.id), this.opts.settings);
    this.runtimes.set(state.id, rt);
    this.opts.opened(rt);
    return rt;
  }

  /** Creates a feature: branch `aop/<id>`, a worktree outside the repository, spec and plan. Returns plan-overlap warnings. */
  async create(o: CreateFeatureOptions): Promise<{ rt: FeatureRuntime; warnings: string[] }> {
    const repoRoot = this.opts.repoRoot;
    const id = assertFeatureId(o.id);
    if (this.runtimes.has(id)) throw new AopError('ALREADY_EXISTS', `Feature "${id}" already exists; choose another id.`);
    const p = featurePaths(repoRoot, id);
    const spec = o.spec ?? (await readIf(p.spec));
    if (spec === undefined) throw new AopError('INVALID_INPUT', 'A feature needs a spec: write what the agent should do.');
    const planYaml = o.planYaml ?? (await readIf(p.plan));
    if (planYaml !== undefined) parsePlan(planYaml, p.plan); // refuses a bad plan (file:line:col) before anything is made
    const baseCommit = await resolveCommit(repoRoot, o.baseRef);
    const worktree = defaultWorktreePath(repoRoot, id, this.opts.settings().worktreesRoot);
    // Our own writes to the git folder, while other features' agents may be running.
    const spare = this.spareFor(worktree);
    const added = await this.opts.expect(['info/exclude', 'worktrees', `refs/heads/${featureBranch(id)}`], async () => {
      await ensureExcludes(repoRoot);
      return this.repoLane.run(() => addWorktree(repoRoot, id, worktree, baseCommit, spare));
    });
    await fs.mkdir(p.runtime, { recursive: true });
    // The first scan then compares stat data instead of hashing every file git just wrote.
    await seedStatCache(added.indexFile, p.statCache, baseCommit.length === 64 ? 32 : 20);
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
    const rt = await this.open(state);
    await rt.history.markBase();
    await rt.log.append({ t: 'feature.created', baseRef: o.baseRef, baseCommit, branch: state.branch, worktree });
    this.drafts.delete(id);
    this.archived.delete(id);
    const warnings = planOverlapWarnings(this, id).map((w) => w.message);
    for (const message of warnings) await rt.log.append({ t: 'warning', message });
    await rt.startWatching();
    // The next feature's files, written once this one has started (not competing with its first scan).
    if (added.wantsSpare) spare?.prepare(baseCommit);
    return { rt, warnings };
  }

  /**
   * Deletes a feature (its agent already stopped): a final checkpoint (so untracked and
   * uncommitted work survives in refs/aop), then the worktree goes; the branch and refs only
   * when asked, the event log only when asked.
   */
  async delete(id: string, o: DeleteOptions = {}): Promise<{ finalSeq?: number; keptAt?: string }> {
    const rt = this.feature(id);
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
    await this.opts.expect(['worktrees', branchRef, 'packed-refs'], () => this.repoLane.run(() => removeWorktree(this.opts.repoRoot, rt.worktree)));
    const p = featurePaths(this.opts.repoRoot, id);
    await fs.rm(p.state, { force: true });
    await fs.rm(p.runtime, { recursive: true, force: true });
    if (o.deleteBranchAndRefs) {
      await this.opts.expect([branchRef, 'packed-refs'], () => deleteBranch(this.opts.repoRoot, id));
      await CheckpointHistory.deleteAll(this.opts.repoRoot, id);
    }
    if (o.deleteLog) await fs.rm(p.events, { force: true });
    if (await exists(p.spec)) this.archived.set(id, (await readArchived(p.events)) ?? { how: 'deleted', at: new Date().toISOString() });
    return { finalSeq: final || !o.deleteBranchAndRefs ? finalSeq : undefined, keptAt };
  }

  /**
   * Removes a draft or an archived feature from the list with its folder (spec, plan, script,
   * history). Its branch and checkpoints, if any, stay in git. Refuses an active feature.
   */
  async forget(id: string): Promise<void> {
    assertFeatureId(id);
    if (this.runtimes.has(id)) throw new AopError('CONFLICT', `Feature "${id}" is active: delete it first (its worktree is removed, its work kept in git).`);
    if (!this.drafts.has(id) && !this.archived.has(id)) throw notFound(id);
    await fs.rm(featurePaths(this.opts.repoRoot, id).dir, { recursive: true, force: true });
    this.drafts.delete(id);
    this.archived.delete(id);
    this.broken.delete(id);
  }

  async dispose(): Promise<void> {
    this.spares?.dispose();
    for (const rt of this.runtimes.values()) await rt.dispose();
    this.runtimes.clear();
  }

  /** Resolves when no spare worktree is being prepared (tests, bench). */
  sparesIdle(): Promise<void> {
    return this.spares?.idle() ?? Promise.resolve();
  }

  /** The spare worktree of the folder `worktree` goes in, unless turned off. */
  private spareFor(worktree: string): SpareWorktrees | undefined {
    const min = this.opts.settings().spareMinFiles ?? SPARE_MIN_FILES;
    if (min <= 0) return undefined;
    const root = path.dirname(worktree);
    if (this.spares?.worktreesRoot !== root || this.spares.minFiles !== min) {
      this.spares?.dispose();
      this.spares = new SpareWorktrees(this.opts.repoRoot, root, min);
    }
    return this.spares;
  }
}

function notFound(id: string): AopError {
  return new AopError('NOT_FOUND', `There is no feature "${String(id).slice(0, 64)}". Pick one from the Features view.`);
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

export async function readIf(p: string): Promise<string | undefined> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch {
    return undefined;
  }
}
