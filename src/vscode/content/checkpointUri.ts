/**
 * URIs of read-only checkpoint documents: `aop-checkpoint:/<relPath>?repo=..&feature=..&at=..`.
 * They carry ids only (repository, feature, checkpoint seq or `base`, path), never content;
 * the path keeps its file name so the editor picks the right language.
 */
import * as vscode from 'vscode';
import { AopError, assertFeatureId, assertRelPath } from '../../core/util';
import { SCHEMES } from '../ids';

export type CheckpointSide = number | 'base';

export interface CheckpointDoc {
  repoRoot: string;
  featureId: string;
  at: CheckpointSide;
  relPath: string;
}

export function checkpointUri(d: CheckpointDoc): vscode.Uri {
  const query = new URLSearchParams({ repo: d.repoRoot, feature: d.featureId, at: String(d.at) }).toString();
  return vscode.Uri.from({ scheme: SCHEMES.checkpoint, path: `/${d.relPath}`, query });
}

export function parseCheckpointUri(uri: vscode.Uri): CheckpointDoc {
  if (uri.scheme !== SCHEMES.checkpoint) throw new AopError('INVALID_INPUT', `Not a checkpoint document: ${uri.toString()}`);
  const q = new URLSearchParams(uri.query);
  const repoRoot = q.get('repo') ?? '';
  const at = q.get('at') ?? '';
  if (!repoRoot) throw new AopError('INVALID_INPUT', 'The checkpoint document has no repository.');
  const side: CheckpointSide = at === 'base' ? 'base' : /^\d{1,9}$/.test(at) ? Number(at) : invalidSide(at);
  return { repoRoot, featureId: assertFeatureId(q.get('feature')), at: side, relPath: assertRelPath(uri.path.replace(/^\//, '')) };
}

function invalidSide(at: string): never {
  throw new AopError('INVALID_INPUT', `Invalid checkpoint ${JSON.stringify(at.slice(0, 20))} in a checkpoint document.`);
}

/** A label for a side: "#3" or "base". */
export function sideLabel(at: CheckpointSide | 'worktree'): string {
  return typeof at === 'number' ? (at === 0 ? 'base' : `#${at}`) : at;
}
