// The extension's own flows, driven from the command palette as a person would.
import { pickQuickItem, runCommand } from './workbench.mjs';

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
