/**
 * What an agent must not touch outside its worktree, watched while any agent of this repository
 * runs (or is being started, or waits for a slot): the main checkout (a Watchdog here, its
 * writes judged by ./repositoryGuards) and the shared git folder (armed through the guards).
 * The guards turn what is seen into standing violations on the features whose agents ran; the
 * editor's own saves and our runtime files under `.aop/` are not suspicious.
 */
import type { EventInput } from '../events/schema';
import type { ConfirmedFiles, ConfirmedKind } from '../features/confirmedFiles';
import { git } from '../git/gitRunner';
import { AopError } from '../util/errors';
import { quarantineRoot } from '../util/quarantine';
import { Watchdog } from '../watch';
import { RepositoryGuards, type LiveFeature } from './repositoryGuards';
import type { OrchestratorSettings } from './types';
import type { ViolationLedger } from './violationLedger';

export interface MainCheckoutGuardOptions {
  repoRoot: string;
  settings: () => OrchestratorSettings;
  /** Features whose agent is live now (or being started): the ones held responsible. */
  live(): LiveFeature[];
  /** The watches stay on while this is true (live, starting or queued agents). */
  watchNeeded(): boolean;
  ledger(id: string): ViolationLedger | undefined;
  confirmed(id: string): ConfirmedFiles | undefined;
  log(id: string, e: EventInput): void;
  /** The plan or spec in force for a feature changed (re-apply and re-validate). */
  onConfirmed(id: string, kind: ConfirmedKind): void;
  /** True when a write in the main checkout was the editor saving a file (not an agent). */
  isEditorSave?: (absPath: string) => boolean;
}

export class MainCheckoutGuard {
  private watch: Watchdog | undefined;
  private guardsOf: RepositoryGuards | undefined;
  private disposed = false;

  constructor(private readonly opts: MainCheckoutGuardOptions) {}

  /** Opens the repository's guards: fingerprints from before a restart, plans changed on disk meanwhile. */
  async open(featureIds: string[]): Promise<RepositoryGuards> {
    const o = this.opts;
    const gitDir = await git(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: o.repoRoot });
    const guards = await RepositoryGuards.open({
      repoRoot: o.repoRoot,
      gitDir,
      quarantineDir: quarantineRoot(o.settings().worktreesRoot ?? `${o.repoRoot}.worktrees`),
      backend: () => o.settings().watcherBackend,
      armed: () => o.watchNeeded(),
      live: () => o.live(),
      ledger: (id) => o.ledger(id),
      confirmed: (id) => o.confirmed(id),
      log: (id, e) => o.log(id, e),
      onConfirmed: (id, kind) => o.onConfirmed(id, kind),
      isEditorSave: o.isEditorSave,
    });
    this.guardsOf = guards;
    // Plans changed on disk while we were not running are pending; standing violations from
    // before a restart go back onto their features.
    for (const id of featureIds) await guards.pendingChanges(id);
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
