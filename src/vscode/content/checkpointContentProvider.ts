/** Serves checkpoint file content from git objects, read-only, for the native diff editor. */
import * as vscode from 'vscode';
import type { Registry } from '../workspace/registry';
import { parseCheckpointUri } from './checkpointUri';

/** Past this size a document shows a note instead of the content (the editor would struggle). */
const MAX_DOC_BYTES = 20 * 1024 * 1024;

export class CheckpointContentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly registry: Registry) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const d = parseCheckpointUri(uri);
    const orch = this.registry.resolve({ repoRoot: d.repoRoot, featureId: d.featureId });
    const data = await orch.readFileAt(d.featureId, d.at, d.relPath);
    if (!data) return '';
    if (data.length > MAX_DOC_BYTES) return `(${d.relPath}: ${data.length} bytes, too large to show here)`;
    if (data.subarray(0, 8000).includes(0)) return `(${d.relPath}: binary file, ${data.length} bytes)`;
    return data.toString('utf8');
  }
}

/** Serves a feature's event log as readable JSON lines: `aop-events:/<feature>.jsonl?repo=..`. */
export class EventLogContentProvider implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly registry: Registry) {}

  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const repoRoot = new URLSearchParams(uri.query).get('repo') ?? '';
    const featureId = uri.path.replace(/^\//, '').replace(/\.jsonl$/, '');
    const orch = this.registry.resolve({ repoRoot, featureId });
    const events = await orch.events(featureId);
    return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  }

  dispose(): void {
    this.changed.dispose();
  }
}
