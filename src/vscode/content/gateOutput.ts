/**
 * A gate run's captured output as a read-only document: `aop-gate:/<feature>/<gate>.log?repo=..&seq=..`.
 * The URI carries ids only (repository, feature, gate, checkpoint); the content comes from the
 * feature's event log, where the gate runner recorded it.
 */
import * as vscode from 'vscode';
import { AopError, assertFeatureId } from '../../core/util';
import type { GateService } from '../gates/gateService';
import { SCHEMES } from '../ids';
import { isGateName } from '../../shared/vocabulary';
import type { FeatureRef } from '../workspace/registry';


export interface GateOutputDoc extends FeatureRef {
  gate: string;
  /** The checkpoint of the run; the latest run when absent. */
  seq?: number;
}

export function gateOutputUri(d: GateOutputDoc): vscode.Uri {
  const q = new URLSearchParams({ repo: d.repoRoot, ...(d.seq !== undefined ? { seq: String(d.seq) } : {}) });
  return vscode.Uri.from({ scheme: SCHEMES.gateOutput, path: `/${d.featureId}/${d.gate}.log`, query: q.toString() });
}

export function parseGateOutputUri(uri: vscode.Uri): GateOutputDoc {
  const m = /^\/([^/]+)\/([^/]+)\.log$/.exec(uri.path);
  const q = new URLSearchParams(uri.query);
  const repoRoot = q.get('repo') ?? '';
  const seqText = q.get('seq');
  if (uri.scheme !== SCHEMES.gateOutput || !m || !repoRoot || !isGateName(m[2]) || (seqText !== null && !/^\d{1,9}$/.test(seqText))) {
    throw new AopError('INVALID_INPUT', `Not a gate output document: ${uri.toString().slice(0, 200)}`);
  }
  return { repoRoot, featureId: assertFeatureId(m[1]), gate: m[2]!, ...(seqText !== null ? { seq: Number(seqText) } : {}) };
}

export class GateOutputContentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly gates: GateService) {}

  /** Re-reads an open document (a newer run of the gate). */
  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const d = parseGateOutputUri(uri);
    const run = await this.gates.lastRun(d, d.gate, d.seq);
    if (!run) return `Gate "${d.gate}" of feature ${d.featureId} has no recorded run${d.seq !== undefined ? ` on checkpoint #${d.seq}` : ''}.\n`;
    const verdict = run.passed ? 'passed' : 'failed';
    return `Gate "${run.name}" ${verdict} on checkpoint #${run.seq} of feature ${d.featureId} (exit ${run.exitCode ?? 'none'}, ${run.durationMs} ms, ${run.ts})\n\n${run.output}\n`;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
