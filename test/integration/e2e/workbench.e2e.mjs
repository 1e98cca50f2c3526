// What a person sees: the workbench with its activity bar, and the extension's command in the
// command palette, which, when run, shows the extension's version.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findCommand, waitForNotification, waitForWorkbench } from './lib/workbench.mjs';

export const name = 'workbench: activity bar, and "Agent Orchestrator: Show Version" runs from the command palette';

export default async function check({ page, repoRoot, screenshot }) {
  const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  await waitForWorkbench(page);
  const row = await findCommand(page, 'Agent Orchestrator: Show Version');
  await screenshot('e2e-command-palette.png');
  await row.click();
  await waitForNotification(page, `Agent Orchestrator ${version}`);
  await screenshot('e2e-show-version.png');
}
