/**
 * Standing violations as diagnostics on the files in each feature's worktree (feature-wide
 * ones on its plan.yaml), refreshed on every checkpoint and rollback; a file that is fixed or
 * rolled back loses its diagnostics because the whole set for the feature is replaced. A file
 * another feature changes too gets an information diagnostic whose related information opens
 * the other feature's version (its latest checkpoint).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Violation } from '../../core/model';
import type { Collision } from '../../core/collisions';
import type { FeatureSummary } from '../../core/orchestrator';
import { featurePaths } from '../../core/features';
import { checkpointUri } from '../content/checkpointUri';
import { OUTSIDE_KINDS, pathInRepository } from '../../shared/vocabulary';
import { COMMANDS, DIAGNOSTIC_SOURCE, SHARED_FILE_CODE } from '../ids';
import type { FeatureRef, Registry } from '../workspace/registry';
import { refKey } from '../../shared/featureKey';

const SEVERITY: Record<Violation['severity'], vscode.DiagnosticSeverity> = {
  critical: vscode.DiagnosticSeverity.Error,
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
};

export class ViolationDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('aop');
  /** Which URIs each feature put diagnostics on, so they can be replaced as a set. */
  private readonly byFeature = new Map<string, Map<string, vscode.Uri>>();
  private readonly perUri = new Map<string, Map<string, vscode.Diagnostic[]>>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly registry: Registry) {
    this.subs.push(
      registry.onDidChange(({ repoRoot, change }) => {
        if (change.kind === 'features') this.refreshAll();
        else if (change.featureId && (change.kind === 'checkpoint' || change.kind === 'violations' || change.kind === 'feature')) {
          this.refresh({ repoRoot, featureId: change.featureId });
          // Features sharing files with this one point at its latest checkpoint, which just moved.
          if (change.kind === 'checkpoint') for (const id of this.collidingWith(repoRoot, change.featureId)) this.refresh({ repoRoot, featureId: id });
        }
      }),
      registry.onDidChangeRepositories(() => this.refreshAll()),
    );
    this.refreshAll();
  }

  refreshAll(): void {
    const live = new Set<string>();
    for (const orch of this.registry.repositories()) {
      for (const f of orch.list()) {
        const ref = { repoRoot: orch.repoRoot, featureId: f.id };
        live.add(refKey(ref));
        this.set(ref, f);
      }
    }
    for (const k of [...this.byFeature.keys()]) if (!live.has(k)) this.clear(k);
  }

  refresh(ref: FeatureRef): void {
    let f: FeatureSummary;
    try {
      f = this.registry.resolve(ref).summary(ref.featureId);
    } catch {
      this.clear(refKey(ref));
      return;
    }
    this.set(ref, f);
  }

  private set(ref: FeatureRef, f: FeatureSummary): void {
    const k = refKey(ref);
    const next = new Map<string, { uri: vscode.Uri; diags: vscode.Diagnostic[] }>();
    if (f.worktree) {
      for (const v of f.violations) {
        const uri = this.uriOf(ref, f.worktree, v);
        const d = new vscode.Diagnostic(new vscode.Range(Math.max(0, (v.line ?? 1) - 1), 0, Math.max(0, (v.line ?? 1) - 1), 1000), `${v.message} (feature ${f.id})`, SEVERITY[v.severity]);
        d.source = DIAGNOSTIC_SOURCE;
        d.code = v.kind;
        const slot = next.get(uri.toString()) ?? { uri, diags: [] };
        slot.diags.push(d);
        next.set(uri.toString(), slot);
      }
      for (const c of f.collisions ?? []) {
        const uri = vscode.Uri.file(path.join(f.worktree, ...c.path.split('/')));
        const slot = next.get(uri.toString()) ?? { uri, diags: [] };
        slot.diags.push(this.sharedFileDiagnostic(ref, f.id, c));
        next.set(uri.toString(), slot);
      }
    }
    const before = this.byFeature.get(k) ?? new Map<string, vscode.Uri>();
    for (const [s, uri] of before) if (!next.has(s)) this.put(s, uri, k, undefined);
    for (const [s, { uri, diags }] of next) this.put(s, uri, k, diags);
    this.byFeature.set(k, new Map([...next].map(([s, v]) => [s, v.uri])));
  }

  private sharedFileDiagnostic(ref: FeatureRef, id: string, c: Collision): vscode.Diagnostic {
    const seq = this.headOf({ repoRoot: ref.repoRoot, featureId: c.otherFeature });
    const how = c.otherStatus === 'D' ? 'deletes it' : c.otherStatus === 'A' ? 'adds it' : 'changes it';
    const d = new vscode.Diagnostic(
      new vscode.Range(0, 0, 0, 0),
      `${c.path} is also changed by feature "${c.otherFeature}" (which ${how}); whichever is accepted second may conflict. (feature ${id})`,
      vscode.DiagnosticSeverity.Information,
    );
    d.source = DIAGNOSTIC_SOURCE;
    d.code = SHARED_FILE_CODE;
    const other = checkpointUri({ repoRoot: ref.repoRoot, featureId: c.otherFeature, at: seq ?? 'base', relPath: c.path });
    d.relatedInformation = [
      new vscode.DiagnosticRelatedInformation(new vscode.Location(other, new vscode.Range(0, 0, 0, 0)), `Feature "${c.otherFeature}"'s version (${seq ? `checkpoint #${seq}` : 'its base'})`),
    ];
    return d;
  }

  /** The latest checkpoint of a feature, if it has one. */
  private headOf(ref: FeatureRef): number | undefined {
    try {
      return this.registry.resolve(ref).summary(ref.featureId).lastCheckpoint?.seq;
    } catch {
      return undefined;
    }
  }

  /** Features of the repository whose shared files include one of `featureId`. */
  private collidingWith(repoRoot: string, featureId: string): string[] {
    const orch = this.registry.get(repoRoot);
    return orch ? orch.list().filter((f) => f.id !== featureId && (f.collisions ?? []).some((c) => c.otherFeature === featureId)).map((f) => f.id) : [];
  }

  /** Several features may mark the same file (main-checkout warnings): merge per URI. */
  private put(s: string, uri: vscode.Uri, featureKey: string, diags: vscode.Diagnostic[] | undefined): void {
    const owners = this.perUri.get(s) ?? new Map<string, vscode.Diagnostic[]>();
    if (diags) owners.set(featureKey, diags);
    else owners.delete(featureKey);
    if (owners.size === 0) {
      this.perUri.delete(s);
      this.collection.delete(uri);
    } else {
      this.perUri.set(s, owners);
      this.collection.set(uri, [...owners.values()].flat());
    }
  }

  private clear(k: string): void {
    for (const [s, uri] of this.byFeature.get(k) ?? []) this.put(s, uri, k, undefined);
    this.byFeature.delete(k);
  }

  private uriOf(ref: FeatureRef, worktree: string, v: Violation): vscode.Uri {
    if (v.path === '') return vscode.Uri.file(featurePaths(ref.repoRoot, ref.featureId).plan);
    // Writes in the main checkout, .aop/ and the git folder name a path of the repository; every
    // other path is the worktree's (outside_worktree ones resolve above it, or are absolute).
    const base = pathInRepository(v) ? ref.repoRoot : worktree;
    return vscode.Uri.file(path.resolve(base, ...v.path.split('/')));
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.collection.dispose();
  }
}

/** "Revert this file to the last clean checkpoint" on our diagnostics in a feature's worktree. */
export class RevertFileCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly registry: Registry) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    // Shared files are not violations: nothing to revert.
    const ours = ctx.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && d.code !== 'main_checkout_write' && d.code !== 'outside_worktree' && d.code !== SHARED_FILE_CODE);
    if (ours.length === 0 || doc.uri.scheme !== 'file') return [];
    const hit = this.registry.featureOfPath(doc.uri.fsPath);
    if (!hit) return [];
    const action = new vscode.CodeAction('Revert this file to the last clean checkpoint', vscode.CodeActionKind.QuickFix);
    action.diagnostics = ours;
    action.isPreferred = true;
    action.command = { command: COMMANDS.revertFileToClean, title: action.title, arguments: [{ ...hit.ref, path: hit.relPath }] };
    return [action];
  }
}

/**
 * On violations about files outside the worktree (the git folder, the user's checkout, `.aop/`),
 * which no rollback answers: the action that does (restore, move out, apply or revert), after
 * the user has seen what changed.
 */
export class OutsideChangeCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly registry: Registry) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const ours = ctx.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && OUTSIDE_KINDS.includes(d.code as never));
    if (ours.length === 0 || doc.uri.scheme !== 'file') return [];
    const orch = this.registry.repositories().find((o) => doc.uri.fsPath === o.repoRoot || doc.uri.fsPath.startsWith(o.repoRoot + path.sep) || o.guards.gitDir.gitDir === path.dirname(doc.uri.fsPath) || doc.uri.fsPath.startsWith(o.guards.gitDir.gitDir + path.sep));
    if (!orch) return [];
    const rel = path.relative(orch.repoRoot, doc.uri.fsPath);
    const label = rel.startsWith('..') || path.isAbsolute(rel) ? doc.uri.fsPath : rel.split(path.sep).join('/');
    const item = orch.guards.item(label);
    if (!item) return [];
    const action = new vscode.CodeAction(OUTSIDE_ACTION_TITLE[item.area], vscode.CodeActionKind.QuickFix);
    action.diagnostics = ours;
    action.isPreferred = true;
    action.command = { command: COMMANDS.reviewOutsideChange, title: action.title, arguments: [{ repoRoot: orch.repoRoot, path: item.path, area: item.area }] };
    return [action];
  }
}

const OUTSIDE_ACTION_TITLE: Record<'git' | 'checkout' | 'plan', string> = {
  git: 'Review the change to the git folder and restore it…',
  checkout: 'Review the file an agent left in your checkout and move it out…',
  plan: 'Review the plan change and apply or revert it…',
};
