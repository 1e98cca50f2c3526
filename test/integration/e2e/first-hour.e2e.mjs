// The first hour in the editor, as a new user lives it (issue 14): create a feature with a plan
// from the UI, start a custom command agent, see its violation, smart rollback from the review
// panel and see the panel update (then every other rollback kind, pause and resume, and a window
// reload, checking the panel after each), break the plan and fix it from its Problems entry,
// accept, and see the feature archived. Each step saves a screenshot; the key ones are copied
// to media/screenshots/ for the README.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readIf, readmeShots, until } from './lib/checks.mjs';
import { openReview, showFeatures } from './lib/features.mjs';
import { answerDialog, findCommand, pickQuickItem, runCommand, waitForNotification, webviewFrame } from './lib/workbench.mjs';

export const name = 'first hour: a feature with a plan from the UI, a custom command agent, its violation, every rollback from the panel, a broken plan fixed from Problems, accept and archive';
export const timeoutMs = 600_000;

const FEATURE = 'greeting';
const OUT_OF_SCOPE = 'docs/notes.md';
/** The custom agent: a file in scope, a line outside it (the plan allows src/**), another file in scope, then it stays alive. */
const COMMAND_LINE = `sh -c 'printf "export const greeting = (n: string) => \\"Hello, \\" + n;\\n" > src/greeting.ts; sleep 1; echo "- greeting added" >> ${OUT_OF_SCOPE}; sleep 1; echo "export const bye = 1;" > src/farewell.ts; echo agent wrote its files; sleep 600'`;
/** A first command line that fails the way real CLIs do without credentials. */
const FAILING_LINE = `sh -c 'echo "mytool: no API key set" >&2; exit 2'`;

/** Types into the quick input open now (titled `title`) and presses Enter. */
async function answerInput(page, title, text) {
  const widget = page.locator('.quick-input-widget');
  await widget.locator('.quick-input-title', { hasText: title }).first().waitFor({ state: 'visible', timeout: 30_000 });
  const input = widget.locator('.quick-input-box input');
  await input.fill(text);
  await page.keyboard.press('Enter');
}

export default async function check({ page, workspace, repoRoot, screenshot }) {
  const worktree = path.join(`${workspace}.worktrees`, FEATURE);
  const planFile = path.join(workspace, '.aop', 'features', FEATURE, 'plan.yaml');
  const { shot, publish } = readmeShots(page, screenshot, repoRoot);

  await showFeatures(page, 'demo');

  // 1. New Feature: id, base, spec, scope (written to plan.yaml), agent.
  await runCommand(page, 'Agent Orchestrator: New Feature…');
  await answerInput(page, 'New feature: id', FEATURE);
  await pickQuickItem(page, 'main', { title: `New feature ${FEATURE}: base` });
  await pickQuickItem(page, 'Type a short spec now', { title: `New feature ${FEATURE}: spec` });
  await answerInput(page, `New feature ${FEATURE}: what should the agent do?`, 'Add a greeting function under src/.');
  const scope = page.locator('.quick-input-widget .quick-input-title', { hasText: `New feature ${FEATURE}: scope` });
  await scope.waitFor({ state: 'visible', timeout: 30_000 });
  const srcRow = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'src/**' }).first();
  await srcRow.waitFor({ state: 'visible', timeout: 10_000 });
  if ((await srcRow.getAttribute('aria-checked')) !== 'true') throw new Error('the scope step does not pick src/** by default');
  await shot('first-hour-1-scope.png');
  await page.keyboard.press('Enter');
  const agentTitle = page.locator('.quick-input-widget .quick-input-title', { hasText: `New feature ${FEATURE}: agent` });
  await agentTitle.waitFor({ state: 'visible', timeout: 30_000 });
  // Every agent row says whether it is installed here.
  const pickRows = page.locator('.quick-input-widget .monaco-list-row');
  await pickRows.first().waitFor({ state: 'visible', timeout: 10_000 });
  const agentRows = await pickRows.allTextContents();
  if (!agentRows.some((t) => /Custom command/.test(t) && /asks for its command line/.test(t))) throw new Error(`the agent pick does not offer a custom command: ${agentRows.join(' | ')}`);
  await shot('first-hour-2-agents.png');
  await pickQuickItem(page, 'Custom command', { title: `New feature ${FEATURE}: agent` });
  // A first try that fails, as first tries do: the agent says why on stderr and exits.
  await answerInput(page, `Feature ${FEATURE}: the agent's command line`, FAILING_LINE);
  const ready = await waitForNotification(page, `Feature ${FEATURE} is ready`, { timeout: 60_000 });
  const plan = readIf(planFile) ?? '';
  if (!/^allowed:\n {2}- src\/\*\*$/m.test(plan) || !/^# What the agent of feature "greeting" may touch/m.test(plan)) throw new Error(`plan.yaml is not the commented template with the picked scope:\n${plan}`);

  // 2. Start it from the notification: its failure is a notification with its last words and what to do.
  await ready.locator('.monaco-button', { hasText: 'Start Agent' }).click();
  const failed = await waitForNotification(page, `The agent of ${FEATURE} failed`, { timeout: 60_000 });
  const failedText = (await failed.textContent()) ?? '';
  if (!failedText.includes('mytool: no API key set')) throw new Error(`the failure notification does not quote the agent's stderr: ${failedText}`);
  await shot('first-hour-2b-agent-failed.png');
  // Its Open Settings lands on the agent settings, editable from the User tab (a remote window).
  await failed.locator('.monaco-button', { hasText: 'Open Settings' }).click();
  const settings = page.locator('.settings-editor');
  await settings.locator('.setting-item-title', { hasText: 'Providers' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  if (await settings.locator('.no-results-message', { hasText: 'No Settings Found' }).isVisible()) throw new Error('Open Settings found no settings');
  await page.keyboard.press('Control+W');
  // Start it again with the right command line (the input comes prefilled with the failed one).
  await runCommand(page, 'Agent Orchestrator: Start Agent With…');
  await pickQuickItem(page, FEATURE, { title: 'Feature to start' });
  await pickQuickItem(page, 'Custom command', { title: `Start ${FEATURE} with` });
  await answerInput(page, `Feature ${FEATURE}: the agent's command line`, COMMAND_LINE);
  await until(() => existsSync(path.join(worktree, 'src', 'farewell.ts')), 'the custom agent to write its three files');
  if (!readIf(path.join(worktree, ...OUT_OF_SCOPE.split('/')))?.includes('greeting added')) throw new Error(`the custom agent did not write ${OUT_OF_SCOPE}`);

  // 3. The violation: in Problems, on the out-of-scope file.
  await (await findCommand(page, 'Focus on Problems View')).click();
  const problem = page.locator('.markers-panel .monaco-list-row', { hasText: `(feature ${FEATURE})` }).first();
  await problem.waitFor({ state: 'visible', timeout: 45_000 });
  await shot('first-hour-3-violation.png');

  // 4. The review panel: smart rollback, confirmed in the editor's dialog; the panel follows.
  await openReview(page, FEATURE);
  const panel = webviewFrame(page);
  await panel.locator('.header .title', { hasText: FEATURE }).waitFor({ state: 'visible', timeout: 30_000 });
  await panel.locator('.timeline .vl-row.tl-checkpoint .sev-badge.sev-error').first().waitFor({ state: 'visible', timeout: 30_000 });
  await panel.locator('vscode-button', { hasText: 'Smart rollback' }).click();
  await answerDialog(page, `Smart rollback of feature "${FEATURE}"`, 'Smart Rollback');
  await until(() => !readIf(path.join(worktree, ...OUT_OF_SCOPE.split('/')))?.includes('greeting added'), `${OUT_OF_SCOPE} to be restored`);
  await expectPanelLive(panel, 'a smart rollback', async () => {
    await panel.locator('.timeline .vl-row', { hasText: 'Smart rollback' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  });
  await shot('first-hour-4-smart-rollback.png');

  // 5. Pause and resume from the panel's header.
  const agentPill = (state) => panel.locator('.header .pill', { hasText: `Agent: ${state}` });
  await panel.locator('.header-actions vscode-button', { hasText: 'Pause' }).click();
  await expectPanelLive(panel, 'pause', () => agentPill('Paused').waitFor({ state: 'visible', timeout: 30_000 }));
  await panel.locator('.header-actions vscode-button', { hasText: 'Resume' }).click();
  await expectPanelLive(panel, 'resume', () => agentPill('Running').waitFor({ state: 'visible', timeout: 30_000 }));

  // 6. The other rollbacks from the panel, each confirmed, each seen in the timeline.
  const farewell = path.join(worktree, 'src', 'farewell.ts');
  const greeting = path.join(worktree, 'src', 'greeting.ts');
  const rollbackRows = () => panel.locator('.timeline .vl-row.tl-rollback').count();
  let rows = await rollbackRows();
  const nextRow = async (after, text) =>
    expectPanelLive(panel, after, async () => {
      await until(async () => (await rollbackRows()) > rows, `a new rollback row after ${after}`, 30_000);
      rows = await rollbackRows();
      await panel.locator('.timeline .vl-row.tl-rollback', { hasText: text }).first().waitFor({ state: 'visible', timeout: 10_000 });
    });
  await panel.locator('.timeline .vl-row.tl-checkpoint', { hasText: '#1' }).first().click();
  await panel.locator('vscode-tab-header', { hasText: 'Changes' }).click();
  await panel.locator('vscode-button', { hasText: 'Roll back to #1' }).click();
  await answerDialog(page, `Roll back feature "${FEATURE}" to checkpoint #1?`, 'Roll Back');
  await until(() => !existsSync(farewell), 'src/farewell.ts to go with the rollback to #1');
  await nextRow('a rollback to a checkpoint', 'Roll back to checkpoint #1');

  await panel.locator('vscode-button', { hasText: 'Undo rollback' }).click();
  await answerDialog(page, `Undo the last rollback of feature "${FEATURE}"?`, 'Undo Rollback');
  await until(() => existsSync(farewell), 'src/farewell.ts to come back with the undo');
  await nextRow('an undo', 'Undo rollback');

  await panel.locator('.timeline .vl-row.tl-checkpoint', { hasText: '#1' }).first().click();
  await panel.locator('.files .vl-row', { hasText: 'greeting.ts' }).first().locator('.check').click();
  await panel.locator('vscode-button', { hasText: 'Roll back 1 file' }).click();
  await answerDialog(page, `Roll back 1 file of feature "${FEATURE}" to the base?`, 'Roll Back Files');
  await until(() => !existsSync(greeting), 'src/greeting.ts to go with the file rollback');
  await nextRow('a file rollback', 'Roll back files to the base');
  await panel.locator('vscode-button', { hasText: 'Undo rollback' }).click();
  await answerDialog(page, `Undo the last rollback of feature "${FEATURE}"?`, 'Undo Rollback');
  await until(() => existsSync(greeting), 'src/greeting.ts to come back with the undo');
  await nextRow('the second undo', 'Undo rollback');
  await shot('first-hour-5-rollbacks.png');

  // 7. A window reload: the panel comes back with everything it showed. Reload Window, as a
  //    person does: the workbench saves its state first (a bare page reload in the browser can
  //    come before the workbench has stored the open panel, and then nothing restores it).
  await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: 60_000 }), runCommand(page, 'Developer: Reload Window')]);
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 60_000 });
  const again = webviewFrame(page);
  await expectPanelLive(again, 'a window reload', async () => {
    await again.locator('.header .title', { hasText: FEATURE }).waitFor({ state: 'visible', timeout: 60_000 });
    await again.locator('.timeline .vl-row', { hasText: 'Smart rollback' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await until(async () => (await again.locator('.timeline .vl-row.tl-rollback').count()) === rows, `the ${rows} rollback rows after the reload`, 30_000);
  });

  // 8. A broken plan, found in Problems and fixed from there.
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget .quick-input-box input').fill(`.aop/features/${FEATURE}/plan.yaml`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'plan.yaml' }).first().click();
  const editor = page.locator('.monaco-editor[data-uri$="plan.yaml"]').first();
  await editor.waitFor({ state: 'visible', timeout: 30_000 });
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('forbiden: []');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+S');
  await until(() => readIf(planFile)?.startsWith('forbiden: []'), 'the broken plan to be saved');
  await (await findCommand(page, 'Focus on Problems View')).click();
  const planProblem = page.locator('.markers-panel .monaco-list-row', { hasText: 'forbiden: unknown key in the plan' }).first();
  await planProblem.waitFor({ state: 'visible', timeout: 30_000 });
  await shot('first-hour-6-plan-problem.png');
  // Its Problems entry takes the cursor to the typo; the fix is one deleted line.
  await planProblem.dblclick();
  await page.locator('.monaco-editor.focused').first().waitFor({ state: 'visible', timeout: 10_000 });
  await page.keyboard.press('Control+Shift+K');
  await page.keyboard.press('Control+S');
  await until(() => readIf(planFile)?.startsWith('# What the agent of feature'), 'the fixed plan to be saved');
  await (await findCommand(page, 'Focus on Problems View')).click();
  await page.locator('.markers-panel').first().waitFor({ state: 'visible', timeout: 10_000 });
  await until(async () => (await page.locator('.markers-panel .monaco-list-row', { hasText: 'unknown key in the plan' }).count()) === 0, 'the plan problem to clear once fixed', 30_000);

  // 9. Accept: the editor's summary, a strategy, an outcome that stays reachable, and the
  //    feature leaves the active list for "Accepted / archived".
  await runCommand(page, 'Agent Orchestrator: Accept Feature…');
  await answerDialog(page, `Accept feature "${FEATURE}" into main?`, 'Accept…', { timeout: 60_000 });
  await pickQuickItem(page, 'squash', { title: `Accept ${FEATURE} into main: how` });
  const outcome = await waitForNotification(page, `Feature "${FEATURE}" is accepted`, { timeout: 60_000 });
  await outcome.locator('.monaco-button', { hasText: 'Show History' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  const archivedGroup = page.locator('.part.sidebar .monaco-list-row', { hasText: 'Accepted / archived' }).first();
  await archivedGroup.waitFor({ state: 'visible', timeout: 30_000 });
  if ((await archivedGroup.getAttribute('aria-expanded')) !== 'true') await archivedGroup.click();
  await page.locator('.part.sidebar .monaco-list-row', { hasText: FEATURE }).filter({ hasText: 'accepted' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  await shot('first-hour-7-accepted.png');
  // The outcome is in the feature's history.
  await outcome.locator('.monaco-button', { hasText: 'Show History' }).first().click();
  await page.locator('.monaco-editor .view-lines', { hasText: '"t":"feature.accepted"' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  await shot('first-hour-8-history.png');
  publish();
}

/** The panel took the change (`see`), and shows no stale notice: it is still live. */
async function expectPanelLive(panel, after, see) {
  try {
    await see();
  } catch (err) {
    const stale = await panel.locator('.stale').isVisible().catch(() => false);
    throw new Error(`after ${after}, the panel did not update${stale ? ' (it shows the stale notice)' : ''}: ${err.message}`, { cause: err });
  }
  if (await panel.locator('.stale').isVisible()) throw new Error(`after ${after}, the panel says it is out of date`);
}
