// The packaged extension, as a user installs it: builds the .vsix with `npm run package`, lists
// what it ships, installs it into a fresh code-server (no extensionDevelopmentPath: the
// development tree is not on the extension's path) and checks in the browser that it activates:
// its command runs from the palette, and the Features view lists the demo repository's feature,
// which needs the bundled core and the shipped native watcher.
// Usage: node test/integration/vsix.mjs    (npm run test:vsix)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, URLSearchParams } from 'node:url';
import { createDemoRepo } from '../../scripts/demo-repo.mjs';
import { ensureChromium, ensureCodeServer, startCodeServer } from '../../scripts/ensure-code-server.mjs';
import { findCommand, openActivity, waitForNotification, waitForWorkbench } from './e2e/lib/workbench.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const vsix = path.join(repoRoot, 'aop-vscode.vsix');
const artifacts = path.join(repoRoot, 'test-artifacts');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Files without which the installed extension cannot work. */
const MUST_SHIP = ['extension/package.json', 'extension/out/extension.js', 'extension/out/scripted-agent.js', 'extension/webview-ui/build/main.js', 'extension/schemas/plan.schema.json', 'extension/node_modules/@parcel/watcher-linux-x64-glibc/watcher.node'];

function log(msg) {
  console.log(`[vsix] ${msg}`);
}

/** The entries of a zip file (the .vsix), read with Python's zipfile (no unzip needed). */
function zipEntries(file) {
  const r = spawnSync('python3', ['-c', 'import sys,zipfile\nfor i in zipfile.ZipFile(sys.argv[1]).infolist(): print(i.file_size, i.filename)', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not list ${file}: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => {
    const [size, ...name] = l.split(' ');
    return { size: Number(size), name: name.join(' ') };
  });
}

async function main() {
  rmSync(vsix, { force: true });
  log('npm run package');
  execFileSync('npm', ['run', '-s', 'package'], { cwd: repoRoot, stdio: 'inherit' });
  const entries = zipEntries(vsix);
  log(`${path.basename(vsix)}: ${(statSync(vsix).size / 1024).toFixed(0)} KB, ${entries.length} files`);
  for (const e of entries) console.log(`  ${String(e.size).padStart(9)}  ${e.name}`);
  const missing = MUST_SHIP.filter((m) => !entries.some((e) => e.name === m));
  if (missing.length) throw new Error(`the .vsix lacks ${missing.join(', ')}`);
  const leaked = entries.filter((e) => /\.(ts|map)$/.test(e.name) && !e.name.endsWith('.d.ts') || e.name.includes('/src/'));
  if (leaked.length) throw new Error(`the .vsix ships sources or maps: ${leaked.map((e) => e.name).join(', ')}`);

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'aop-vsix-'));
  let server;
  let browser;
  try {
    const stateDir = path.join(tmp, 'state');
    const { entry } = await ensureCodeServer();
    log('installing into a fresh code-server');
    const install = spawnSync(process.execPath, [entry, '--user-data-dir', path.join(stateDir, 'user-data'), '--extensions-dir', path.join(stateDir, 'extensions'), '--install-extension', vsix], {
      encoding: 'utf8',
      env: { ...process.env, XDG_CONFIG_HOME: path.join(stateDir, 'xdg-config'), XDG_DATA_HOME: path.join(stateDir, 'xdg-data') },
    });
    if (install.status !== 0 || !/successfully installed/i.test(install.stdout + install.stderr)) {
      throw new Error(`code-server --install-extension failed (${install.status}):\n${install.stdout}\n${install.stderr}`);
    }
    const workspace = path.join(tmp, 'demo');
    createDemoRepo(workspace);
    server = await startCodeServer({ stateDir, settings: { 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'git.openRepositoryInParentFolders': 'never', 'telemetry.telemetryLevel': 'off' } });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: ensureChromium(), headless: true, args: CHROMIUM_ARGS, env: { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'b', 'config'), XDG_CACHE_HOME: path.join(tmp, 'b', 'cache') } });
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(`${server.url}?${new URLSearchParams({ folder: workspace })}`, { waitUntil: 'domcontentloaded' });
    await waitForWorkbench(page);
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    await (await findCommand(page, 'Agent Orchestrator: Show Version')).click();
    await waitForNotification(page, `Agent Orchestrator ${version}`);
    await openActivity(page, 'Agent Orchestrator');
    await page.locator('.pane-body .monaco-list-row', { hasText: 'demo' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    log('installed .vsix activated: Show Version ran and the Features view lists "demo"');
    return 0;
  } catch (err) {
    console.error(`[vsix] FAILED: ${err?.stack ?? err}`);
    if (server) console.error(server.logTail(60));
    if (browser) {
      const p = browser.contexts()[0]?.pages()[0];
      if (p) await p.screenshot({ path: path.join(artifacts, 'vsix-failure.png') }).catch(() => undefined);
    }
    return 1;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
