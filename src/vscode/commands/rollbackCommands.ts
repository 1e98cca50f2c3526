/**
 * Rollback from the palette, the tree and code actions. Each shows a modal confirmation listing
 * what will change (from the core's preview), runs with progress, and offers "Undo Rollback".
 */
import { CHECKPOINT_KIND, plural, rollbackTitle, severityCounts } from '../../shared/words';
import * as vscode from 'vscode';
import type { CheckpointRecord } from '../../core/model';
import { describeLeftInPlace, type RollbackItem, type RollbackResult } from '../../core/rollback';
import { assertRelPath } from '../../core/util';
import { sideLabel } from '../content/checkpointUri';
import { COMMANDS } from '../ids';
import type { FeatureRef } from '../workspace/registry';
import { registerCommand, withProgress, type CommandDeps } from './context';
import { featureFromArg, isRecord, seqFromArg } from './featureArgs';
import { nothingToRollBack, rollbackConfirmation, type RollbackRequest } from '../../shared/rollbackConfirmation';

const UNDO = 'Undo Rollback';

export function registerRollbackCommands(deps: CommandDeps): vscode.Disposable[] {
  const { registry, prompter } = deps;
  const reg = (id: Parameters<typeof registerCommand>[1], title: string, fn: (...args: unknown[]) => unknown) => registerCommand(deps, id, title, fn);
  const active = (arg: unknown, what: string) => featureFromArg(registry, arg, what, (f) => f.status === 'active');

  const pickCheckpoint = async (ref: FeatureRef, title: string, withBase: boolean): Promise<number | undefined> => {
    const cps: CheckpointRecord[] = registry.resolve(ref).listCheckpoints(ref.featureId).slice().reverse();
    const items = cps.map((c) => ({
      label: `#${c.seq} ${CHECKPOINT_KIND[c.trigger]}`,
      description: [new Date(c.time).toLocaleString(), plural(c.files.length, 'file'), severityCounts(c.violations) || undefined].filter(Boolean).join(' · '),
      detail: c.files.slice(0, 4).map((f) => `${f.status} ${f.path}`).join('  ') || undefined,
      seq: c.seq,
    }));
    if (withBase) items.push({ label: 'base', description: 'the commit the feature started from', detail: undefined, seq: 0 });
    if (items.length === 0) {
      void vscode.window.showInformationMessage(`${ref.featureId} has no checkpoints yet.`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(items, { title, placeHolder: 'Checkpoint to restore', matchOnDetail: true });
    return pick?.seq;
  };

  /** Confirms with core's preview (the same words as the review panel), runs the rollback, and offers to undo it. */
  const confirmAndRun = async (ref: FeatureRef, title: string, request: RollbackRequest, items: RollbackItem[], run: () => Promise<RollbackResult>): Promise<RollbackResult | undefined> => {
    if (items.length === 0) {
      void vscode.window.showInformationMessage(nothingToRollBack(ref.featureId, request));
      return undefined;
    }
    const { message, detail, confirmLabel } = rollbackConfirmation(ref.featureId, request, items);
    const ok = await prompter.confirm(message, detail, confirmLabel);
    if (ok !== confirmLabel) return undefined;
    const result = await withProgress(`${title} (${ref.featureId})`, run);
    announce(ref, result);
    return result;
  };

  /** A rollback that failed arrives as a ROLLBACK_FAILED error (shown as an error); one that left paths in place warns. */
  const announce = (ref: FeatureRef, r: RollbackResult) => {
    const left = describeLeftInPlace(r);
    const text = `${ref.featureId}: ${rollbackTitle(r.kind, r.targetSeq)} done, ${plural(r.paths.length, 'file')} changed.${left ? ` ${left}.` : ''}`;
    if (left) deps.log.warn(`${text} left in place: ${JSON.stringify(r.skipped)}`);
    const show = r.ok && !left ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(text, ...(r.kind === 'undo' ? [] : [UNDO])).then((c) => {
      if (c === UNDO) void vscode.commands.executeCommand(COMMANDS.undoRollback, { ...ref, confirmed: true });
    });
  };

  const rollbackToCheckpoint = async (arg?: unknown) => {
    const ref = await active(arg, 'roll back');
    if (!ref) return undefined;
    const seq = seqFromArg(arg) ?? (await pickCheckpoint(ref, `Roll back ${ref.featureId} to…`, true));
    if (seq === undefined) return undefined;
    const orch = registry.resolve(ref);
    const items = await orch.previewRollback(ref.featureId, 'checkpoint', seq);
    return confirmAndRun(ref, rollbackTitle('checkpoint', seq), { kind: 'checkpoint', seq }, items, () => orch.rollbackToCheckpoint(ref.featureId, seq));
  };

  const rollbackFiles = async (arg?: unknown) => {
    const ref = await active(arg, 'roll back files of');
    if (!ref) return undefined;
    const orch = registry.resolve(ref);
    const seq = seqFromArg(arg) ?? (await pickCheckpoint(ref, `Roll back files of ${ref.featureId} to…`, true));
    if (seq === undefined) return undefined;
    let paths: string[] | undefined;
    if (isRecord(arg) && Array.isArray(arg.paths)) paths = arg.paths.map((p) => assertRelPath(p));
    else if (isRecord(arg) && typeof arg.path === 'string') paths = [assertRelPath(arg.path)];
    else {
      const differing = await orch.previewRollback(ref.featureId, 'checkpoint', seq);
      if (differing.length === 0) {
        void vscode.window.showInformationMessage(`${ref.featureId}: no file differs from ${sideLabel(seq)}.`);
        return undefined;
      }
      const picks = await vscode.window.showQuickPick(
        differing.map((i) => ({ label: i.path, description: i.action, picked: false })),
        { title: `Files to roll back to ${sideLabel(seq)}`, canPickMany: true },
      );
      if (!picks?.length) return undefined;
      paths = picks.map((p) => p.label);
    }
    const items = await orch.previewRollback(ref.featureId, 'files', seq, paths);
    return confirmAndRun(ref, rollbackTitle('files', seq), { kind: 'files', seq }, items, () => orch.rollbackFiles(ref.featureId, seq, paths));
  };

  const smartRollback = async (arg?: unknown) => {
    const ref = await active(arg, 'smart-roll back');
    if (!ref) return undefined;
    const orch = registry.resolve(ref);
    const items = await orch.previewRollback(ref.featureId, 'smart');
    return confirmAndRun(ref, 'Smart rollback (only the files that broke rules)', { kind: 'smart' }, items, () => orch.smartRollback(ref.featureId));
  };

  const undoRollback = async (arg?: unknown) => {
    const ref = await active(arg, 'undo the rollback of');
    if (!ref) return undefined;
    const orch = registry.resolve(ref);
    if (!(isRecord(arg) && arg.confirmed === true)) {
      const { message, detail, confirmLabel } = rollbackConfirmation(ref.featureId, { kind: 'undo' }, []);
      if ((await prompter.confirm(message, detail, confirmLabel)) !== confirmLabel) return undefined;
    }
    const r = await withProgress(`Undoing the last rollback of ${ref.featureId}`, () => orch.undoRollback(ref.featureId));
    announce(ref, r);
    return r;
  };

  /** The code action: restore one file from the newest checkpoint where it broke no rule (or the base). */
  const revertFileToClean = async (arg?: unknown) => {
    const ref = await active(arg, 'revert a file of');
    if (!ref || !isRecord(arg) || typeof arg.path !== 'string') return undefined;
    const relPath = assertRelPath(arg.path);
    const orch = registry.resolve(ref);
    const seq = orch.lastCleanSeq(ref.featureId, relPath);
    const items = await orch.previewRollback(ref.featureId, 'files', seq, [relPath]);
    return confirmAndRun(ref, `Revert ${relPath} to ${sideLabel(seq)}, its last clean checkpoint`, { kind: 'files', seq }, items, () => orch.rollbackFiles(ref.featureId, seq, [relPath]));
  };

  const openCheckpointDiff = async (arg?: unknown) => {
    if (!isRecord(arg) || typeof arg.path !== 'string') return undefined;
    const ref = await active(arg, 'diff');
    const seq = seqFromArg(arg);
    if (!ref || seq === undefined) return undefined;
    await deps.diffs.checkpointDiff(ref, seq, arg.path);
    return true;
  };

  const compareWithWorktree = async (arg?: unknown) => {
    if (!isRecord(arg) || typeof arg.path !== 'string') return undefined;
    const ref = await active(arg, 'compare');
    const seq = seqFromArg(arg);
    if (!ref || seq === undefined) return undefined;
    await deps.diffs.open(ref, seq, 'worktree', arg.path);
    return true;
  };

  return [
    reg(COMMANDS.rollbackToCheckpoint, 'Roll back to checkpoint', rollbackToCheckpoint),
    reg(COMMANDS.rollbackFiles, 'Roll back files', rollbackFiles),
    reg(COMMANDS.smartRollback, 'Smart rollback', smartRollback),
    reg(COMMANDS.undoRollback, 'Undo rollback', undoRollback),
    reg(COMMANDS.revertFileToClean, 'Revert file', revertFileToClean),
    reg(COMMANDS.openCheckpointDiff, 'Open changes', openCheckpointDiff),
    reg(COMMANDS.compareWithWorktree, 'Compare with worktree', compareWithWorktree),
  ];
}
