/**
 * Keeps the user told about what agents did outside their worktrees:
 * - while a repository's git folder holds a change nobody answered, a status bar item says not
 *   to run git there (git could run the agent's code), and each new change raises a warning
 *   with a Review button;
 * - a feature's plan.yaml or spec.md changed on disk reaches the core: the user's save in the
 *   editor applies it, any other change waits for review (and is announced).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { sha256 } from '../../core/gitdir';
import type { Orchestrator } from '../../core/orchestrator';
import { COMMANDS } from '../ids';
import type { Registry } from '../workspace/registry';

export class OutsideChangesWatcher implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('aop.gitFolder', vscode.StatusBarAlignment.Left, 49);
  private readonly subs: vscode.Disposable[] = [];
  /** Items already announced (repo + path), so one change is announced once. */
  private readonly announced = new Set<string>();
  private readonly announcing = new vscode.EventEmitter<string>();
  /** A warning was shown (its text). */
  readonly onDidAnnounce = this.announcing.event;
  private warning: { text: string; tooltip: string } | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly isEditorSave: (absPath: string) => boolean,
  ) {
    this.item.name = 'Agent Orchestrator: git folder';
    this.item.command = { command: COMMANDS.reviewOutsideChange, title: 'Review' };
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    this.subs.push(
      registry.onDidChange(({ change }) => {
        if (change.kind === 'guards' || change.kind === 'violations') this.update();
      }),
      registry.onDidChangeRepositories(() => this.update()),
      vscode.workspace.onDidSaveTextDocument((doc) => void this.saved(doc)),
    );
    const plans = vscode.workspace.createFileSystemWatcher('**/.aop/features/*/{plan.yaml,spec.md}');
    this.subs.push(
      plans,
      plans.onDidChange((uri) => this.planFile(uri)),
      plans.onDidCreate((uri) => this.planFile(uri)),
      plans.onDidDelete((uri) => this.planFile(uri)),
    );
    this.update();
  }

  update(): void {
    const atRisk = this.registry.repositories().filter((o) => o.guards.gitDirAtRisk);
    if (atRisk.length === 0) {
      this.warning = undefined;
      this.item.hide();
    } else {
      const paths = atRisk.flatMap((o) => o.guards.items().filter((i) => i.area === 'git').map((i) => i.path));
      this.warning = {
        text: `$(alert) git folder changed by an agent (${paths.length})`,
        tooltip: `Do not run git in ${atRisk.map((o) => path.basename(o.repoRoot)).join(', ')} until you have reviewed: ${paths.slice(0, 5).join(', ')}. git reads these files as configuration or runs them as code.`,
      };
      this.item.text = this.warning.text;
      this.item.tooltip = this.warning.tooltip;
      this.item.show();
    }
    for (const orch of this.registry.repositories()) this.announce(orch);
  }

  private announce(orch: Orchestrator): void {
    for (const item of orch.guards.items()) {
      const key = `${orch.repoRoot}\0${item.area}\0${item.path}`;
      if (this.announced.has(key)) continue;
      this.announced.add(key);
      const text =
        item.area === 'git'
          ? `An agent changed ${item.path} in ${path.basename(orch.repoRoot)} (${item.features.join(', ')}). Do not run git there until you have reviewed it: git could run the agent's code.`
          : item.area === 'plan'
            ? `${item.path} changed on disk and is not in force until you review it.`
            : `${item.path} was ${item.title.includes('deleted') ? 'deleted' : 'written'} in your checkout while agents ran (${item.features.join(', ')}).`;
      this.announcing.fire(text);
      void vscode.window.showWarningMessage(text, 'Review').then((c) => {
        if (c) void vscode.commands.executeCommand(COMMANDS.reviewOutsideChange, { repoRoot: orch.repoRoot, path: item.path, area: item.area });
      });
    }
    // Forget answered items, so a change that comes back is announced again.
    const live = new Set(orch.guards.items().map((i) => `${orch.repoRoot}\0${i.area}\0${i.path}`));
    for (const k of [...this.announced]) if (k.startsWith(`${orch.repoRoot}\0`) && !live.has(k)) this.announced.delete(k);
  }

  /** What the status bar says while a git folder holds an unanswered change (undefined: nothing). */
  get gitFolderWarning(): { text: string; tooltip: string } | undefined {
    return this.warning;
  }

  /**
   * The editor saved a document: for a plan or spec, the hash of the bytes it wrote, which are
   * its text in UTF-8 after a byte order mark when the file had one (the editor keeps it, and
   * the text does not hold it).
   */
  private async saved(doc: vscode.TextDocument): Promise<void> {
    if (!isPlanFile(doc.uri)) return;
    const text = Buffer.from(doc.getText(), 'utf8');
    const withBom = Buffer.concat([UTF8_BOM, text]);
    const disk = await fs.readFile(doc.uri.fsPath).catch(() => undefined);
    this.planFile(doc.uri, { sha: sha256(disk?.equals(withBom) ? withBom : text) });
  }

  /** `saved`: the hash of what the editor saved; absent for a change the editor only heard about. */
  private planFile(uri: vscode.Uri, saved?: { sha: string }): void {
    if (!isPlanFile(uri)) return;
    const orch = this.registry.repositories().find((o) => uri.fsPath.startsWith(o.repoRoot + path.sep));
    void orch?.guards.fileChanged(uri.fsPath, saved ?? this.isEditorSave(uri.fsPath)).catch(() => undefined);
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.announcing.dispose();
    this.item.dispose();
  }
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function isPlanFile(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && /[\\/]\.aop[\\/]features[\\/][^\\/]+[\\/](plan\.yaml|spec\.md)$/.test(uri.fsPath);
}
