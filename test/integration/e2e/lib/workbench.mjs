// Helpers for browser-side checks against the code-server workbench (selectors of VS Code 1.99).

/** Waits until the workbench is laid out and the explorer shows the workspace folder. */
export async function waitForWorkbench(page, { timeout = 60_000 } = {}) {
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout });
}

/** Opens the command palette and types `title`; returns the locator of the matching entry. */
export async function findCommand(page, title, { timeout = 30_000 } = {}) {
  // Keyboard shortcuts go to the focused element: focus the workbench first.
  await page.locator('.monaco-workbench .part.statusbar').click({ position: { x: 5, y: 5 } }).catch(() => undefined);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout });
  return row;
}

/** Runs a command by its palette title (as a person would). */
export async function runCommand(page, title, opts) {
  const row = await findCommand(page, title, opts);
  await row.click();
}

/** Waits for a notification toast containing `text`; returns its locator. */
export async function waitForNotification(page, text, { timeout = 30_000 } = {}) {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  await toast.waitFor({ state: 'visible', timeout });
  return toast;
}
