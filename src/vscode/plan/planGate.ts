/**
 * No agent starts without a valid plan: a broken plan.yaml stops the start with its first
 * problem and an action that opens the plan there; a missing one offers to create it (the same
 * scope step as New Feature), so an agent never runs with no rules by accident.
 */
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import { featurePaths } from '../../core/features';
import { loadPlan } from '../../core/plan';
import { AopError } from '../../core/util';
import { pickScope } from './scopePicker';

/** Resolves true when the feature's plan is valid; false when the person must act first. Throws PLAN_INVALID for a broken plan. */
export async function ensurePlan(repoRoot: string, featureId: string, baseRef: string): Promise<boolean> {
  const file = featurePaths(repoRoot, featureId).plan;
  try {
    await loadPlan(file);
    return true;
  } catch (err) {
    if (AopError.is(err, 'PLAN_INVALID')) {
      const first = err.message.split('\n')[0]!.replace(`${file}:`, 'plan.yaml:');
      throw new AopError('PLAN_INVALID', `The agent of ${featureId} was not started: its plan has problems (${first}). Fix them, then start it again.`, { cause: err, details: err.details ?? { file } });
    }
    if (!AopError.is(err, 'NOT_FOUND')) throw err;
  }
  const create = 'Create Plan…';
  const choice = await vscode.window.showWarningMessage(`Feature ${featureId} has no plan.yaml, so nothing would limit what its agent changes. Create one, then start the agent.`, create);
  if (choice !== create) return false;
  const text = await pickScope(repoRoot, featureId, baseRef);
  if (text === undefined) return false;
  await fs.writeFile(file, text, { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e; // written meanwhile: keep theirs
  });
  await vscode.window.showTextDocument(vscode.Uri.file(file));
  return false;
}
