// Helpers for browser-side checks against the code-server workbench (selectors of VS Code 1.99).

/**
 * Waits until the workbench is laid out and the explorer shows the workspace folder. The
 * workbench restores the last window's view: the Explorer is opened when another view was.
 */
export async function waitForWorkbench(page, { timeout = 60_000 } = {}) {
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout });
  await openActivity(page, 'Explorer', { timeout });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout });
}

/**
 * Opens the command palette and types `title`; returns the locator of the matching entry. The
 * palette lists what is registered when it opens: until the extension host has read the
 * extensions (a new window), it is closed and opened again.
 */
export async function findCommand(page, title, { timeout = 30_000 } = {}) {
  const deadline = Date.now() + timeout;
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  for (;;) {
    // Keyboard shortcuts go to the focused element: focus the workbench first.
    await page.locator('.monaco-workbench .part.statusbar').click({ position: { x: 5, y: 5 } }).catch(() => undefined);
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: Math.max(1000, deadline - Date.now()) });
    await input.fill(`>${title}`);
    const shown = await row.waitFor({ state: 'visible', timeout: Math.max(1000, Math.min(5000, deadline - Date.now())) }).then(
      () => true,
      () => false,
    );
    if (shown) return row;
    if (Date.now() > deadline) throw new Error(`the command palette does not list "${title}" after ${timeout} ms`);
    await page.keyboard.press('Escape');
  }
}

/** Runs a command by its palette title (as a person would). */
export async function runCommand(page, title, opts) {
  const row = await findCommand(page, title, opts);
  await row.click();
}

/**
 * Waits for a notification containing `text`; returns its locator. Mostly a toast; a toast the
 * workbench has already hidden (it does, when several come at once or time passes) is looked up
 * in the notification center, as a person would.
 */
export async function waitForNotification(page, text, { timeout = 30_000 } = {}) {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  const first = Math.max(5_000, Math.floor(timeout / 2));
  if (await toast.waitFor({ state: 'visible', timeout: first }).then(() => true, () => false)) return toast;
  const listed = page.locator('.notifications-center .notification-list-item', { hasText: text }).first();
  await runCommand(page, 'Notifications: Show Notifications');
  await listed.waitFor({ state: 'visible', timeout: timeout - first });
  return listed;
}

/** Waits for the quick pick (titled `title`, when given) and picks the row containing `label`. */
export async function pickQuickItem(page, label, { title, timeout = 30_000 } = {}) {
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible', timeout });
  if (title) await widget.locator('.quick-input-title', { hasText: title }).first().waitFor({ state: 'visible', timeout });
  const row = widget.locator('.monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout });
  await row.click();
}

/** The title of the quick input on screen now, or '' when none is shown. */
export async function quickInputTitle(page) {
  const widget = page.locator('.quick-input-widget');
  if (!(await widget.isVisible())) return '';
  return ((await widget.locator('.quick-input-title').textContent().catch(() => '')) ?? '').trim();
}

/** Opens a view container of the activity bar by its label (e.g. "Agent Orchestrator"), unless it is open. */
export async function openActivity(page, label, { timeout = 30_000 } = {}) {
  const item = page.locator('.part.activitybar li.action-item', { has: page.locator(`a[aria-label^="${label}"]`) }).first();
  await item.waitFor({ state: 'visible', timeout });
  if (!/\bchecked\b/.test((await item.getAttribute('class')) ?? '')) await item.click();
  await page.locator('.part.sidebar .composite.title', { hasText: new RegExp(label, 'i') }).first().waitFor({ state: 'visible', timeout });
}

/** The content frame of the n-th webview (webviews live in nested iframes: `iframe.webview` hosts `iframe#active-frame`). */
export function webviewFrame(page, index = 0) {
  return page.frameLocator('iframe.webview').nth(index).frameLocator('iframe#active-frame');
}

/** Waits for a modal dialog containing `text` and clicks its button labelled `button`. */
export async function answerDialog(page, text, button, { timeout = 30_000 } = {}) {
  const dialog = page.locator('.monaco-dialog-box', { hasText: text }).first();
  await dialog.waitFor({ state: 'visible', timeout });
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: button }).first().click();
  await dialog.waitFor({ state: 'hidden', timeout });
}

/** The rows of one view of the side bar, by its title (e.g. "Features": the Needs You view above it names features too). */
export function viewRows(page, title) {
  return page.locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: new RegExp(`^\\s*${title}`, 'i') }) }).first().locator('.monaco-list-row');
}
