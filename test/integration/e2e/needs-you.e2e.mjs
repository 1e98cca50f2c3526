// Issue 17 in the browser: an agent asks to run a command; the request waits in the "Needs you"
// view (with the rule that made it an ask) and the status bar counts it; "Allow Once" on the row
// answers it in place and the command runs. Then a review comment from the panel's diff (a click
// on a line number) is sent to the agent, which acknowledges it. Screenshots of the queue and of
// the review thread are copied to media/screenshots/ for the README.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readmeShots, until } from './lib/checks.mjs';
import { openReview, showFeatures, startDraft, writeDraft } from './lib/features.mjs';
import { webviewFrame } from './lib/workbench.mjs';

export const name = 'Needs you: a permission request answered in place from the view; a review comment from the panel acknowledged by the agent';
export const timeoutMs = 180_000;

// Not named like the demo feature: other checks pick 'demo' from lists by its text.
const FEATURE = 'asker';
const DRAFT = {
  spec: '# Asker\n\nBuild, then write src/greet.ts.\n',
  plan: 'version: 1\nallowed:\n  - src/**\n',
  agent: [
    'steps:',
    '  - run: "echo built > src/build.txt"',
    '  - write: { path: src/greet.ts, content: "export function greet(name: string) {\\n  return \\"hi \\" + name;\\n}\\n" }',
    '  - waitForMessage: true',
    '',
  ].join('\n'),
};

export default async function check({ page, workspace, repoRoot, screenshot }) {
  writeDraft(workspace, FEATURE, DRAFT);
  const worktree = path.join(`${workspace}.worktrees`, FEATURE);
  const { shot, publish } = readmeShots(page, screenshot, repoRoot);

  await showFeatures(page, FEATURE);
  await startDraft(page, FEATURE, 'main');

  // The request waits in Needs you, with the rule that made it an ask; nothing has run.
  const queue = page.locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: /Needs You/i }) }).first();
  const row = queue.locator('.monaco-list-row', { hasText: 'Agent asks' }).first();
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  const rowText = (await row.textContent()) ?? '';
  if (!/echo built > src\/build\.txt/.test(rowText) || !rowText.includes(FEATURE)) throw new Error(`the Needs you row says ${JSON.stringify(rowText)}`);
  if (existsSync(path.join(worktree, 'src', 'build.txt'))) throw new Error('the command ran before anyone allowed it');
  const status = page.locator('.part.statusbar .statusbar-item', { has: page.locator('.codicon-bell-dot') }).first();
  await status.waitFor({ state: 'visible', timeout: 15_000 });
  if (!/\b1\b/.test((await status.textContent()) ?? '')) throw new Error(`the status bar shows ${JSON.stringify(await status.textContent())}`);
  // Answered in place: the row's own "Allow Once" button (shown on the hovered row).
  await row.hover();
  const allow = row.locator('.actions .action-label[aria-label^="Allow Once"]').first();
  await allow.waitFor({ state: 'visible', timeout: 10_000 });
  await shot('needs-you-queue.png', { keepMouse: true });
  await allow.click();
  await until(() => existsSync(path.join(worktree, 'src', 'build.txt')), 'the command to run once allowed', 30_000);
  await row.waitFor({ state: 'detached', timeout: 15_000 });
  await until(() => existsSync(path.join(worktree, 'src', 'greet.ts')), 'the agent to write src/greet.ts', 30_000);

  // A review comment from the panel's diff: click the new side's line number, write, add, send.
  await openReview(page, FEATURE);
  const panel = webviewFrame(page);
  await panel.locator('.header .title', { hasText: FEATURE }).waitFor({ state: 'visible', timeout: 30_000 });
  await panel.locator('.files .vl-row', { hasText: 'greet.ts' }).first().click();
  await panel.locator('.diff-lines .d-new[data-line="2"]').first().click();
  const lines = await panel.locator('.review-lines vscode-textfield').evaluateAll((els) => els.map((e) => e.value));
  if (lines.join() !== '2,2') throw new Error(`a click on line 2 filled the lines with ${JSON.stringify(lines)}`);
  await panel.locator('.review-form vscode-textarea').first().click();
  await page.keyboard.type('Use a template string here.');
  await panel.locator('.review-form vscode-button', { hasText: 'Add comment' }).click();
  await panel.locator('.review-thread .review-status', { hasText: 'draft, not sent yet' }).waitFor({ state: 'visible', timeout: 20_000 });
  await panel.locator('.review-form vscode-button', { hasText: 'Send review (1)' }).click();
  await panel.locator('.review-thread .review-status', { hasText: 'acknowledged by the agent' }).waitFor({ state: 'visible', timeout: 45_000 });
  const message = readFileSync(path.join(workspace, '.aop', 'features', FEATURE, 'events.jsonl'), 'utf8');
  if (!/src\/greet\.ts, line 2 \(checkpoint #\d+\)/.test(message)) throw new Error('the message to the agent does not name the file, line and checkpoint');
  await shot('review-thread.png');
  publish();
}
