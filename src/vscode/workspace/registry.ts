/**
 * The repositories of the open workspace folders, each with its Orchestrator, and the one
 * AgentManager they share (so the cap on running agents is global). Adapters reach features
 * through here by `{ repoRoot, featureId }`.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AgentManager, type PermissionQuery } from '../../core/agents';
import { repoRootOf } from '../../core/features';
import { Orchestrator, type FeatureSummary, type OrchestratorChange, type OrchestratorSettings } from '../../core/orchestrator';
import { AopError, errorMessage, isFeatureId } from '../../core/util';
import type { FeatureRef } from '../../shared/featureKey';

export type { FeatureRef } from '../../shared/featureKey';

export interface RegistryChange {
  repoRoot: string;
  change: OrchestratorChange;
}

export interface RegistryOptions {
  settings: () => OrchestratorSettings;
  log: vscode.LogOutputChannel;
  isTrusted: () => boolean;
  /** Asks alongside "Needs you" (which holds every request until answered); absent: the queue alone. */
  askHuman?: (query: PermissionQuery, signal: AbortSignal) => Promise<'allow' | 'deny'>;
  isEditorSave: (absPath: string) => boolean;
  /** The set-up command for a repository (the setting is per folder). */
  setupCommand?: (repoRoot: string) => string | undefined;
}

export class Registry implements vscode.Disposable {
  private readonly repos = new Map<string, Orchestrator>();
  private readonly opening = new Map<string, Promise<Orchestrator | undefined>>();
  /** Workspace folder path -> repository root (several folders may share a repository). */
  private readonly folderRepo = new Map<string, string>();
  private readonly subs = new Map<string, { dispose(): void }>();
  readonly agents: AgentManager;
  private readonly changed = new vscode.EventEmitter<RegistryChange>();
  readonly onDidChange = this.changed.event;
  private readonly reposChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeRepositories = this.reposChanged.event;
  private disposed = false;
  private disposing: Promise<void> | undefined;

  constructor(private readonly opts: RegistryOptions) {
    // Shared so the cap on running agents is global; each orchestrator passes its feature's host when it starts one.
    this.agents = new AgentManager({ maxRunning: opts.settings().maxRunningAgents });
  }

  /** Opens the repositories of these folders (non-git folders are skipped and logged). */
  async addFolders(folders: readonly vscode.WorkspaceFolder[]): Promise<void> {
    await Promise.all(folders.filter((f) => f.uri.scheme === 'file').map((f) => this.addFolder(f.uri.fsPath)));
  }

  private async addFolder(folder: string): Promise<void> {
    let root: string;
    try {
      root = path.resolve(await repoRootOf(folder));
    } catch (e) {
      this.opts.log.info(`${folder} is not in a git repository; no features there (${errorMessage(e).split('\n')[0]})`);
      return;
    }
    this.folderRepo.set(folder, root);
    await this.open(root);
  }

  private open(root: string): Promise<Orchestrator | undefined> {
    const existing = this.repos.get(root);
    if (existing) return Promise.resolve(existing);
    let p = this.opening.get(root);
    if (!p) {
      p = (async () => {
        try {
          const orch = await Orchestrator.open({
            repoRoot: root,
            settings: this.repoSettings(root),
            agents: this.agents,
            isTrusted: this.opts.isTrusted,
            askHuman: this.opts.askHuman,
            isEditorSave: this.opts.isEditorSave,
            log: this.opts.log,
          });
          if (this.disposed) {
            await orch.dispose();
            return undefined;
          }
          this.repos.set(root, orch);
          this.subs.set(root, orch.onDidChange((change) => this.changed.fire({ repoRoot: root, change })));
          this.opts.log.info(`opened ${root}: ${orch.list().length} feature(s)`);
          this.reposChanged.fire();
          // Watching starts after activation has returned: it scans worktrees.
          orch.startWatching().catch((e: unknown) => this.opts.log.error(`${root}: watching failed: ${errorMessage(e)}`));
          return orch;
        } catch (e) {
          this.opts.log.error(`could not open ${root}: ${errorMessage(e)}`);
          return undefined;
        } finally {
          this.opening.delete(root);
        }
      })();
      this.opening.set(root, p);
    }
    return p;
  }

  async removeFolders(folders: readonly vscode.WorkspaceFolder[]): Promise<void> {
    for (const f of folders) this.folderRepo.delete(f.uri.fsPath);
    const still = new Set(this.folderRepo.values());
    for (const [root, orch] of [...this.repos]) {
      if (still.has(root)) continue;
      this.repos.delete(root);
      this.subs.get(root)?.dispose();
      this.subs.delete(root);
      await orch.dispose();
      this.reposChanged.fire();
    }
  }

  /** Waits for repositories still being opened. */
  async ready(): Promise<void> {
    await Promise.all([...this.opening.values()]);
  }

  /** With worktreesRoot set and several repositories, each repository gets its own subfolder. */
  private repoSettings(root: string): OrchestratorSettings {
    const s = { ...this.opts.settings() };
    const setup = this.opts.setupCommand?.(root);
    if (setup !== undefined) s.setupCommand = setup.trim();
    return s.worktreesRoot ? { ...s, worktreesRoot: path.join(s.worktreesRoot, path.basename(root)) } : s;
  }

  applySettings(): void {
    const s = this.opts.settings();
    this.agents.setMaxRunning(s.maxRunningAgents);
    for (const [root, orch] of this.repos) orch.updateSettings(this.repoSettings(root));
  }

  repositories(): Orchestrator[] {
    return [...this.repos.values()].sort((a, b) => a.repoRoot.localeCompare(b.repoRoot));
  }

  get(repoRoot: string): Orchestrator | undefined {
    return this.repos.get(repoRoot);
  }

  /** The orchestrator holding a feature; refuses unknown repositories and bad ids. */
  resolve(ref: FeatureRef): Orchestrator {
    const orch = this.repos.get(ref.repoRoot);
    if (!orch) throw new AopError('NOT_FOUND', `The repository ${ref.repoRoot} is not open in this window.`);
    if (!isFeatureId(ref.featureId)) throw new AopError('INVALID_ID', `Invalid feature id ${JSON.stringify(String(ref.featureId).slice(0, 80))}.`);
    return orch;
  }

  /** Every feature of every repository. */
  features(): FeatureSummary[] {
    return this.repositories().flatMap((o) => o.list());
  }

  /** Finds features by id alone (a command called with just an id). */
  findById(featureId: string): FeatureRef[] {
    return this.repositories()
      .filter((o) => o.list().some((f) => f.id === featureId))
      .map((o) => ({ repoRoot: o.repoRoot, featureId }));
  }

  /** The one open feature with this id; refuses an unknown id, or one present in several repositories. */
  uniqueRef(featureId: string): FeatureRef {
    const found = this.findById(featureId);
    if (found.length === 0) throw new AopError('NOT_FOUND', `There is no feature "${featureId.slice(0, 64)}" in the open repositories.`);
    if (found.length > 1) throw new AopError('CONFLICT', `Several open repositories have a feature "${featureId}"; open it from the Features view to say which.`);
    return found[0]!;
  }

  /** The feature whose worktree holds this file, and the file's worktree-relative path. */
  featureOfPath(fsPath: string): { ref: FeatureRef; relPath: string } | undefined {
    for (const o of this.repos.values()) {
      for (const f of o.list()) {
        if (!f.worktree) continue;
        const rel = path.relative(f.worktree, fsPath);
        if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return { ref: { repoRoot: o.repoRoot, featureId: f.id }, relPath: rel.split(path.sep).join('/') };
      }
    }
    return undefined;
  }

  /** Idempotent: every caller (deactivate, the subscriptions) waits for the same shutdown. */
  dispose(): Promise<void> {
    this.disposing ??= this.shutdown();
    return this.disposing;
  }

  private async shutdown(): Promise<void> {
    this.disposed = true;
    await this.ready();
    for (const s of this.subs.values()) s.dispose();
    this.subs.clear();
    // Agents first (one manager for all repositories), then each repository's watchers.
    await this.agents.dispose();
    for (const orch of this.repos.values()) await orch.dispose();
    this.repos.clear();
    this.changed.dispose();
    this.reposChanged.dispose();
  }
}
