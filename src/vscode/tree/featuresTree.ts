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
import type { GateService, GateSnapshot } from '../gates/gateService';
import { featurePaths } from '../../core/features';
import { COMMANDS, CONTEXT } from '../ids';
import { featureContextValue, needsAttention } from '../../shared/featureView';
import { AGENT_STATE_WORD, CHECKPOINT_KIND, budgetsText, plural, severityCounts } from '../../shared/words';
import type { FeatureRef, Registry } from '../workspace/registry';
import { gateItem, gatesItem, icon } from './gateItems';
import { NodeCache, type InfoKey, type TreeNode } from './nodes';
import { outsideItem, outsideNodes } from './outsideItems';

/** Checkpoints listed per feature; older ones stay reachable from the review panel. */
const MAX_CHECKPOINTS = 100;

const STATE_ICONS: Record<string, [string, string?]> = {
  idle: ['circle-outline'],
  queued: ['watch', 'charts.yellow'],
  starting: ['loading~spin'],
  running: ['sync~spin', 'charts.green'],
  paused: ['debug-pause', 'charts.yellow'],
  stopping: ['loading~spin'],
  exited: ['pass'],
  failed: ['error', 'errorForeground'],
  interrupted: ['debug-disconnect', 'charts.orange'],
};


function time(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString();
}

/** Date and time when not today, else time. */
function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}

function day(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toDateString() === new Date().toDateString() ? 'today' : d.toLocaleDateString();
}

function shortRef(ref: string): string {
  return ref.replace(/^refs\/heads\//, '');
}

/** The theme colour of the worst severity among violations (none: no colour). */
function severityColor(violations: readonly { severity: string }[]): string | undefined {
  if (violations.some((v) => v.severity !== 'warning')) return 'errorForeground';
  return violations.length ? 'list.warningForeground' : undefined;
}

/** A core subscription as a VS Code disposable. */
function toVscode(d: { dispose(): void }): vscode.Disposable {
  return { dispose: () => d.dispose() };
}

export class FeaturesTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly nodes = new NodeCache();
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];
  private pending = new Set<TreeNode | undefined>();
  private timer: NodeJS.Timeout | undefined;

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

  /** Coalesces bursts (a checkpoint every few hundred ms) into one refresh per element. */
  private schedule(node: TreeNode | undefined): void {
    this.pending.add(node);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const batch = this.pending;
      this.pending = new Set();
      if (batch.has(undefined)) this.changed.fire(undefined);
      else for (const n of batch) this.changed.fire(n);
      this.updateContext();
    }, 100);
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
      case 'checkpoint': {
        const rec = this.checkpoints(el).find((c) => c.seq === el.seq);
        return rec ? rec.files.map((f) => this.nodes.file(el, el.seq, f.path)) : [];
      }
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
        return this.featureItem(el);
      case 'info':
        return this.infoItem(el);
      case 'gates':
        return gatesItem(el, this.gateSnapshot(el));
      case 'outside':
        return outsideItem(el, this.summary(el));
      case 'gate':
        return gateItem(el, this.gateSnapshot(el));
      case 'checkpoint':
        return this.checkpointItem(el);
      case 'file':
        return this.fileItem(el);
    }
  }

  private featureItem(el: Extract<TreeNode, { kind: 'feature' }>): vscode.TreeItem {
    const f = this.summary(el);
    const item = new vscode.TreeItem(el.featureId, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = el.id;
    if (!f) return item;
    item.contextValue = featureContextValue(f);
    if (f.status === 'archived') {
      const a = f.archived!;
      item.description = a.how === 'accepted' ? `accepted ${day(a.at)}${a.accepted ? ` · ${a.accepted.commit.slice(0, 8)} into ${shortRef(a.accepted.target)}` : ''}` : `deleted ${day(a.at)}`;
      item.iconPath = a.how === 'accepted' ? icon('pass', 'testing.iconPassed') : icon('trash');
      item.accessibilityInformation = { label: `${f.id}, ${item.description}` };
      return item;
    }
    const state = f.status === 'draft' ? 'draft' : (f.agentState ?? 'idle');
    const shared = new Set((f.collisions ?? []).map((c) => c.path)).size;
    const bits = [
      f.status === 'draft' ? 'draft' : AGENT_STATE_WORD[state] ?? state,
      f.status === 'active' ? plural(f.checkpointCount, 'checkpoint') : undefined,
      severityCounts(f.violations) || undefined,
      shared ? plural(shared, 'shared file') : undefined,
      f.planError ? 'plan has problems' : undefined,
    ];
    item.description = bits.filter(Boolean).join(' · ');
    item.accessibilityInformation = { label: `Feature ${f.id}, ${bits.filter(Boolean).join(', ')}` };
    const [name, color] = needsAttention(f) ? ['error', 'errorForeground'] : (STATE_ICONS[state] ?? ['circle-outline']);
    item.iconPath = f.status === 'draft' ? icon('note') : icon(name, color);
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${f.id}**${f.branch ? ` on \`${f.branch}\`` : ''}${f.baseRef ? ` from \`${f.baseRef}\`` : ''}\n\n`);
    md.appendMarkdown(`Agent: ${AGENT_STATE_WORD[state] ?? state}${f.provider ? ` (${f.provider})` : ''}\n\n`);
    if (f.worktree) md.appendMarkdown(`Worktree: \`${f.worktree}\`\n\n`);
    if (f.status === 'active') md.appendMarkdown(budgetsText(this.registry.resolve(el).supervision.budgets(f.id)));
    if (shared) {
      md.appendMarkdown(`Also changed by other features (whichever is accepted second may conflict):\n\n`);
      for (const c of (f.collisions ?? []).slice(0, 10)) md.appendMarkdown(`- \`${c.path}\`: feature \`${c.otherFeature}\`\n`);
    }
    item.tooltip = md;
    return item;
  }

  private infoItem(el: Extract<TreeNode, { kind: 'info' }>): vscode.TreeItem {
    const f = this.summary(el);
    const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
    item.id = el.id;
    item.contextValue = `info+${el.key}`;
    if (!f) return item;
    switch (el.key) {
      case 'draft':
        item.label = 'Draft: no worktree yet';
        item.description = 'Start Agent creates it';
        item.iconPath = icon('info');
        break;
      case 'ended': {
        const a = f.archived;
        item.label = a?.how === 'accepted' ? `Accepted ${when(a.at)}` : `Deleted ${a ? when(a.at) : ''}`.trim();
        if (a?.accepted) {
          item.description = `${a.accepted.strategy} of #${a.accepted.seq} as ${a.accepted.commit.slice(0, 8)}, ${a.accepted.landed ? `on ${shortRef(a.accepted.target)}` : `for ${shortRef(a.accepted.target)} (finish in your checkout)`}`;
        } else item.description = 'its branch and checkpoints stay in git';
        item.iconPath = a?.how === 'accepted' ? icon('pass', 'testing.iconPassed') : icon('trash');
        break;
      }
      case 'spec':
        item.label = 'Spec';
        item.description = 'spec.md';
        item.iconPath = icon('book');
        item.command = { command: COMMANDS.openSpec, title: 'Open Spec', arguments: [{ repoRoot: el.repoRoot, featureId: el.featureId }] };
        break;
      case 'history':
        item.label = 'History';
        item.description = 'the event log';
        item.iconPath = icon('history');
        item.command = { command: COMMANDS.showEventLog, title: 'Show Event Log', arguments: [{ repoRoot: el.repoRoot, featureId: el.featureId }] };
        break;
      case 'agent': {
        const state = f.agentState ?? 'idle';
        item.label = `Agent: ${AGENT_STATE_WORD[state] ?? state}`;
        item.description = [f.provider, f.usage && f.usage.costUsd > 0 ? `$${f.usage.costUsd.toFixed(2)}` : undefined].filter(Boolean).join(' · ');
        const [name, color] = STATE_ICONS[state] ?? ['hubot'];
        item.iconPath = icon(name, color);
        item.command = { command: COMMANDS.showAgentOutput, title: 'Show Agent Output', arguments: [{ repoRoot: el.repoRoot, featureId: el.featureId }] };
        break;
      }
      case 'watch':
        item.label = `Watchdog: ${f.watch.alive ? 'watching' : 'stopped'}`;
        item.description = f.watch.backend ?? '';
        item.iconPath = icon(f.watch.alive ? 'eye' : 'eye-closed', f.watch.alive ? undefined : 'charts.yellow');
        break;
      case 'violations': {
        const n = f.violations.length;
        const worst = f.violations.some((v) => v.severity === 'critical') ? 'critical' : f.violations.some((v) => v.severity === 'error') ? 'error' : n ? 'warning' : undefined;
        item.label = n ? `Violations: ${n}` : 'No violations';
        item.description = severityCounts(f.violations);
        item.iconPath =
          worst === 'critical' ? icon('circle-slash', 'errorForeground') : worst === 'error' ? icon('error', 'errorForeground') : worst ? icon('warning', 'list.warningForeground') : icon('pass', 'testing.iconPassed');
        item.tooltip = f.violations.slice(0, 20).map((v) => `${v.severity} ${v.kind}: ${v.message}`).join('\n') || 'No rules broken';
        item.accessibilityInformation = { label: n ? `Violations of the plan: ${item.description}. Opens Problems.` : 'No violations of the plan' };
        if (n) item.command = { command: 'workbench.actions.view.problems', title: 'Show Problems' };
        break;
      }
      case 'sandbox': {
        const s = f.sandbox;
        if (!s) break;
        item.label = s.state === 'on' ? 'Sandbox: on' : s.state === 'off' ? 'Sandbox: off' : 'Sandbox: unavailable';
        item.description = s.state === 'on' ? s.detail : s.reason;
        item.tooltip = `${s.reason}\n\n${s.detail}`;
        item.iconPath = s.state === 'on' ? icon('shield') : icon('unlock', 'list.warningForeground');
        item.contextValue = `info+sandbox+sandbox${s.state === 'on' ? 'On' : s.state === 'off' ? 'Off' : 'Unavailable'}`;
        break;
      }
      case 'queue':
        item.label = `Queued: #${f.queuePosition}`;
        item.description = 'waiting for a free agent slot';
        item.iconPath = icon('watch');
        break;
      case 'breaker':
        item.label = f.breaker.open ? `Held after ${plural(f.breaker.failures, 'checkpoint failure')}` : `${plural(f.breaker.failures, 'checkpoint failure')} in a row`;
        item.description = f.breaker.errors.at(-1) ?? '';
        item.tooltip = `${f.breaker.open ? 'Checkpoints kept failing, so the agent is held. Review the errors, then run "Clear Checkpoint Failures".\n\n' : ''}${f.breaker.errors.join('\n')}`;
        item.iconPath = f.breaker.open ? icon('error', 'errorForeground') : icon('warning', 'list.warningForeground');
        item.contextValue = `info+breaker${f.breaker.open ? '+breakerOpen' : ''}`;
        break;
      case 'plan': {
        const file = vscode.Uri.file(featurePaths(el.repoRoot, el.featureId).plan);
        item.command = { command: COMMANDS.openPlan, title: 'Open Plan', arguments: [{ repoRoot: el.repoRoot, featureId: el.featureId }] };
        if (f.planError) {
          item.label = 'Plan has problems';
          item.description = f.planError.split('\n')[0]!.replace(`${file.fsPath}:`, 'line ');
          item.tooltip = `${f.planError}\n\nThe last valid plan still applies. Fix plan.yaml (its problems are in Problems).`;
          item.iconPath = icon('error', 'errorForeground');
          break;
        }
        item.label = 'Plan';
        item.description = this.planSummary(el);
        item.iconPath = icon('checklist');
        break;
      }
      case 'more':
        item.label = `${f.checkpointCount - MAX_CHECKPOINTS} older checkpoints`;
        item.description = 'open the review panel';
        item.iconPath = icon('ellipsis');
        item.command = { command: COMMANDS.openReview, title: 'Open Review', arguments: [{ repoRoot: el.repoRoot, featureId: el.featureId }] };
        break;
    }
    return item;
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

  private checkpointItem(el: Extract<TreeNode, { kind: 'checkpoint' }>): vscode.TreeItem {
    const rec = this.checkpoints(el).find((c) => c.seq === el.seq);
    const item = new vscode.TreeItem(`#${el.seq} ${rec ? CHECKPOINT_KIND[rec.trigger] : ''}`.trim(), rec?.files.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = el.id;
    if (!rec) return item;
    const v = rec.violations.length;
    item.description = [time(rec.time), plural(rec.files.length, 'file'), severityCounts(rec.violations) || undefined].filter(Boolean).join(' · ');
    item.iconPath = icon('git-commit', severityColor(rec.violations));
    item.accessibilityInformation = { label: `Checkpoint ${rec.seq}, ${CHECKPOINT_KIND[rec.trigger]}, ${item.description}` };
    item.contextValue = `checkpoint+restorable${v ? '+violations' : ''}`;
    item.tooltip = `Checkpoint ${rec.seq} (${CHECKPOINT_KIND[rec.trigger]}) at ${rec.time}\n${rec.commit}\n${plural(rec.files.length, 'file')} changed, ${rec.durationMs} ms${v ? `\n${plural(v, 'violation')} standing` : ''}`;
    return item;
  }

  private fileItem(el: Extract<TreeNode, { kind: 'file' }>): vscode.TreeItem {
    const rec = this.checkpoints(el).find((c) => c.seq === el.seq);
    const change = rec?.files.find((f) => f.path === el.path);
    const item = new vscode.TreeItem(path.posix.basename(el.path), vscode.TreeItemCollapsibleState.None);
    item.id = el.id;
    const dir = path.posix.dirname(el.path);
    const bad = rec?.violations.filter((v) => v.path === el.path) ?? [];
    item.description = [change?.status, dir === '.' ? '' : dir, bad.length ? bad.map((b) => b.kind.replace(/_/g, ' ')).join(', ') : undefined].filter(Boolean).join(' · ');
    const wt = this.summary(el)?.worktree;
    if (wt) item.resourceUri = vscode.Uri.file(path.join(wt, ...el.path.split('/')));
    if (bad.length) item.iconPath = bad.some((b) => b.severity !== 'warning') ? icon('error', 'errorForeground') : icon('warning', 'list.warningForeground');
    item.tooltip = `${el.path} (${change?.status ?? '?'}) in checkpoint #${el.seq}${bad.length ? '\n' + bad.map((b) => b.message).join('\n') : ''}`;
    item.contextValue = `checkpointFile${bad.length ? '+violations' : ''}`;
    item.command = { command: COMMANDS.openCheckpointDiff, title: 'Open Changes', arguments: [el] };
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }
}
