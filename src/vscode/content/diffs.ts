/** Opens VS Code's own diff editor on checkpoint documents and worktree files. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { assertRelPath } from '../../core/util';
import type { FeatureRef, Registry } from '../workspace/registry';
import { checkpointUri, sideLabel, type CheckpointSide } from './checkpointUri';

/** The checkpoint before `seq` in the feature's list (0, the base, for the first). */
export function previousSeq(seqs: readonly number[], seq: number): number {
  let prev = 0;
  for (const s of seqs) if (s < seq && s > prev) prev = s;
  return prev;
}

export class DiffOpener {
  constructor(private readonly registry: Registry) {}

  /** A file as checkpoint `seq` recorded it, against the checkpoint before. */
  async checkpointDiff(ref: FeatureRef, seq: number, relPath: string): Promise<void> {
    const orch = this.registry.resolve(ref);
    const clean = assertRelPath(relPath);
    const prev = previousSeq(orch.listCheckpoints(ref.featureId).map((c) => c.seq), seq);
    await this.open(ref, prev, seq, clean);
  }

  /** Any two sides of a file: checkpoints, the base, or the worktree on disk. */
  async open(ref: FeatureRef, from: CheckpointSide, to: CheckpointSide | 'worktree', relPath: string): Promise<void> {
    const clean = assertRelPath(relPath);
    const left = checkpointUri({ ...ref, at: from, relPath: clean });
    const right = to === 'worktree' ? this.worktreeUri(ref, clean) : checkpointUri({ ...ref, at: to, relPath: clean });
    const title = `${path.posix.basename(clean)} (${sideLabel(from)} ↔ ${sideLabel(to)}) · ${ref.featureId}`;
    await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true });
  }

  worktreeUri(ref: FeatureRef, relPath: string): vscode.Uri {
    const f = this.registry.resolve(ref).summary(ref.featureId);
    if (!f.worktree) return checkpointUri({ ...ref, at: 'base', relPath });
    return vscode.Uri.file(path.join(f.worktree, ...assertRelPath(relPath).split('/')));
  }
}
