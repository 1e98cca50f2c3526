/**
 * plan.yaml in the editor, with no YAML extension needed: every problem of every feature's
 * plan in Problems with its line and column (checked as you type, and from disk for plans not
 * open), completion and hover from the plan's JSON Schema. The checks and the schema walk are
 * core's (src/core/plan); this file only maps them to VS Code.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { planFileOwner } from '../../core/features';
import { listFolders, planCompletions, planCursor, planHover, planProblems, scopeChoices, type PlanProblem } from '../../core/plan';
import { errorMessage } from '../../core/util';
import { DISPLAY_NAME } from '../ids';

/** Where plans live, for document selectors and the file watcher. */
export const PLAN_GLOB = '**/.aop/features/*/plan.yaml';
/** The folders a plan can arrive inside of. */
const FOLDER_GLOB = '**/.aop{,/features,/features/*}';
export const PLAN_SELECTOR: vscode.DocumentSelector = { scheme: 'file', pattern: PLAN_GLOB };
/** The diagnostics' source, so a person (and the tests) can tell plan problems apart. */
export const PLAN_DIAGNOSTIC_SOURCE = `${DISPLAY_NAME} plan`;

export class PlanLanguage implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('aop-plan');
  private readonly subs: vscode.Disposable[] = [this.diagnostics];

  constructor(private readonly log: vscode.LogOutputChannel) {
    const isPlan = (doc: vscode.TextDocument) => doc.uri.scheme === 'file' && planFileOwner(doc.uri.fsPath) !== undefined;
    this.subs.push(
      vscode.workspace.onDidOpenTextDocument((d) => isPlan(d) && this.check(d.uri, d.getText())),
      vscode.workspace.onDidChangeTextDocument((e) => isPlan(e.document) && this.check(e.document.uri, e.document.getText())),
      // Closed without saving: the file on disk is what counts again.
      vscode.workspace.onDidCloseTextDocument((d) => isPlan(d) && void this.checkFile(d.uri)),
      vscode.languages.registerCompletionItemProvider(PLAN_SELECTOR, { provideCompletionItems: (d, p) => this.complete(d, p) }, ':', ' ', '-'),
      vscode.languages.registerHoverProvider(PLAN_SELECTOR, { provideHover: (d, p) => this.hover(d, p) }),
    );
    const watcher = vscode.workspace.createFileSystemWatcher(PLAN_GLOB);
    this.subs.push(
      watcher,
      watcher.onDidCreate((u) => this.checkSoon(u)),
      watcher.onDidChange((u) => this.checkSoon(u)),
      watcher.onDidDelete((u) => this.diagnostics.delete(u)),
      { dispose: () => this.timers.forEach((t) => clearTimeout(t)) },
    );
    // A folder that arrives with its plan already inside (a checkout, a copy, `mkdir` then a
    // quick write) is reported as the folder only: inotify watches a new folder once it exists,
    // so the file's own event is lost (parcel-bundler/watcher#243). Look inside such folders.
    const folders = vscode.workspace.createFileSystemWatcher(FOLDER_GLOB, false, true, true);
    this.subs.push(
      folders,
      folders.onDidCreate((u) => void this.checkFolder(u)),
    );
    for (const d of vscode.workspace.textDocuments) if (isPlan(d)) this.check(d.uri, d.getText());
  }

  /** Checks every plan of the workspace from disk (at start: a broken plan shows without being opened). */
  async checkAll(): Promise<void> {
    const files = await vscode.workspace.findFiles(PLAN_GLOB, undefined, 10_000);
    await Promise.all(files.map((u) => this.checkFile(u)));
  }

  /** The problems shown for a plan file now (tests read them). */
  problems(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.diagnostics.get(uri) ?? [];
  }

  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** A file event: read once the writes settle (an event can come between creating a file and filling it). */
  private checkSoon(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.checkFile(uri);
      }, 100),
    );
  }

  /** A new `.aop`, `.aop/features` or feature folder: check every plan that came with it. */
  private async checkFolder(uri: vscode.Uri): Promise<void> {
    const dir = uri.fsPath;
    const features = path.basename(dir) === '.aop' ? path.join(dir, 'features') : path.basename(dir) === 'features' ? dir : undefined;
    const folders = features ? await subfolders(features) : [dir];
    for (const f of folders) this.checkSoon(vscode.Uri.file(path.join(f, 'plan.yaml')));
  }

  private async checkFile(uri: vscode.Uri): Promise<void> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open?.isDirty) return; // the editor's text is what is being checked
    let text: string;
    try {
      text = await fs.readFile(uri.fsPath, 'utf8');
    } catch {
      this.diagnostics.delete(uri);
      return;
    }
    this.check(uri, text);
  }

  private check(uri: vscode.Uri, text: string): void {
    let problems: PlanProblem[];
    try {
      problems = planProblems(text, uri.fsPath);
    } catch (err) {
      this.log.warn(`Could not check ${uri.fsPath}: ${errorMessage(err)}`);
      return;
    }
    const lines = text.split(/\r?\n/);
    this.diagnostics.set(
      uri,
      problems.map((p) => {
        const d = new vscode.Diagnostic(problemRange(lines, p), p.field ? `${p.field}: ${p.message}` : p.message, vscode.DiagnosticSeverity.Error);
        d.source = PLAN_DIAGNOSTIC_SOURCE;
        return d;
      }),
    );
  }

  private async complete(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.CompletionItem[]> {
    const text = doc.getText();
    const cur = planCursor(text, pos.line, pos.character);
    if (!cur) return [];
    const range = new vscode.Range(pos.line, Math.min(cur.wordStart, pos.character), pos.line, pos.character);
    const items = planCompletions(text, pos.line, pos.character).map((c) => {
      const item = new vscode.CompletionItem(c.label, c.kind === 'key' ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.Value);
      item.insertText = c.insertText;
      item.range = range;
      if (c.detail) item.detail = c.detail;
      if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
      return item;
    });
    // A glob list: offer the repository's folders.
    const list = cur.path[cur.path.length - 1];
    if (cur.position === 'item' && (list === 'allowed' || list === 'forbidden' || list === 'exclusive')) {
      const owner = planFileOwner(doc.uri.fsPath);
      if (owner) {
        const { choices } = scopeChoices(await listFolders(owner.repoRoot, 'HEAD'));
        for (const c of choices) {
          const item = new vscode.CompletionItem(c.glob, vscode.CompletionItemKind.Folder);
          item.range = range;
          item.detail = 'folder of the repository';
          items.push(item);
        }
      }
    }
    return items;
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const h = planHover(doc.getText(), pos.line, pos.character);
    if (!h) return undefined;
    return new vscode.Hover(new vscode.MarkdownString(h.markdown), new vscode.Range(h.line, h.startChar, h.line, h.endChar));
  }

  dispose(): void {
    for (const s of this.subs.splice(0)) s.dispose();
  }
}

/** From the problem's position to the end of the word there (or of the line, if the word is short). */
function problemRange(lines: readonly string[], p: PlanProblem): vscode.Range {
  const line = Math.max(0, Math.min(p.line - 1, lines.length - 1));
  const text = lines[line] ?? '';
  const start = Math.max(0, Math.min(p.column - 1, text.length));
  const word = /^\S+/.exec(text.slice(start))?.[0].length ?? 0;
  const end = word > 0 ? start + word : text.length;
  return new vscode.Range(line, start, line, Math.max(end, start + (text.length > start ? 1 : 0)));
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}
