// Issue 6 in the browser: a feature whose plan declares a passing and a failing gate. Its review
// panel lists both gates (not run yet), "Run gates" in the panel runs them, the header shows pass
// and fail for the latest checkpoint, and clicking the failed gate opens its captured output in
// an editor; the Features view shows the same results under "Gates". "Accept…" in the panel opens
// the editor's accept dialog, which names the failing required gate.
import path from 'node:path';
import { readIf, until } from './lib/checks.mjs';
import { openReview, showFeatures, startDraft, writeDraft } from './lib/features.mjs';
import { answerDialog, viewRows, webviewFrame } from './lib/workbench.mjs';

export const name = 'review panel: the feature\'s gates, run from the panel, show pass and fail; the failed one opens its output';

const FEATURE = 'gates-demo';

/** A draft feature next to the demo's: spec, a plan with two gates, and a scripted agent's steps. */
const DRAFT = {
  spec: '# Gates demo\n\nAdd src/gated.ts.\n',
  plan: ['version: 1', 'allowed:', '  - src/**', 'gates:', '  - { name: typecheck, run: "echo types ok", requiredForAccept: false }', '  - { name: tests, run: "echo 1 test failed >&2; exit 1" }', ''].join('\n'),
  agent: ['steps:', '  - write:', '      path: src/gated.ts', '      content: "export const gated = true;\\n"', ''].join('\n'),
};

export default async function check({ page, workspace, screenshot }) {
  writeDraft(workspace, FEATURE, DRAFT);
  const worktree = path.join(`${workspace}.worktrees`, FEATURE);
  await showFeatures(page, FEATURE);

  await startDraft(page, FEATURE, 'main');
  await until(() => readIf(path.join(worktree, 'src', 'gated.ts')), 'the scripted agent to write src/gated.ts');

  await openReview(page, FEATURE);
  const panel = webviewFrame(page);
  await panel.locator('.header .title', { hasText: FEATURE }).waitFor({ state: 'visible', timeout: 30_000 });
  const chip = (gate) => panel.locator(`.gates .gate-chip[data-gate="${gate}"]`);
  await chip('tests').waitFor({ state: 'visible', timeout: 30_000 });
  for (const g of ['typecheck', 'tests']) {
    const status = await chip(g).getAttribute('data-status');
    if (status !== 'missing') throw new Error(`gate ${g} shows ${status} before any run`);
  }

  await panel.locator('.header-actions vscode-button', { hasText: 'Run gates' }).click();
  await panel.locator('.gates .gate-chip[data-gate="tests"][data-status="failed"]').waitFor({ state: 'visible', timeout: 30_000 });
  await panel.locator('.gates .gate-chip[data-gate="typecheck"][data-status="passed"]').waitFor({ state: 'visible', timeout: 30_000 });
  await panel.locator('.statusbar', { hasText: '1 passed, 1 failed (tests)' }).waitFor({ state: 'visible', timeout: 10_000 });
  const seqLabel = (await panel.locator('.gates .gates-label').textContent()) ?? '';
  if (!/^Gates on #\d+$/.test(seqLabel.trim())) throw new Error(`the gates row says ${JSON.stringify(seqLabel)}`);

  // The Features view shows the same under "Gates" (the feature's row is expanded first).
  const featureRow = viewRows(page, 'Features').filter({ hasText: FEATURE }).first();
  if ((await featureRow.getAttribute('aria-expanded')) !== 'true') await featureRow.click();
  await viewRows(page, 'Features').filter({ hasText: /^Gates/ }).first().waitFor({ state: 'visible', timeout: 15_000 });
  await viewRows(page, 'Features').filter({ hasText: 'tests' }).filter({ hasText: 'failed (exit 1)' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  await page.mouse.move(5, 450);
  await screenshot('review-panel-gates.png');

  // Accept from the panel: the editor's own dialog says why not (the failing required gate).
  await panel.locator('.header-actions vscode-button', { hasText: 'Accept…' }).click();
  const dialog = page.locator('.monaco-dialog-box', { hasText: `Feature "${FEATURE}" cannot be accepted yet` });
  await dialog.waitFor({ state: 'visible', timeout: 30_000 });
  const said = (await dialog.textContent()) ?? '';
  if (!/✗ tests \(required\) failed on #\d+, exit 1/.test(said)) throw new Error(`the accept dialog does not name the failed gate: ${said.slice(0, 400)}`);
  await answerDialog(page, 'cannot be accepted yet', 'Cancel');
  await panel.locator('.statusbar', { hasText: 'was not accepted' }).waitFor({ state: 'visible', timeout: 10_000 });

  // The failed gate's output, in a read-only editor.
  await chip('tests').click();
  await page.locator('.tabs-container .tab', { hasText: 'tests.log' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  await page.locator('.monaco-editor .view-lines', { hasText: '1 test failed' }).first().waitFor({ state: 'visible', timeout: 15_000 });
}
