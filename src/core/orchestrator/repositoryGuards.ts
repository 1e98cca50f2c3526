/**
 * What one repository's agents must not touch outside their worktrees, turned into standing
 * violations on the features whose agents were running:
 * - the shared git folder (GitDirGuard): `git_dir_write`, until restored or acknowledged;
 * - the user's own checkout (MainCheckoutWrites): `main_checkout_write`, until the file is gone,
 *   moved out or acknowledged;
 * - `.aop/`, where each feature's plan and spec live: `plan_tampered`. A changed plan or spec
 *   is never applied on its own (PlanChanges): it waits for the user to confirm or revert it.
 * A rollback rewrites a worktree and answers none of these, so they live in the ledgers'
 * standing section, recomputed here whenever one of the three lists changes.
 */
import * as path from 'node:path';
import type { EventInput } from '../events/schema';
import type { ConfirmedFiles, ConfirmedKind, PendingChange } from '../features/confirmedFiles';
import { GitDirGuard, type GitDirFinding } from '../gitdir';
import { findAdminDir } from '../agents/sandboxGit';
import type { Violation } from '../model/types';
import { Emitter } from '../util/emitter';
import { AopError, errorMessage } from '../util/errors';
import type { WatcherSetting } from '../watch';
import { aopPathRole } from './aopPaths';
import { checkoutWriteViolation, gitDirWriteMessage } from './guardMessages';
import { MainCheckoutWrites, type MainCheckoutEntry } from './mainCheckoutWrites';
import { PlanChanges } from './planChanges';
import { checkoutItem, gitDirItem, type StandingAction, type StandingItem } from './standingItems';
import type { ViolationLedger } from './violationLedger';

export interface LiveFeature {
  id: string;
  /** Its branch, e.g. `aop/f1`. */
  branch: string;
  worktree: string;
}

export interface RepositoryGuardsOptions {
  repoRoot: string;
  /** The common git folder. */
  gitDir: string;
  /** Where files taken out of the checkout or the git folder go. */
  quarantineDir: string;
  backend: () => WatcherSetting;
  /** Features whose agents are live now (the ones held responsible for what is seen). */
  live(): LiveFeature[];
  /** The git folder is watched while this is true (live agents, or one being started or queued). */
  armed(): boolean;
  ledger(id: string): ViolationLedger | undefined;
  confirmed(id: string): ConfirmedFiles | undefined;
  log(id: string, e: EventInput): void;
  /** The plan or spec in force for a feature changed (re-apply and re-validate). */
  onConfirmed(id: string, kind: ConfirmedKind): void;
  isEditorSave?: (absPath: string) => boolean;
}

/** Something an agent must not do was seen: when, and against which features (before they are paused). */
export interface GuardDetection {
  kind: 'git_dir_write' | 'main_checkout_write' | 'plan_tampered';
  path: string;
  features: string[];
  /** performance.now() when the write was established (re-read and judged). */
  at: number;
}

export class RepositoryGuards {
  readonly gitDir: GitDirGuard;
  readonly mainCheckout: MainCheckoutWrites;
  /** Plans and specs changed on disk: waiting for the user, held against the agents that ran. */
  private readonly plans: PlanChanges;
  /** Worktree admin folder names of live features (for their own HEAD), found at start. */
  private readonly adminNames = new Map<string, string>();
  /** Features that held standing violations at the last refresh (to clear them when answered). */
  private known = new Set<string>();
  private readonly detected = new Emitter<GuardDetection>();
  /** A new violation is about to stand (the ledgers pause the agents right after). */
  readonly onDetected = this.detected.event;
  private readonly changed = new Emitter<void>();
  /** Any of the repository-level lists changed (for the surfaces). */
  readonly onDidChange = this.changed.event;
  private disposed = false;

  private constructor(
    private readonly o: RepositoryGuardsOptions,
    gitDir: GitDirGuard,
    mainCheckout: MainCheckoutWrites,
  ) {
    this.gitDir = gitDir;
    this.mainCheckout = mainCheckout;
    this.plans = new PlanChanges({
      confirmed: (id) => o.confirmed(id),
      live: () => o.live().map((f) => f.id),
      log: (id, e) => o.log(id, e),
      onConfirmed: (id, kind) => o.onConfirmed(id, kind),
      label: (abs) => this.label(abs),
      detected: (p, features) => this.detected.fire({ kind: 'plan_tampered', path: p, features, at: performance.now() }),
      pendingChanged: () => this.changed.fire(),
      refresh: () => this.refresh(),
    });
    gitDir.onDetected((d) => {
      for (const f of d.findings) this.detected.fire({ kind: 'git_dir_write', path: this.gitLabel(f.path), features: f.features, at: d.detectedAt });
      for (const f of d.findings) {
        for (const id of f.features) {
          const v = this.gitViolation(f, id);
          if (v?.severity === 'critical') this.o.log(id, { t: 'violation.critical', violations: [v] });
          else if (v) this.o.log(id, { t: 'warning', message: v.message });
        }
      }
    });
    gitDir.onDidChange(() => this.refresh());
    mainCheckout.onDidChange(() => this.refresh());
  }

  static async open(o: RepositoryGuardsOptions): Promise<RepositoryGuards> {
    const stateDir = path.join(o.gitDir, 'aop');
    // The guard asks us which refs may move; we exist only once it is open.
    const self: { guards?: RepositoryGuards } = {};
    const gitDir = await GitDirGuard.open({
      gitDir: o.gitDir,
      backend: o.backend(),
      allowRef: (name) => self.guards?.allowRef(name) ?? false,
      suspects: () => o.live().map((f) => f.id),
      findingsFile: path.join(stateDir, 'git-dir-findings.json'),
      quarantineDir: o.quarantineDir,
    });
    const main = await MainCheckoutWrites.open({ repoRoot: o.repoRoot, file: path.join(stateDir, 'main-checkout-writes.json'), quarantineDir: o.quarantineDir });
    self.guards = new RepositoryGuards(o, gitDir, main);
    return self.guards;
  }

  /** Follows the agents: the git folder is watched while any runs (call on every agent state change). */
  async agentsChanged(): Promise<void> {
    if (this.disposed) return;
    const live = this.o.live();
    for (const f of live) {
      this.gitDir.noteSuspect(f.id);
      if (this.adminNames.has(f.id)) continue;
      const admin = await findAdminDir(this.o.gitDir, f.worktree).catch(() => undefined);
      if (admin) this.adminNames.set(f.id, path.basename(admin));
    }
    const armed = this.o.armed();
    if (armed && !this.gitDir.watching) {
      try {
        await this.gitDir.start();
      } catch (err) {
        for (const f of live) this.o.log(f.id, { t: 'warning', message: `The git folder ${this.o.gitDir} cannot be watched: ${errorMessage(err)}. Writes there by agents will go unseen.` });
      }
    } else if (!armed && this.gitDir.watching) {
      await this.gitDir.stop();
      this.adminNames.clear();
    }
  }

  /** Runs one of our own git operations: what it writes under these git-folder prefixes is ours. */
  expect<T>(prefixes: string[], fn: () => Promise<T>): Promise<T> {
    return this.gitDir.expect(prefixes, fn);
  }

  /** A batch from the main-checkout watch (paths relative to the checkout). */
  async onMainCheckoutWrites(batch: ReadonlyMap<string, 'created' | 'modified' | 'deleted'>): Promise<void> {
    const at = performance.now();
    const live = this.o.live().map((f) => f.id);
    const files: { path: string; deleted: boolean }[] = [];
    for (const [rel, kind] of batch) {
      const role = aopPathRole(rel);
      if (role.role === 'ours') continue;
      const editorSave = this.o.isEditorSave?.(path.join(this.o.repoRoot, ...rel.split('/'))) ?? false;
      if (role.role === 'confirmed') {
        await this.plans.onConfirmedFileWrite(role.owner, role.kind, editorSave, live);
        continue;
      }
      if (editorSave) continue;
      files.push({ path: rel, deleted: kind === 'deleted' });
    }
    if (files.length === 0 || live.length === 0) return;
    const fresh = await this.mainCheckout.record(files, live);
    for (const e of fresh) this.detected.fire({ kind: e.path.startsWith('.aop/') ? 'plan_tampered' : 'main_checkout_write', path: e.path, features: e.features, at });
  }

  /** The feature's plan/spec changes waiting for the user (checked on disk now). */
  pendingChanges(id: string): Promise<PendingChange[]> {
    return this.plans.pendingChanges(id);
  }

  /** As last checked (for summaries, which cannot wait for the disk). */
  pendingKinds(id: string): ConfirmedKind[] | undefined {
    return this.plans.pendingKinds(id);
  }

  /**
   * A plan or spec file changed on disk while nothing watched the checkout (the editor's own
   * file watcher tells us). `editorSave`: the user saved it in the editor, so it applies (given
   * the SHA-256 of the bytes the editor wrote, only if the file still holds exactly those).
   */
  async fileChanged(absPath: string, editorSave: boolean | { sha: string }): Promise<void> {
    const rel = path.relative(this.o.repoRoot, absPath).split(path.sep).join('/');
    const role = aopPathRole(rel);
    if (role.role === 'confirmed') await this.plans.onConfirmedFileWrite(role.owner, role.kind, editorSave);
  }

  /** Applies what is on disk (exactly the bytes the user reviewed). */
  confirm(id: string, kind: ConfirmedKind, seenSha: string): Promise<void> {
    return this.plans.confirm(id, kind, seenSha);
  }

  /** Puts the version in force back on disk. */
  revert(id: string, kind: ConfirmedKind): Promise<void> {
    return this.plans.revert(id, kind);
  }

  /** Everything waiting for the user in this repository (for pickers and the surfaces). */
  items(): StandingItem[] {
    const out = this.gitDir.findings.map((f) => gitDirItem(f, this.gitLabel(f.path)));
    for (const e of this.mainCheckout.entries) out.push(checkoutItem(e));
    out.push(...this.plans.items());
    return out;
  }

  /** The item a violation (or a picker) names. */
  item(p: string, area?: StandingItem['area']): StandingItem | undefined {
    return this.items().find((i) => i.path === p && (area === undefined || i.area === area));
  }

  /** What changed, as a unified diff, and the hash to pass to `act(..., 'apply')` for plans. */
  async diffOf(item: StandingItem): Promise<{ text: string; seenSha?: string }> {
    if (item.area === 'git') {
      const f = this.findingOf(item.path);
      return { text: this.gitDir.diff(f.path, item.path) };
    }
    if (item.area === 'plan') return this.plans.diffOf(item);
    const e = this.mainCheckout.entries.find((x) => x.path === item.path);
    return { text: `${item.path} was ${e?.change ?? 'changed'} in your checkout while agents ran (${item.features.join(', ')}).\n` };
  }

  /** Does what the user chose; returns where something was moved, when it was. */
  async act(item: StandingItem, action: StandingAction, seenSha?: string): Promise<string | undefined> {
    if (!item.actions.includes(action)) throw new AopError('INVALID_INPUT', `"${action}" does not apply to ${item.path}.`);
    if (item.area === 'git') {
      const f = this.findingOf(item.path);
      const log = (message: string) => f.features.forEach((id) => this.o.log(id, { t: 'warning', message }));
      if (action === 'restore') {
        const kept = await this.gitDir.restore(f.path);
        log(`${item.path} was restored by the user to its content before the agents ran${kept ? `; what stood there is kept at ${kept}` : ''}.`);
        return kept;
      }
      await this.gitDir.acknowledge(f.path);
      log(`${item.path}: the change was acknowledged by the user.`);
      return undefined;
    }
    if (item.area === 'checkout') {
      if (action === 'moveOut') return this.mainCheckout.moveOut(item.path);
      await this.mainCheckout.acknowledge(item.path);
      return undefined;
    }
    await this.plans.act(item, action, seenSha);
    return undefined;
  }

  private findingOf(label: string): GitDirFinding {
    const f = this.gitDir.findings.find((x) => this.gitLabel(x.path) === label);
    if (!f) throw new AopError('NOT_FOUND', `No change to ${label} is standing (already restored or acknowledged).`);
    return f;
  }

  /** Recomputes every feature's standing violations from the three lists. */
  refresh(): void {
    if (this.disposed) return;
    const byFeature = new Map<string, { gitDir: Violation[]; mainCheckout: Violation[]; aopFiles: Violation[] }>();
    const slot = (id: string) => {
      let s = byFeature.get(id);
      if (!s) byFeature.set(id, (s = { gitDir: [], mainCheckout: [], aopFiles: [] }));
      return s;
    };
    for (const f of this.gitDir.findings) {
      for (const id of f.features) {
        const v = this.gitViolation(f, id);
        if (v) slot(id).gitDir.push(v);
      }
    }
    for (const e of this.mainCheckout.entries) {
      for (const id of e.features) {
        const v = this.mainViolation(e, id);
        if (v) (v.kind === 'plan_tampered' ? slot(id).aopFiles : slot(id).mainCheckout).push(v);
      }
    }
    for (const [id, v] of this.plans.violations((id, file, message) => this.make(id, 'plan_tampered', file, message))) slot(id).aopFiles.push(v);
    const ids = new Set([...byFeature.keys(), ...this.known]);
    for (const id of ids) {
      const ledger = this.o.ledger(id);
      if (!ledger) continue;
      const s = byFeature.get(id) ?? { gitDir: [], mainCheckout: [], aopFiles: [] };
      ledger.setStanding('gitDir', s.gitDir);
      ledger.setStanding('mainCheckout', s.mainCheckout);
      ledger.setStanding('aopFiles', s.aopFiles);
    }
    this.known = new Set(byFeature.keys());
    this.changed.fire();
  }

  /** A finding's path as the user sees it (relative to the checkout when the git folder is inside it). */
  gitLabel(rel: string): string {
    return this.label(path.join(this.o.gitDir, ...rel.split('/')));
  }

  /** Are there changes to the git folder the user has not answered? (warn before running git there) */
  get gitDirAtRisk(): boolean {
    return this.gitDir.findings.length > 0;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.gitDir.dispose();
    await this.mainCheckout.dispose();
    this.changed.dispose();
    this.detected.dispose();
  }

  private label(abs: string): string {
    const rel = path.relative(this.o.repoRoot, abs);
    return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel.split(path.sep).join('/');
  }

  private allowRef(name: string): boolean {
    if (name.startsWith('refs/aop/') || name.startsWith('refs/remotes/')) return true;
    const live = this.o.live();
    if (live.some((f) => name === `refs/heads/${f.branch}`)) return true;
    const own = new Set(live.map((f) => this.adminNames.get(f.id)).filter((n): n is string => n !== undefined));
    const m = /^worktrees\/([^/]+)\/HEAD$/.exec(name);
    return m !== null && own.has(m[1]!);
  }

  /** A violation with the severity the feature's plan gives its kind (undefined: no such feature now). */
  private make(id: string, kind: Violation['kind'], p: string, message: string): Violation | undefined {
    return this.o.ledger(id)?.create([{ kind, path: p, message }])[0];
  }

  private gitViolation(f: GitDirFinding, id: string): Violation | undefined {
    const label = this.gitLabel(f.path);
    return this.make(id, 'git_dir_write', label, gitDirWriteMessage(f, label));
  }

  private mainViolation(e: MainCheckoutEntry, id: string): Violation | undefined {
    const { kind, message } = checkoutWriteViolation(e);
    return this.make(id, kind, e.path, message);
  }
}
