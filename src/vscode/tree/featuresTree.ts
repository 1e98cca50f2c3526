/**
 * The Features view: repository (when several) → feature → its state (agent, watchdog,
 * violations, queue), its gates (pass/fail at the latest checkpoint) and checkpoints (newest
 * first) → the files each checkpoint changed. A feature sharing files with others says so.
 * Elements are light keys (nodes.ts); items are built from the orchestrator on demand, and a
 * change refreshes only the feature it concerns.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointRecord } from '../../core/model';
import type { FeatureSummary } from '../../core/orchestrator';
import { plural } from '../../shared/words';
import type { GateService, GateSnapshot } from '../gates/gateService';
import { CONTEXT } from '../ids';
import type { FeatureRef, Registry } from '../workspace/registry';
import { checkpointItem, fileItem } from './checkpointItems';
import { featureItem } from './featureItem';
import { gateItem, gatesItem } from './gateItems';
import { MAX_CHECKPOINTS, infoItem } from './infoItems';
import { NodeCache, type InfoKey, type TreeNode } from './nodes';
import { outsideItem, outsideNodes } from './outsideItems';
import { RefreshScheduler } from './refreshScheduler';
import { icon } from './treeIcons';

/** A core subscription as a VS Code disposable. */
function toVscode(d: { dispose(): void }): vscode.Disposable {
  return { dispose: () => d.dispose() };
}

export class FeaturesTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly nodes = new NodeCache();
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];
  /** Coalesces bursts (a checkpoint every few hundred ms) into one refresh per element. */
  private readonly refreshes = new RefreshScheduler<TreeNode>((el) => this.changed.fire(el), () => this.updateContext());

  constructor(
    private readonly registry: Registry,
    private readonly gates?: GateService,
  ) {
    if (gates) this.subs.push(toVscode(gates.onDidChange((ref) => this.schedule(this.nodes.feature(ref)))));
    this.subs.push(
      registry.onDidChange(({ repoRoot, change }) => {
        if (change.kind === 'log' || change.kind === 'messages') return;
        if (change.kind === 'features' || !change.featureId) this.schedule(undefined);
        else this.schedule(this.nodes.feature({ repoRoot, featureId: change.featureId }));
      }),
      registry.onDidChangeRepositories(() => this.schedule(undefined)),
    );
    const q = registry.agents.onQueueChanged(() => this.schedule(undefined));
    this.subs.push({ dispose: () => q.dispose() });
    this.updateContext();
  }

  refresh(): void {
    this.schedule(undefined);
  }

  private schedule(node: TreeNode | undefined): void {
    this.refreshes.schedule(node);
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', CONTEXT.hasFeatures, this.registry.features().length > 0);
  }

  private summary(ref: FeatureRef): FeatureSummary | undefined {
    try {
      return this.registry.resolve(ref).summary(ref.featureId);
    } catch {
      return undefined;
    }
  }

  private checkpoints(ref: FeatureRef): CheckpointRecord[] {
    try {
      return this.registry.resolve(ref).listCheckpoints(ref.featureId);
    } catch {
      return [];
    }
  }

  /** The record of a checkpoint or file element's checkpoint (undefined once it is gone). */
  private checkpoint(el: FeatureRef & { seq: number }): CheckpointRecord | undefined {
    return this.checkpoints(el).find((c) => c.seq === el.seq);
  }

  // ---- TreeDataProvider ----------------------------------------------------------------

  getChildren(el?: TreeNode): TreeNode[] {
    if (!el) {
      const repos = this.registry.repositories();
      if (repos.length > 1) return repos.map((o) => this.nodes.repo(o.repoRoot));
      return repos.flatMap((o) => this.featureNodes(o.repoRoot));
    }
    switch (el.kind) {
      case 'repo':
        return this.featureNodes(el.repoRoot);
      case 'archive':
        return this.featureNodes(el.repoRoot, true);
      case 'feature':
        return this.featureChildren(el);
      case 'checkpoint':
        return this.checkpoint(el)?.files.map((f) => this.nodes.file(el, el.seq, f.path)) ?? [];
      case 'gates':
        return this.plannedGates(el).map((name) => this.nodes.gate(el, name));
      default:
        return [];
    }
  }

  /** A repository's features in work (drafts and active), then its "Accepted / archived" group; or that group's features. */
  private featureNodes(repoRoot: string, archived = false): TreeNode[] {
    const orch = this.registry.get(repoRoot);
    if (!orch) return [];
    const all = orch.list();
    const pick = all.filter((f) => (f.status === 'archived') === archived).map((f) => this.nodes.feature({ repoRoot, featureId: f.id }));
    if (archived || !all.some((f) => f.status === 'archived')) return pick;
    return [...pick, this.nodes.archive(repoRoot)];
  }

  private featureChildren(ref: FeatureRef): TreeNode[] {
    const f = this.summary(ref);
    if (!f) return [];
    if (f.status === 'draft') return (['draft', 'spec', 'plan'] as InfoKey[]).map((k) => this.nodes.info(ref, k));
    if (f.status === 'archived') return (['ended', 'spec', 'plan', 'history'] as InfoKey[]).map((k) => this.nodes.info(ref, k));
    const info: InfoKey[] = ['agent', 'violations'];
    if (f.queuePosition) info.push('queue');
    if (f.breaker.open || f.breaker.failures > 0) info.push('breaker');
    info.push('plan', 'spec', 'watch', 'sandbox');
    const cps = this.checkpoints(ref);
    const shown = cps.slice(-MAX_CHECKPOINTS).reverse();
    const gates = this.gates && this.plannedGates(ref).length > 0 ? [this.nodes.gates(ref)] : [];
    const out: TreeNode[] = [...info.map((k) => this.nodes.info(ref, k)), ...outsideNodes(this.nodes, ref, f), ...gates, ...shown.map((c) => this.nodes.checkpoint(ref, c.seq))];
    if (cps.length > shown.length) out.push(this.nodes.info(ref, 'more'));
    return out;
  }

  getParent(el: TreeNode): TreeNode | undefined {
    if (el.kind === 'repo') return undefined;
    const top = this.registry.repositories().length > 1 ? this.nodes.repo(el.repoRoot) : undefined;
    if (el.kind === 'archive') return top;
    if (el.kind === 'feature') return this.summary(el)?.status === 'archived' ? this.nodes.archive(el.repoRoot) : top;
    if (el.kind === 'file') return this.nodes.checkpoint(el, el.seq);
    if (el.kind === 'gate') return this.nodes.gates(el);
    return this.nodes.feature(el);
  }

  getTreeItem(el: TreeNode): vscode.TreeItem {
    switch (el.kind) {
      case 'repo': {
        const item = new vscode.TreeItem(path.basename(el.repoRoot), vscode.TreeItemCollapsibleState.Expanded);
        item.id = el.id;
        item.description = path.dirname(el.repoRoot);
        item.iconPath = icon('repo');
        item.contextValue = 'repository';
        return item;
      }
      case 'archive': {
        const n = this.registry.get(el.repoRoot)?.list().filter((f) => f.status === 'archived').length ?? 0;
        const item = new vscode.TreeItem('Accepted / archived', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = el.id;
        item.description = String(n);
        item.iconPath = icon('archive');
        item.contextValue = 'archive';
        item.tooltip = 'Features that were accepted or deleted: their spec, plan and history. Their branches and checkpoints stay in git.';
        item.accessibilityInformation = { label: `Accepted or archived features: ${n}` };
        return item;
      }
      case 'feature':
        return featureItem(el, this.summary(el), () => this.registry.resolve(el).supervision.budgets(el.featureId));
      case 'info':
        return infoItem(el, this.summary(el), () => this.planSummary(el));
      case 'gates':
        return gatesItem(el, this.gateSnapshot(el));
      case 'outside':
        return outsideItem(el, this.summary(el));
      case 'gate':
        return gateItem(el, this.gateSnapshot(el));
      case 'checkpoint':
        return checkpointItem(el, this.checkpoint(el));
      case 'file':
        return fileItem(el, this.checkpoint(el), this.summary(el)?.worktree);
    }
  }

  /** What the plan allows, in a few words ("allows src/**, test/**"). */
  private planSummary(ref: FeatureRef): string {
    try {
      const p = this.registry.resolve(ref).plan(ref.featureId);
      const allowed = p.allowed.length ? `allows ${p.allowed.slice(0, 3).join(', ')}${p.allowed.length > 3 ? ` +${p.allowed.length - 3}` : ''}` : 'allows everything';
      return p.forbidden.length ? `${allowed}; ${plural(p.forbidden.length, 'forbidden glob')}` : allowed;
    } catch {
      return 'plan.yaml';
    }
  }

  /** The plan's gate names (plan order); empty when the feature cannot be read. */
  private plannedGates(ref: FeatureRef): string[] {
    try {
      return this.registry.resolve(ref).plan(ref.featureId).gates.map((g) => g.name);
    } catch {
      return [];
    }
  }

  private gateSnapshot(ref: FeatureRef): GateSnapshot | undefined {
    try {
      return this.gates?.peek(ref);
    } catch {
      return undefined;
    }
  }

  dispose(): void {
    this.refreshes.dispose();
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }
}
