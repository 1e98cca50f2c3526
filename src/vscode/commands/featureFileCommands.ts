/**
 * A feature's own files from the tree and the palette: open its spec, open its plan (at its
 * first problem when it has one), and remove a draft or an archived feature from the list.
 */
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import { featurePaths } from '../../core/features';
import { planProblems } from '../../core/plan';
import { AopError } from '../../core/util';
import { COMMANDS } from '../ids';
import { registerCommand, type CommandDeps } from './context';
import { featureFromArg, isRecord } from './featureArgs';

export function registerFeatureFileCommands(deps: CommandDeps): vscode.Disposable[] {
  const { registry } = deps;

  const openSpec = async (arg?: unknown) => {
    const ref = await featureFromArg(registry, arg, 'open the spec of');
    if (!ref) return undefined;
    const uri = vscode.Uri.file(featurePaths(ref.repoRoot, ref.featureId).spec);
    await vscode.window.showTextDocument(uri);
    return uri;
  };

  const openPlan = async (arg?: unknown) => {
    const ref = await featureFromArg(registry, arg, 'open the plan of');
    if (!ref) return undefined;
    const file = featurePaths(ref.repoRoot, ref.featureId).plan;
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) throw new AopError('NOT_FOUND', `Feature ${ref.featureId} has no plan.yaml yet: Start Agent offers to create one, or write it at ${file}.`);
    const first = planProblems(text, file)[0];
    const at = first ? new vscode.Position(first.line - 1, first.column - 1) : undefined;
    await vscode.window.showTextDocument(vscode.Uri.file(file), at ? { selection: new vscode.Range(at, at) } : {});
    return vscode.Uri.file(file);
  };

  /** Removes a draft or an archived feature (its folder under .aop/features) after asking. */
  const remove = async (arg: unknown, archived: boolean) => {
    const ref = await featureFromArg(registry, arg, archived ? 'remove' : 'delete', (f) => f.status === (archived ? 'archived' : 'draft'));
    if (!ref) return undefined;
    const orch = registry.resolve(ref);
    const what = archived ? 'Remove' : 'Delete Draft';
    const ok =
      (isRecord(arg) && arg.confirmed === true && deps.prompter.autoConfirm) ||
      (await deps.prompter.confirm(
        archived ? `Remove feature ${ref.featureId} from the archive?` : `Delete the draft feature ${ref.featureId}?`,
        `Deletes .aop/features/${ref.featureId}/ (spec.md, plan.yaml${archived ? ' and its history, events.jsonl' : ''}).${archived ? ` Its branch aop/${ref.featureId} and its checkpoints stay in git.` : ''}`,
        what,
      )) === what;
    if (!ok) return undefined;
    await orch.forgetFeature(ref.featureId);
    void vscode.window.setStatusBarMessage(archived ? `Feature ${ref.featureId} removed from the archive` : `Draft ${ref.featureId} deleted`, 5000);
    return true;
  };

  return [
    registerCommand(deps, COMMANDS.openSpec, 'Open spec', openSpec),
    registerCommand(deps, COMMANDS.openPlan, 'Open plan', openPlan),
    registerCommand(deps, COMMANDS.deleteDraft, 'Delete draft', (arg) => remove(arg, false)),
    registerCommand(deps, COMMANDS.removeArchived, 'Remove from the archive', (arg) => remove(arg, true)),
  ];
}
