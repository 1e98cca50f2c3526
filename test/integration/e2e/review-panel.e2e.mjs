// Issue 5 end to end, as a person does it: start the demo feature's scripted agent from the
// command palette, open its review panel, see the timeline and the out-of-scope violation in the
// panel, click "Smart rollback" there, confirm in VS Code's modal dialog, and find the file
// restored on disk and the problem gone from the Problems view. The panel's screenshot is saved
// for the README (media/screenshots/review-panel.png).
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readIf, until } from './lib/checks.mjs';
import { answerDialog, findCommand, webviewFrame } from './lib/workbench.mjs';
import { openReview, showFeatures, startDraft } from './lib/features.mjs';

export const name = 'review panel: timeline and violation of the scripted agent; smart rollback confirmed in the modal restores the file on disk and clears the problem';

const FEATURE = 'demo';
/** The scripted agent's shell write outside the plan (scripts/demo-repo.mjs). */
const VIOLATING = 'docs/notes.md';
const SCREENSHOT = 'review-panel.png';
const MAX_SCREENSHOT_BYTES = 300 * 1024;


async function problemRows(page) {
  return page.locator('.markers-panel .monaco-list-row', { hasText: `(feature ${FEATURE})` });
}

export default async function check({ page, workspace, repoRoot, screenshot }) {
  const worktree = path.join(`${workspace}.worktrees`, FEATURE);
  const violatingFile = path.join(worktree, ...VIOLATING.split('/'));
  const baseContent = readFileSync(path.join(workspace, ...VIOLATING.split('/')), 'utf8');
  // The Features view lists the demo draft once the extension has opened the repository.
  await showFeatures(page, FEATURE);

  // Start its agent from the palette; a draft asks for its base first.
  await startDraft(page, FEATURE, 'main');
  await until(() => readIf(violatingFile)?.includes('Added src/hello.ts') && existsSync(path.join(worktree, 'src', 'hello.ts')), `the scripted agent to write ${VIOLATING} and src/hello.ts`);

  // The review panel: a timeline of checkpoints, and the violation.
  await openReview(page, FEATURE);
  const panel = webviewFrame(page);
  await panel.locator('.header .title', { hasText: FEATURE }).waitFor({ state: 'visible', timeout: 30_000 });
  await panel.locator('.timeline .vl-row.tl-checkpoint').first().waitFor({ state: 'visible', timeout: 30_000 });
  // The checkpoint that recorded the out-of-scope write carries an error badge.
  await panel.locator('.timeline .vl-row.tl-checkpoint', { hasText: VIOLATING }).locator('.sev-badge.sev-error').first().waitFor({ state: 'visible', timeout: 30_000 });

  await panel.locator('vscode-tab-header', { hasText: 'Violations' }).click();
  const violationRow = panel.locator('.violations .vl-row.v-item', { hasText: VIOLATING });
  await violationRow.waitFor({ state: 'visible', timeout: 30_000 });
  const label = (await violationRow.getAttribute('aria-label')) ?? '';
  if (!/error, Out of scope/.test(label)) throw new Error(`the violation row says ${JSON.stringify(label)}, expected an out-of-scope error`);

  // The checkpoint with the violating write, its changes and that file's diff: the screenshot.
  await panel.locator('.timeline .vl-row.tl-checkpoint', { hasText: VIOLATING }).first().click();
  await panel.locator('vscode-tab-header', { hasText: 'Changes' }).click();
  const fileRow = panel.locator('.files .vl-row', { hasText: 'notes.md' });
  await fileRow.waitFor({ state: 'visible', timeout: 30_000 });
  await fileRow.click();
  await panel.locator('.diff-pane, .diff', { hasText: 'Added src/hello.ts' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  await page.mouse.move(5, 450); // no hover effects in the picture
  await sleep(300); // let the last frame paint: the screenshot is for people, not an assertion
  const shot = await screenshot(SCREENSHOT);
  const bytes = statSync(shot).size;
  if (bytes > MAX_SCREENSHOT_BYTES) throw new Error(`${SCREENSHOT} is ${bytes} bytes; keep it under ${MAX_SCREENSHOT_BYTES} (README asset)`);
  const committed = path.join(repoRoot, 'media', 'screenshots', SCREENSHOT);
  mkdirSync(path.dirname(committed), { recursive: true });
  copyFileSync(shot, committed);

  // The problem is listed in the Problems view before the rollback (so its absence later means something).
  const focusProblems = async () => (await findCommand(page, 'Focus on Problems View')).click();
  await focusProblems();
  await (await problemRows(page)).first().waitFor({ state: 'visible', timeout: 30_000 });

  // Smart rollback from the panel; the host asks in a modal dialog, which stays for users.
  await panel.locator('vscode-button', { hasText: 'Smart rollback' }).click();
  await answerDialog(page, `Smart rollback of feature "${FEATURE}"`, 'Smart Rollback');
  await until(() => readIf(violatingFile) === baseContent, `${VIOLATING} to be restored to its base content on disk`, 30_000);
  if (!existsSync(path.join(worktree, 'src', 'hello.ts'))) throw new Error('smart rollback removed src/hello.ts, which broke no rule');
  await panel.locator('.statusbar', { hasText: 'Smart rollback' }).waitFor({ state: 'visible', timeout: 30_000 });

  // The diagnostic is gone.
  await focusProblems();
  await page.locator('.markers-panel').first().waitFor({ state: 'visible', timeout: 10_000 });
  const deadline = Date.now() + 20_000;
  while ((await (await problemRows(page)).count()) > 0) {
    if (Date.now() > deadline) throw new Error(`the Problems view still lists the violation of ${FEATURE} after the smart rollback`);
    await sleep(200);
  }
  await screenshot('review-panel-after-rollback.png');
}
