// Runs the integration suite inside a real VS Code and reports like CI wants it.
// Usage (after `node esbuild.mjs`): node test/integration/run.mjs
//
// Default host: code-server (VS Code's server build, installed offline into .tools/) driven
// by Debian chromium through playwright-core. The page opens a temp demo repository with the
// extension under development and the bundled suite (out/test/suite/index.js); the extension
// host runs the suite and writes a JSON result file whose path it inherits from code-server's
// environment (AOP_TEST_RESULT). Then, on a fresh page of the same server, the browser-side
// checks in test/integration/e2e/*.e2e.mjs run (what a person sees).
//
// Environment:
//   AOP_TEST_HOST=electron   run the same suite in desktop VS Code via @vscode/test-electron
//                            (downloads VS Code: needs internet; on Linux also a display/xvfb)
//   AOP_VSCODE_VERSION       desktop VS Code version for the electron host (default: stable)
//   AOP_TEST_TIMEOUT_MS      deadline for the in-host suite (default 300000)
//   AOP_TEST_GREP            run only in-host tests whose full title matches this regexp
//   AOP_E2E=0                skip the browser-side checks
//   AOP_E2E_GREP             run only the browser-side checks whose file name or name matches this regexp
//   AOP_KEEP_TMP=1           keep the temp workspace and server state (printed at the end)
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath, pathToFileURL, URLSearchParams } from 'node:url';
import { createDemoRepo } from '../../scripts/demo-repo.mjs';
import { ensureChromium, startCodeServer } from '../../scripts/ensure-code-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const suiteBundle = path.join(repoRoot, 'out/test/suite/index.js');
const suiteSources = path.join(here, 'suite');
const e2eDir = path.join(here, 'e2e');
const artifactsDir = path.join(repoRoot, 'test-artifacts');

const host = process.env.AOP_TEST_HOST ?? 'code-server';
const suiteTimeoutMs = Number(process.env.AOP_TEST_TIMEOUT_MS ?? 300_000);
const e2eTimeoutMs = 120_000;
const runE2e = process.env.AOP_E2E !== '0';
const e2eGrep = process.env.AOP_E2E_GREP ? new RegExp(process.env.AOP_E2E_GREP) : undefined;
const keepTmp = process.env.AOP_KEEP_TMP === '1';

/** Chromium flags that work headless, offline, as root, without a GPU. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Workbench settings for a quiet, trusted test window. */
const SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'git.openRepositoryInParentFolders': 'never',
};

// Everything that must be undone, in reverse order, on every path out (including Ctrl+C).
const cleanups = [];
async function cleanup() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (err) {
      console.error(`cleanup: ${err?.message ?? err}`);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping`);
    void cleanup().then(() => process.exit(130));
  });
}

/** What the in-host suite reads from its environment (see suite/index.ts). */
function suiteEnv(resultFile) {
  return { AOP_TEST_RESULT: resultFile, ...(process.env.AOP_TEST_GREP ? { AOP_TEST_GREP: process.env.AOP_TEST_GREP } : {}) };
}

function log(msg) {
  console.log(`[integration] ${msg}`);
}

function screenshotPath(name) {
  mkdirSync(artifactsDir, { recursive: true });
  return path.join(artifactsDir, name);
}

/** Opens a workbench URL on code-server: the folder, plus payload entries (a JSON array of pairs). */
function workbenchUrl(server, folder, payload) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const entries = Object.entries(payload).map(([k, v]) => [k, remote(v)]);
  const q = new URLSearchParams({ folder });
  if (entries.length) q.set('payload', JSON.stringify(entries));
  return `${server.url}?${q}`;
}

async function waitForFile(file, timeoutMs, isAlive) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) return true;
    if (!isAlive()) return existsSync(file);
    await new Promise((r) => setTimeout(r, 200));
  }
  return existsSync(file);
}

/** Test files on disk that the suite did not load (someone forgot to list one in tests.ts). */
function unlistedTestFiles(result) {
  const onDisk = readdirSync(suiteSources).filter((f) => f.endsWith('.test.ts'));
  return onDisk.filter((f) => !result.files.includes(f));
}

/** Runs the in-host suite in code-server through chromium; returns { result, server, browser }. */
async function runInCodeServer(workspace, tmp, resultFile) {
  const executablePath = ensureChromium();
  const { chromium } = await import('playwright-core');
  log('starting code-server');
  const server = await startCodeServer({ stateDir: path.join(tmp, 'state'), env: suiteEnv(resultFile), settings: SETTINGS });
  cleanups.push(() => server.stop());
  log(`code-server on ${server.url} (log: ${server.logFile})`);

  // Chromium keeps crash-report state under XDG folders: point them at the temp dir, not $HOME.
  const browserHome = path.join(tmp, 'browser');
  const browserEnv = { ...process.env, XDG_CONFIG_HOME: path.join(browserHome, 'config'), XDG_CACHE_HOME: path.join(browserHome, 'cache') };
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, env: browserEnv });
  cleanups.push(() => browser.close());
  const consoleLines = [];
  // Each context has its own browser storage, where the web workbench keeps its layout and open
  // editors: a fresh one per window means no check inherits the views another window left open.
  const newContext = async () => {
    const c = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    c.on('page', (p) => p.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`)));
    return c;
  };
  const context = await newContext();

  const page = await context.newPage();
  const url = workbenchUrl(server, workspace, { extensionDevelopmentPath: repoRoot, extensionTestsPath: suiteBundle });
  log('running the suite in the extension host');
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  let serverAlive = true;
  void server.exited.then(() => (serverAlive = false));
  const arrived = await waitForFile(resultFile, suiteTimeoutMs, () => serverAlive);

  const fail = async (why) => {
    console.error(`[integration] ${why}`);
    if (!page.isClosed()) {
      const shot = screenshotPath('integration-failure.png');
      await page.screenshot({ path: shot }).catch(() => undefined);
      console.error(`[integration] screenshot: ${shot}`);
    }
    writeFileSync(screenshotPath('browser-console.log'), consoleLines.join('\n') + '\n');
    console.error(`[integration] code-server log (last lines):\n${server.logTail(80)}`);
  };
  // The suite's window stays open after its extension host exits; later checks use fresh pages.
  const closeSuitePage = () => page.close();
  return { arrived, server, newContext, fail, closeSuitePage };
}

/** Runs the same suite in desktop VS Code (needs internet to download it). */
async function runInElectron(workspace, tmp, resultFile) {
  const { runTests } = await import('@vscode/test-electron');
  const userDataDir = path.join(tmp, 'state', 'user-data');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  try {
    await runTests({
      version: process.env.AOP_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: suiteBundle,
      extensionTestsEnv: suiteEnv(resultFile),
      launchArgs: [workspace, '--user-data-dir', userDataDir, '--extensions-dir', path.join(tmp, 'state', 'extensions'), '--disable-workspace-trust'],
    });
  } catch (err) {
    // A failing suite rejects too; the result file (if any) tells which case this is.
    console.error(`[integration] VS Code test run ended with: ${err?.message ?? err}`);
  }
  return { arrived: existsSync(resultFile), fail: async (why) => console.error(`[integration] ${why}`) };
}

/** Loads test/integration/e2e/*.e2e.mjs; each exports `name` and a default async function(ctx). */
async function loadE2eModules() {
  if (!existsSync(e2eDir)) return [];
  const files = readdirSync(e2eDir).filter((f) => f.endsWith('.e2e.mjs')).sort();
  const mods = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(path.join(e2eDir, f)).href);
    if (typeof mod.default !== 'function') throw new Error(`${f} must export a default async function({ page, ... })`);
    mods.push({ file: f, name: mod.name ?? f, check: mod.default, timeoutMs: Number(mod.timeoutMs) || e2eTimeoutMs });
  }
  return e2eGrep ? mods.filter((m) => e2eGrep.test(m.file) || e2eGrep.test(m.name)) : mods;
}

/**
 * Browser-side checks on a normal (non-test) window of the same server, with the extension
 * under development loaded, each in a fresh browser context (no workbench layout carried over).
 * Each module gets { page, workspace, port, url, repoRoot, screenshot, openWorkbench }.
 */
async function runE2eChecks({ server, newContext, workspace }) {
  const modules = await loadE2eModules();
  const outcomes = [];
  if (!modules.length) return outcomes;
  let context;
  const openWorkbench = async () => {
    const p = await context.newPage();
    await p.goto(workbenchUrl(server, workspace, { extensionDevelopmentPath: repoRoot }), { waitUntil: 'domcontentloaded' });
    await p.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 60_000 });
    return p;
  };
  console.log('  e2e (browser)');
  for (const m of modules) {
    const started = Date.now();
    let page;
    try {
      context = await newContext();
      page = await openWorkbench();
      const ctx = {
        page,
        workspace,
        port: server.port,
        url: server.url,
        repoRoot,
        openWorkbench,
        screenshot: async (name) => {
          const file = screenshotPath(name);
          await page.screenshot({ path: file });
          return file;
        },
      };
      await withTimeout(m.check(ctx), m.timeoutMs, `${m.name} did not finish within ${m.timeoutMs} ms`);
      outcomes.push({ name: m.name, ok: true });
      console.log(`    ✔ ${m.name} (${Date.now() - started} ms)`);
    } catch (err) {
      outcomes.push({ name: m.name, ok: false });
      console.log(`    ✘ ${m.name}`);
      for (const l of String(err?.stack ?? err).split('\n')) console.log(`        ${l}`);
      if (page && !page.isClosed()) {
        const shot = screenshotPath(`e2e-failure-${m.file.replace(/\.e2e\.mjs$/, '')}.png`);
        await page.screenshot({ path: shot }).catch(() => undefined);
        console.log(`        screenshot: ${shot}`);
      }
    } finally {
      await page?.close().catch(() => undefined);
      await context?.close().catch(() => undefined);
    }
  }
  return outcomes;
}

function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

async function main() {
  for (const f of [suiteBundle, path.join(repoRoot, 'out/extension.js')]) {
    if (!existsSync(f)) throw new Error(`${path.relative(repoRoot, f)} is missing: run \`node esbuild.mjs\` first (npm run test:integration does).`);
  }
  const started = Date.now();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'aop-it-'));
  cleanups.push(() => (keepTmp ? log(`kept ${tmp}`) : rmSync(tmp, { recursive: true, force: true })));
  const workspace = path.join(tmp, 'workspace', 'demo');
  createDemoRepo(workspace);
  const resultFile = path.join(tmp, 'result.json');
  rmSync(path.join(artifactsDir, 'integration-failure.png'), { force: true });

  const run = host === 'electron' ? await runInElectron(workspace, tmp, resultFile) : await runInCodeServer(workspace, tmp, resultFile);
  if (!run.arrived) {
    await run.fail(
      host === 'electron'
        ? `desktop VS Code wrote no result file (expected ${resultFile}); see its output above`
        : `no result from the extension host within ${suiteTimeoutMs} ms (expected ${resultFile})`,
    );
    console.log('0 passed, 1 failed');
    return 1;
  }
  const result = JSON.parse(readFileSync(resultFile, 'utf8'));
  for (const line of result.lines) console.log(line);
  let passed = result.passed;
  let failed = result.failed;
  const problems = [];
  if (result.fatal) problems.push(`the suite could not run:\n${result.fatal}`);
  const unlisted = unlistedTestFiles(result);
  if (unlisted.length) problems.push(`not loaded by the suite (add them to test/integration/suite/tests.ts): ${unlisted.join(', ')}`);
  if (result.passed + result.failed === 0) problems.push('zero tests ran');
  if (failed > 0 || problems.length) await run.fail(problems.length ? problems.join('\n') : `${failed} test(s) failed in the extension host`);
  await run.closeSuitePage?.();

  if (host !== 'electron' && runE2e) {
    const outcomes = await runE2eChecks({ server: run.server, newContext: run.newContext, workspace });
    passed += outcomes.filter((o) => o.ok).length;
    failed += outcomes.filter((o) => !o.ok).length;
  } else if (host === 'electron') {
    log('browser e2e checks skipped (they need the code-server host)');
  }

  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 || problems.length > 0 ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`[integration] ERROR: ${err?.stack ?? err}`);
  console.log('0 passed, 1 failed');
} finally {
  await cleanup();
}
process.exit(code);
