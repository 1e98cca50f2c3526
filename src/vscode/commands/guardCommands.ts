/**
 * What agents did outside their worktrees, and the one action that answers each (after the user
 * has seen the change): restore a git-folder file to its bytes before the agents ran, move a file
 * out of the checkout into the quarantine, acknowledge a change as the user's own, apply or put
 * back a plan changed on disk. Also the per-feature sandbox switch.
 */
import * as vscode from 'vscode';
import { WITHOUT_SANDBOX, type Orchestrator, type StandingAction, type StandingItem } from '../../core/orchestrator';
import { AopError } from '../../core/util';
import { COMMANDS } from '../ids';
import { registerCommand, type CommandDeps } from './context';
import { featureFromArg, isRecord } from './featureArgs';

const ACTION_LABEL: Record<StandingAction, string> = {
  restore: 'Restore Previous Content',
  acknowledge: 'Acknowledge (It Was Me)',
  moveOut: 'Move Out of My Checkout',
  apply: 'Apply This Change',
  revert: 'Put Back the Version in Force',
};

type Area = StandingItem['area'];
const AREAS: readonly Area[] = ['git', 'checkout', 'plan'];

/** The tree's standing nodes and the violations carry a violation kind; pickers carry an area. */
function areaOf(arg: Record<string, unknown>): Area | undefined {
  if (typeof arg.area === 'string' && (AREAS as readonly string[]).includes(arg.area)) return arg.area as Area;
  if (arg.violationKind === 'git_dir_write') return 'git';
  if (arg.violationKind === 'main_checkout_write') return 'checkout';
  return undefined;
}

export function registerGuardCommands(deps: CommandDeps): vscode.Disposable[] {
  const { registry, prompter } = deps;
  const reg = (id: Parameters<typeof registerCommand>[1], title: string, fn: (...args: unknown[]) => unknown) => registerCommand(deps, id, title, fn);

  /** The item an argument names, or one the user picks (among those allowing `action`). */
  const pick = async (arg: unknown, action?: StandingAction): Promise<{ orch: Orchestrator; item: StandingItem } | undefined> => {
    if (isRecord(arg) && typeof arg.repoRoot === 'string' && typeof arg.path === 'string') {
      const orch = registry.get(arg.repoRoot);
      if (!orch) throw new AopError('NOT_FOUND', `The repository ${arg.repoRoot} is not open in this window.`);
      const item = orch.guards.item(arg.path, areaOf(arg));
      if (!item) throw new AopError('NOT_FOUND', `Nothing is waiting about ${arg.path} any more (already resolved).`);
      return { orch, item };
    }
    const all = registry.repositories().flatMap((orch) => orch.guards.items().map((item) => ({ orch, item })));
    const open = all.filter(({ item }) => !action || item.actions.includes(action));
    if (open.length === 0) {
      void vscode.window.showInformationMessage('Nothing outside the worktrees is waiting for you: no git-folder change, no file left in your checkout, no plan change.');
      return undefined;
    }
    if (open.length === 1) return open[0];
    const chosen = await vscode.window.showQuickPick(
      open.map((o) => ({ label: o.item.path, description: o.item.features.join(', '), detail: o.item.title, o })),
      { title: 'Changes outside the worktrees', placeHolder: 'Pick one to review' },
    );
    return chosen?.o;
  };

  const carryOut = async (orch: Orchestrator, item: StandingItem, action: StandingAction, seenSha?: string): Promise<void> => {
    const movedTo = await orch.guards.act(item, action, seenSha);
    const done: Record<StandingAction, string> = {
      restore: `${item.path} is back to its content before the agents ran.`,
      acknowledge: `${item.path}: acknowledged as yours.`,
      moveOut: `${item.path} was moved out of your checkout.`,
      apply: `${item.path} as it is on disk is now in force; the feature was validated against it again.`,
      revert: `${item.path} is back to the version in force.`,
    };
    void vscode.window.showInformationMessage(`${done[action]}${movedTo ? ` What stood there is kept at ${movedTo}.` : ''}`);
  };

  /** Shows the change, then asks which answer to give. */
  const review = async (arg: unknown): Promise<void> => {
    const got = await pick(arg);
    if (!got) return;
    const { orch, item } = got;
    const diff = await orch.guards.diffOf(item);
    if (!prompter.autoConfirm) {
      const doc = await vscode.workspace.openTextDocument({ content: diff.text, language: 'diff' });
      await vscode.window.showTextDocument(doc, { preview: true });
    }
    const why: Record<Area, string> = {
      git: 'git reads this as configuration or runs it as code: until it is restored, the next git command in this repository (yours, or your editor\'s) could run what the agent wrote.',
      checkout: 'An agent may have left its worktree. Moving the file out puts it in the quarantine next to the worktrees (recoverable), never deletes it.',
      plan: 'The plan in force is still the one you saved or confirmed. Apply the change only if you made it, or you agree with it.',
    };
    const labels = item.actions.map((a) => ACTION_LABEL[a]);
    const choice = await prompter.confirm(item.title, `${why[item.area]}\n\n${diff.text.split('\n').slice(0, 30).join('\n')}`, ...(labels as [string, ...string[]]));
    const action = item.actions.find((a) => ACTION_LABEL[a] === choice);
    if (action) await carryOut(orch, item, action, diff.seenSha);
  };

  /** One action, confirmed. */
  const direct = (action: StandingAction, question: (item: StandingItem) => string) => async (arg: unknown) => {
    const got = await pick(arg, action);
    if (!got) return;
    const diff = await got.orch.guards.diffOf(got.item);
    const ok = await prompter.confirm(question(got.item), diff.text.split('\n').slice(0, 30).join('\n'), ACTION_LABEL[action]);
    if (ok) await carryOut(got.orch, got.item, action, diff.seenSha);
  };

  return [
    reg(COMMANDS.reviewOutsideChange, 'Review Change Outside the Worktrees', review),
    reg(
      COMMANDS.restoreGitFolderFile,
      'Restore Git Folder File',
      direct('restore', (i) => `Restore ${i.path} to its content before the agents ran? What stands there now is kept in the quarantine.`),
    ),
    reg(COMMANDS.moveOutOfCheckout, 'Move File Out of the Checkout', direct('moveOut', (i) => `Move ${i.path} out of your checkout into the quarantine (recoverable)?`)),
    reg(COMMANDS.acknowledgeOutsideChange, 'Acknowledge Change', direct('acknowledge', (i) => `Acknowledge ${i.path} as your own change? It stops being held against the agents.`)),
    reg(COMMANDS.toggleSandbox, 'Turn Sandbox On or Off', async (arg: unknown) => {
      const ref = await featureFromArg(registry, arg, 'turn the sandbox on or off for', (f) => f.status === 'active');
      if (!ref) return;
      const orch = registry.resolve(ref);
      const s = orch.summary(ref.featureId).sandbox;
      if (s?.state === 'unavailable') {
        await prompter.inform(`The sandbox is not available here: ${s.reason}.`, WITHOUT_SANDBOX);
        return;
      }
      if (s?.state === 'off') {
        await orch.setSandbox(ref.featureId, true);
        void vscode.window.showInformationMessage(`${ref.featureId}: the sandbox is on again from the next agent start.`);
        return;
      }
      const ok = await prompter.confirm(`Turn the sandbox off for ${ref.featureId}?`, WITHOUT_SANDBOX, 'Turn Off');
      if (ok) await orch.setSandbox(ref.featureId, false);
    }),
  ];
}
