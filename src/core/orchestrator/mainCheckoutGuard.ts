/**
 * What an agent must not touch outside its worktree, watched while any agent of this repository
 * runs (or is being started, or waits for a slot): the main checkout (a Watchdog here, its
 * writes judged by ./repositoryGuards) and the shared git folder (armed through the guards).
 * The guards turn what is seen into standing violations on the features whose agents ran; the
 * editor's own saves and our runtime files under `.aop/` are not suspicious.
 */
import type { ConfirmedKind } from '../features/confirmedFiles';
import { git } from '../git/gitRunner';
import { AopError } from '../util/errors';
import { quarantineRoot } from '../util/quarantine';
import { Watchdog } from '../watch';
import type { OrchestratorEvents } from './events';
import type { FeatureLifecycle } from './featureLifecycle';
import { RepositoryGuards } from './repositoryGuards';
import type { OrchestratorSettings } from './types';

export interface MainCheckoutGuardOptions {
  repoRoot: string;
  settings: () => OrchestratorSettings;
  features: FeatureLifecycle;
  events: OrchestratorEvents;
  /** Features whose agent is live now (or being started): the ones held responsible. */
  live(): string[];
  /** The watches stay on while this is true (live, starting or queued agents). */
  watchNeeded(): boolean;
  /** True when a write in the main checkout was the editor saving a file (not an agent). */
  isEditorSave?: (absPath: string) => boolean;
}

export class MainCheckoutGuard {
  private watch: Watchdog | undefined;
  private guardsOf: RepositoryGuards | undefined;
  private disposed = false;

  constructor(private readonly opts: MainCheckoutGuardOptions) {}

  /** Opens the repository's guards: fingerprints from before a restart, plans changed on disk meanwhile. */
  async open(): Promise<RepositoryGuards> {
    const o = this.opts;
    const features = o.features;
    const gitDir = await git(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: o.repoRoot });
    const guards = await RepositoryGuards.open({
      repoRoot: o.repoRoot,
      gitDir,
      quarantineDir: quarantineRoot(o.settings().worktreesRoot ?? `${o.repoRoot}.worktrees`),
      backend: () => o.settings().watcherBackend,
      armed: () => o.watchNeeded(),
      live: () =>
        o.live().flatMap((id) => {
          const rt = features.get(id);
          return rt ? [{ id, branch: rt.state.branch, worktree: rt.worktree }] : [];
        }),
      ledger: (id) => features.get(id)?.violations,
      confirmed: (id) => features.get(id)?.confirmed,
      log: (id, e) => void features.get(id)?.log.append(e).catch(() => undefined),
      // The plan or spec in force changed: the plan is applied and the whole feature judged again.
      onConfirmed: (id, kind) => {
        const rt = features.get(id);
        if (rt && kind === 'plan') void rt.applyConfirmedPlan().catch(() => undefined);
        o.events.fire({ kind: 'feature', featureId: id });
      },
      isEditorSave: o.isEditorSave,
    });
    this.guardsOf = guards;
    guards.onDidChange(() => o.events.fire({ kind: 'guards' }));
    // Plans changed on disk while we were not running are pending; standing violations from
    // before a restart go back onto their features.
    for (const rt of features.active()) await guards.pendingChanges(rt.id);
    guards.refresh();
    return guards;
  }

  /** The repository's guards (git folder, main checkout, plans in force). */
  get guards(): RepositoryGuards {
    if (!this.guardsOf) throw new AopError('DISPOSED', 'The orchestrator is not open.');
    return this.guardsOf;
  }

  /** A feature's plan/spec changes waiting for the user, as last checked (undefined before the guards open). */
  pendingKinds(id: string): ConfirmedKind[] | undefined {
    return this.guardsOf?.pendingKinds(id);
  }

  /** Starts or stops watching to match whether agents run (call before a start and on every agent state change). */
  async update(): Promise<void> {
    if (this.disposed) return;
    const needed = this.opts.watchNeeded();
    await this.guardsOf?.agentsChanged();
    const s = this.opts.settings();
    if (!s.watchMainCheckout) return;
    if (needed && !this.watch) {
      const wd = new Watchdog({
        root: this.opts.repoRoot,
        backend: s.watcherBackend,
        quietMs: s.debounceMs,
        maxWaitMs: s.maxWaitMs,
        onBatch: async (b) => {
          await this.guardsOf?.onMainCheckoutWrites(b.paths);
        },
        onNeedsReconcile: () => undefined,
      });
      this.watch = wd;
      try {
        await wd.start();
      } catch {
        this.watch = undefined;
      }
    } else if (!needed && this.watch) {
      const wd = this.watch;
      this.watch = undefined;
      await wd.close();
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const wd = this.watch;
    this.watch = undefined;
    await wd?.close();
    await this.guardsOf?.dispose();
  }
}
