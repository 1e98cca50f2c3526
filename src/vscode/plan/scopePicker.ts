/**
 * New Feature's scope step: which folders the agent may change. Offers the base commit's
 * folders with the usual source folder picked, plus "other globs" and "everything", and returns
 * the commented plan.yaml text for them (core's template), or undefined when the user cancels.
 */
import * as vscode from 'vscode';
import { defaultSourceFolder, listFolders, parseGlobList, planTemplate, scopeChoices } from '../../core/plan';

interface ScopeItem extends vscode.QuickPickItem {
  glob?: string;
  special?: 'other' | 'everything';
}

export async function pickScope(repoRoot: string, featureId: string, baseRef: string): Promise<string | undefined> {
  const top = await listFolders(repoRoot, baseRef);
  const dflt = defaultSourceFolder(top);
  const { choices } = scopeChoices(top, dflt ? await listFolders(repoRoot, baseRef, dflt) : []);
  const items: ScopeItem[] = [
    ...choices.map((c) => ({ label: c.glob, glob: c.glob, picked: c.picked, ...(c.note ? { description: c.note } : {}) })),
    { label: '$(edit) Other globs…', special: 'other', description: 'type them next' },
    { label: '$(globe) Everything', special: 'everything', description: 'no allowed list: all files except the forbidden ones', picked: choices.every((c) => !c.picked) },
  ];
  const qp = vscode.window.createQuickPick<ScopeItem>();
  qp.title = `New feature ${featureId}: scope`;
  qp.placeholder = 'What may the agent change? (written to plan.yaml, which you can edit later)';
  qp.canSelectMany = true;
  qp.items = items;
  qp.selectedItems = items.filter((i) => i.picked);
  qp.ignoreFocusOut = true;
  const picked = await new Promise<readonly ScopeItem[] | undefined>((resolve) => {
    qp.onDidAccept(() => resolve(qp.selectedItems));
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (!picked) return undefined;
  let allowed = picked.flatMap((i) => (i.glob ? [i.glob] : []));
  if (picked.some((i) => i.special === 'other')) {
    const typed = await vscode.window.showInputBox({
      title: `New feature ${featureId}: other globs the agent may change`,
      prompt: 'Globs relative to the repository, separated by commas, e.g. src/auth/**, test/auth/**',
      validateInput: (v) => parseGlobList(v).problem,
    });
    if (typed === undefined) return undefined;
    allowed = [...allowed, ...parseGlobList(typed).globs];
  }
  // "Everything", or nothing at all picked, leaves the allowed list empty.
  if (picked.some((i) => i.special === 'everything')) allowed = [];
  return planTemplate({ featureId, allowed: [...new Set(allowed)] });
}
