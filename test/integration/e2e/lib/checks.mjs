// What the browser checks share beside the workbench: waiting on a condition with a deadline,
// reading a file that may not be there yet, and screenshots kept for the README.
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** README pictures stay under this size. */
export const MAX_SHOT_BYTES = 300 * 1024;

/** Polls `check` (sync or async) until it holds; throws naming `what` after the deadline. */
export async function until(check, what, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A file's text, or undefined while it does not exist. */
export function readIf(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Screenshots for the README: `shot(file)` moves the mouse out of the way (unless `keepMouse`),
 * lets the last frame paint and checks the size; `publish()` copies them all to
 * media/screenshots/ of the repository.
 */
export function readmeShots(page, screenshot, repoRoot) {
  const shots = [];
  return {
    async shot(file, { keepMouse = false } = {}) {
      if (!keepMouse) await page.mouse.move(5, 450);
      await sleep(300); // the last frame painted: these pictures are for people
      const p = await screenshot(file);
      const bytes = statSync(p).size;
      if (bytes > MAX_SHOT_BYTES) throw new Error(`${file} is ${bytes} bytes; keep README pictures under ${MAX_SHOT_BYTES}`);
      shots.push(p);
    },
    publish() {
      const committed = path.join(repoRoot, 'media', 'screenshots');
      mkdirSync(committed, { recursive: true });
      for (const p of shots) copyFileSync(p, path.join(committed, path.basename(p)));
    },
  };
}
