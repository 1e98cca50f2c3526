// The extension's own flows, driven from the command palette as a person would.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openActivity, pickQuickItem, runCommand, viewRows, waitForWorkbench } from './workbench.mjs';

/**
 * A draft feature on disk, as a person writes one before opening the editor: its spec, plan and
 * (for the scripted agent) steps, in `.aop/features/<id>/` of the workspace.
 */
export function writeDraft(workspace, featureId, { spec, plan, agent }) {
  const dir = path.join(workspace, '.aop', 'features', featureId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'spec.md'), spec);
  writeFileSync(path.join(dir, 'plan.yaml'), plan);
  if (agent !== undefined) writeFileSync(path.join(dir, 'agent.yaml'), agent);
}

/** The workbench loaded, the Agent Orchestrator views open, and `featureId` listed in Features (the repository is open). */
export async function showFeatures(page, featureId) {
  await waitForWorkbench(page);
  await openActivity(page, 'Agent Orchestrator');
  const row = viewRows(page, 'Features').filter({ hasText: featureId }).first();
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  return row;
}

/**
 * "Start Agent" on a draft feature: picks the feature when several could start (with one, the
 * command takes it), then the base branch the worktree starts from.
 */
export async function startDraft(page, featureId, base) {
  await runCommand(page, 'Agent Orchestrator: Start Agent');
  const title = page.locator('.quick-input-widget .quick-input-title');
  const baseTitle = `Start ${featureId}: base`;
  await title.filter({ hasText: /Feature to start|: base/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
  if (await title.filter({ hasText: 'Feature to start' }).isVisible()) await pickQuickItem(page, featureId);
  await pickQuickItem(page, base, { title: baseTitle });
}

/** "Open Review Panel" for a feature; waits until the panel's webview is there. */
export async function openReview(page, featureId) {
  await runCommand(page, 'Agent Orchestrator: Open Review Panel');
  const ask = page.locator('.quick-input-widget .quick-input-title', { hasText: 'Feature to review' });
  const webview = page.locator('iframe.webview');
  await ask.or(webview).first().waitFor({ state: 'visible', timeout: 30_000 });
  if (await ask.isVisible()) await pickQuickItem(page, featureId);
  await webview.first().waitFor({ state: 'attached', timeout: 30_000 });
}
