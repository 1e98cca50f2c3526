// Installs a pinned code-server (VS Code's server build, a real VS Code that installs from the
// npm registry alone), offline-safe, and checks for Debian chromium. The install is cached per
// user (~/.cache/aop-vscode/code-server-<version>, or $AOP_CODE_SERVER_DIR), so every checkout and
// every run reuses it; an install already in .tools/code-server/ is used as is.
// Usage: node scripts/ensure-code-server.mjs   (idempotent: a working install is left alone)
// As a module: await ensureCodeServer() -> { entry, version, dir }, ensureChromium() -> path,
// startCodeServer(options) -> a running loopback-only server (used by start.mjs and the tests).
//
// What makes it work without internet (see /work/shared/testing-in-real-vscode.md):
// - code-server's postinstall runs `npm install` inside lib/vscode and lib/vscode/extensions,
//   and native modules build through `npx node-gyp`: needs npm_config_yes and, as root,
//   npm_config_unsafe_perm, plus libkrb5-dev for the kerberos module.
// - npm 11 skips dependency install scripts not listed in an allowScripts policy. The top
//   project lists code-server and argon2 in package.json#allowScripts; the nested projects get
//   a project .npmrc with `allow-scripts=` derived from their own lock files. (The env/CLI
//   form --allow-scripts is refused by npm in project-scoped installs.)
// - the nested @vscode/ripgrep postinstall downloads rg from GitHub unless it finds a cached
//   archive in $TMPDIR/vscode-ripgrep-cache-<version>/; we seed that cache with the rg binary
//   from the npm package @vscode/ripgrep-linux-x64 and point TMPDIR at our own folder.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, accessSync, constants } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
/* global fetch, AbortSignal, setInterval, clearInterval */

export const CODE_SERVER_VERSION = '4.99.4';
export const CHROMIUM_PATH = '/usr/bin/chromium';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = path.join(repoRoot, '.tools');
const legacyDir = path.join(toolsDir, 'code-server');
/** Per-user cache shared by every checkout (what `npm start` and the tests reuse between runs). */
export const cacheRoot = process.env.AOP_CACHE_DIR ? path.resolve(process.env.AOP_CACHE_DIR) : path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'aop-vscode');
const historyFile = path.join(cacheRoot, 'install-times.json');
const pkgDirIn = (root) => path.join(root, 'node_modules', 'code-server');

/** Files whose absence means the postinstall did not really run (native builds, rg, links). */
const REQUIRED_FILES = [
  'out/node/entry.js',
  'lib/vscode/node_modules.asar',
  'lib/vscode/node_modules/@vscode/ripgrep/bin/rg',
  'lib/vscode/node_modules/node-pty/build/Release/pty.node',
  'lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node',
  'lib/vscode/node_modules/kerberos/build/Release/kerberos.node',
  'lib/vscode/node_modules/native-watchdog/build/Release/watchdog.node',
  'lib/vscode/bin/remote-cli/code-server',
];

class SetupError extends Error {}

/** Where code-server lives: $AOP_CODE_SERVER_DIR, an install already in .tools/, else the per-user cache. */
const installDir = process.env.AOP_CODE_SERVER_DIR
  ? path.resolve(process.env.AOP_CODE_SERVER_DIR)
  : isInstalledAt(legacyDir)
    ? legacyDir
    : path.join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`);
const installParent = path.dirname(installDir);

function log(msg) {
  console.log(`[code-server] ${msg}`);
}

/** Throws a SetupError with an actionable message unless Debian chromium is installed. */
export function ensureChromium() {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return CHROMIUM_PATH;
  } catch {
    throw new SetupError(
      `${CHROMIUM_PATH} not found. Install Debian's chromium: ` +
        '`sudo apt-get update && sudo apt-get install -y chromium` ' +
        '(`npx playwright install` does not work offline; playwright-core drives this system browser).',
    );
  }
}

function run(cmd, args, opts) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (res.error) throw new SetupError(`could not run ${cmd}: ${res.error.message}`);
  if (res.status !== 0) {
    throw new SetupError(`\`${cmd} ${args.join(' ')}\` failed (exit ${res.status}) in ${opts?.cwd ?? process.cwd()}`);
  }
}

function missingFiles(root) {
  return REQUIRED_FILES.filter((f) => !existsSync(path.join(pkgDirIn(root), f)));
}

function isInstalledAt(dir) {
  const marker = path.join(dir, '.aop-installed.json');
  if (!existsSync(marker)) return false;
  try {
    return JSON.parse(readFileSync(marker, 'utf8')).version === CODE_SERVER_VERSION && missingFiles(dir).length === 0;
  } catch {
    return false;
  }
}

function isInstalled() {
  return isInstalledAt(installDir);
}

// ---- how long an install takes, said up front and then tracked ---------------------------

/**
 * Seconds each install step takes on an idle 2-core machine (fetch, ripgrep, native builds;
 * 35-70 s in all, measured), scaled by how busy the machine is now. Once this machine has
 * installed, its own step times (scaled the same way) replace them. The scale is the square root
 * of the load per core: measured on 2 cores, 150 s at load 18 and 214 s at load ~8, where a
 * linear scale would have said 10 minutes and more.
 */
const IDLE_STEP_SECONDS = [10, 5, 55];
const STEP_NAMES = ['fetching code-server and VS Code from the npm registry', 'seeding ripgrep (VS Code search) from the npm registry', 'building native modules (the longest step)'];

function loadFactor() {
  const cores = Math.max(1, os.cpus().length);
  return Math.min(4, Math.sqrt(Math.max(1, os.loadavg()[0] / cores))) * Math.max(1, 2 / cores);
}

function readHistory() {
  try {
    const h = JSON.parse(readFileSync(historyFile, 'utf8'));
    return Array.isArray(h) ? h.filter((r) => Array.isArray(r?.steps) && r.steps.length === STEP_NAMES.length && Number.isFinite(r?.factor)) : [];
  } catch {
    return [];
  }
}

/** Seconds per step expected now. */
export function stepEstimates() {
  const last = readHistory().at(-1);
  const idle = last ? last.steps.map((t) => t / Math.max(1, last.factor)) : IDLE_STEP_SECONDS;
  const f = loadFactor();
  return idle.map((t) => Math.max(1, Math.round(t * f)));
}

function recordInstall(steps, factor) {
  try {
    mkdirSync(cacheRoot, { recursive: true });
    const entry = { version: CODE_SERVER_VERSION, steps: steps.map((t) => Math.round(t)), seconds: Math.round(steps.reduce((a, b) => a + b, 0)), factor: Number(factor.toFixed(2)), at: new Date().toISOString() };
    writeFileSync(historyFile, JSON.stringify([...readHistory().slice(-9), entry], null, 2) + '\n');
  } catch {
    // the estimate falls back to the measured defaults
  }
}

function human(seconds) {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

/** Says where the install stands every `everyMs`, against the estimate; returns { step(n), stop() -> seconds per step }. */
function progress(estimates, everyMs = 15_000) {
  const started = Date.now();
  const stepStart = [];
  let step = -1;
  const elapsed = (since) => (Date.now() - since) / 1000;
  const left = () => Math.max(0, estimates[step] - elapsed(stepStart[step])) + estimates.slice(step + 1).reduce((a, b) => a + b, 0);
  const timer = setInterval(() => {
    const l = left();
    log(`${human(elapsed(started))}: ${STEP_NAMES[step]} (step ${step + 1} of ${STEP_NAMES.length}), ${l >= 1 ? `about ${human(l)} left` : 'longer than estimated; still working'}`);
  }, everyMs);
  return {
    step(n) {
      step = n;
      stepStart[n] = Date.now();
      log(`step ${n + 1} of ${STEP_NAMES.length}: ${STEP_NAMES[n]}`);
    },
    stop() {
      clearInterval(timer);
      const ends = [...stepStart.slice(1), Date.now()];
      return stepStart.map((t, i) => (ends[i] - t) / 1000);
    },
  };
}

/** Runs a command without blocking the event loop (so progress can print); rejects with a SetupError. */
function runAsync(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', ...opts });
    child.on('error', (err) => reject(new SetupError(`could not run ${cmd}: ${err.message}`)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new SetupError(`\`${cmd} ${args.join(' ')}\` failed (exit ${code}) in ${opts?.cwd ?? process.cwd()}`))));
  });
}

function checkPrerequisites() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) {
    throw new SetupError(`code-server ${CODE_SERVER_VERSION} needs Node 20 (this is ${process.version}).`);
  }
  // kerberos compiles against gssapi headers from libkrb5-dev.
  if (!existsSync('/usr/include/gssapi/gssapi.h') && !existsSync('/usr/include/gssapi.h')) {
    throw new SetupError('gssapi headers missing: install them with `sudo apt-get install -y libkrb5-dev`.');
  }
  for (const tool of ['make', 'g++', 'python3', 'tar']) {
    const res = spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    if (res.status !== 0) {
      throw new SetupError(`${tool} not found; native modules need it (Debian: \`apt-get install -y build-essential python3\`).`);
    }
  }
}

/** Names of packages with install scripts in a lock file (the nested projects' allow list). */
function packagesWithInstallScripts(lockFile) {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
  const names = new Set();
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (!key || !entry.hasInstallScript) continue;
    names.add(key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length));
  }
  return [...names].sort();
}

/** Puts rg where @vscode/ripgrep's postinstall looks before downloading from GitHub. */
function seedRipgrepCache(vscodeDir, tmpDir, env) {
  const lock = JSON.parse(readFileSync(path.join(vscodeDir, 'npm-shrinkwrap.json'), 'utf8'));
  const rgVersion = lock.packages?.['node_modules/@vscode/ripgrep']?.version;
  if (!rgVersion) throw new SetupError('lib/vscode/npm-shrinkwrap.json does not lock @vscode/ripgrep; cannot seed its cache.');
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new SetupError(`offline ripgrep seeding supports linux-x64 only (this is ${process.platform}-${process.arch}).`);
  }
  const work = path.join(tmpDir, 'rg-work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // The release tag the postinstall asks for is a constant in that exact version's script.
  log(`fetching @vscode/ripgrep@${rgVersion} and @vscode/ripgrep-linux-x64 from the npm registry`);
  run('npm', ['pack', '--silent', `@vscode/ripgrep@${rgVersion}`, '@vscode/ripgrep-linux-x64'], { cwd: work, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const tgz = readdirSync(work).filter((f) => f.endsWith('.tgz'));
  const rgPkg = tgz.find((f) => f.startsWith('vscode-ripgrep-') && !f.includes('linux-x64'));
  const binPkg = tgz.find((f) => f.includes('ripgrep-linux-x64'));
  if (!rgPkg || !binPkg) throw new SetupError(`npm pack did not produce both ripgrep packages in ${work}`);
  mkdirSync(path.join(work, 'a'));
  mkdirSync(path.join(work, 'b'));
  run('tar', ['xzf', rgPkg, '-C', 'a'], { cwd: work });
  run('tar', ['xzf', binPkg, '-C', 'b'], { cwd: work });
  const script = readFileSync(path.join(work, 'a/package/lib/postinstall.js'), 'utf8');
  const tag = /const VERSION = '([^']+)'/.exec(script)?.[1];
  if (!tag) throw new SetupError(`could not read the ripgrep release tag from @vscode/ripgrep@${rgVersion}`);
  const rgBin = findFile(path.join(work, 'b/package'), 'rg');
  if (!rgBin) throw new SetupError('@vscode/ripgrep-linux-x64 holds no rg binary');
  const cacheDir = path.join(tmpDir, `vscode-ripgrep-cache-${rgVersion}`);
  mkdirSync(cacheDir, { recursive: true });
  const archive = path.join(cacheDir, `ripgrep-${tag}-x86_64-unknown-linux-musl.tar.gz`);
  run('tar', ['czf', archive, '-C', path.dirname(rgBin), 'rg']);
  rmSync(work, { recursive: true, force: true });
  log(`seeded ${archive}`);
}

function findFile(dir, name) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(p, name);
      if (found) return found;
    } else if (entry.name === name) {
      return p;
    }
  }
  return undefined;
}

async function install() {
  checkPrerequisites();
  mkdirSync(installParent, { recursive: true });
  // Build in a staging folder and rename at the end, so an interrupted install never looks done.
  const staging = path.join(installParent, `code-server.staging-${process.pid}`);
  const tmpDir = path.join(staging, '.tmp');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  const env = {
    ...process.env,
    TMPDIR: tmpDir,
    npm_config_yes: 'true',
    npm_config_unsafe_perm: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  writeFileSync(
    path.join(staging, 'package.json'),
    JSON.stringify(
      {
        private: true,
        description: 'code-server for the integration tests and npm start (made by scripts/ensure-code-server.mjs)',
        dependencies: { 'code-server': CODE_SERVER_VERSION },
        allowScripts: { [`code-server@${CODE_SERVER_VERSION}`]: true, argon2: true },
      },
      null,
      2,
    ),
  );
  const factor = loadFactor();
  const estimates = stepEstimates();
  const total = estimates.reduce((a, b) => a + b, 0);
  log(
    `installing code-server@${CODE_SERVER_VERSION} into ${installDir} (once: later runs and other checkouts reuse it). ` +
      `Estimate: ${human(total)} on this machine (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}).`,
  );
  const p = progress(estimates);
  try {
    // Step 1: fetch and unpack only, so the nested projects can be prepared before their scripts run.
    p.step(0);
    await runAsync('npm', ['install', '--ignore-scripts', '--no-save', '--loglevel=error'], { cwd: staging, env });
    const vscodeDir = path.join(pkgDirIn(staging), 'lib', 'vscode');
    for (const dir of [vscodeDir, path.join(vscodeDir, 'extensions')]) {
      const names = packagesWithInstallScripts(path.join(dir, 'npm-shrinkwrap.json'));
      writeFileSync(path.join(dir, '.npmrc'), names.length ? `allow-scripts=${names.join(',')}\n` : '');
    }
    p.step(1);
    seedRipgrepCache(vscodeDir, tmpDir, env);
    // Step 3: the install scripts (argon2, code-server's postinstall with its nested installs).
    p.step(2);
    await runAsync('npm', ['rebuild', '--loglevel=error'], { cwd: staging, env });
    const missing = missingFiles(staging);
    if (missing.length) {
      throw new SetupError(`install finished but these are missing (an install script did not run or failed):\n  ${missing.join('\n  ')}`);
    }
    const version = codeServerVersion(path.join(pkgDirIn(staging), 'out/node/entry.js'));
    if (!version.startsWith(CODE_SERVER_VERSION)) throw new SetupError(`code-server --version printed "${version}"`);
    rmSync(tmpDir, { recursive: true, force: true });
    writeFileSync(path.join(staging, '.aop-installed.json'), JSON.stringify({ version: CODE_SERVER_VERSION, installed: new Date().toISOString() }) + '\n');
    rmSync(installDir, { recursive: true, force: true });
    renameSync(staging, installDir);
    const steps = p.stop();
    recordInstall(steps, factor);
    log(`installed ${version} in ${Math.round(steps.reduce((a, b) => a + b, 0))} s (estimated ${human(total)}; steps ${steps.map((t) => `${Math.round(t)} s`).join(', ')})`);
  } catch (err) {
    p.stop();
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** One installer at a time (e.g. `npm start` and the tests started together, or two checkouts). */
async function withInstallLock(fn) {
  mkdirSync(installParent, { recursive: true });
  const lock = path.join(installParent, 'code-server.lock');
  const deadline = Date.now() + 15 * 60_000;
  let said = false;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lock, 'utf8'));
      if (!isAlive(holder)) {
        rmSync(lock, { force: true }); // left by an installer that died
        continue;
      }
      if (Date.now() > deadline) throw new SetupError(`another install (pid ${holder}) holds ${lock} for over 15 minutes`);
      if (!said) log(`waiting for another install (pid ${holder}) to finish`);
      said = true;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function codeServerVersion(entry) {
  // Even --version writes a default config (with a password) under XDG dirs: keep it out of $HOME.
  const xdg = mkdtempSync(path.join(os.tmpdir(), 'aop-cs-version-'));
  try {
    const env = { ...process.env, XDG_CONFIG_HOME: path.join(xdg, 'config'), XDG_DATA_HOME: path.join(xdg, 'data') };
    const res = spawnSync(process.execPath, [entry, '--version'], { encoding: 'utf8', env });
    if (res.status !== 0) throw new SetupError(`code-server --version failed: ${res.stderr || res.stdout}`);
    return res.stdout.split('\n').find((l) => /^\d+\.\d+\.\d+ /.test(l)) ?? res.stdout.trim();
  } finally {
    rmSync(xdg, { recursive: true, force: true });
  }
}

/**
 * Makes sure a working code-server is in .tools/code-server/; installs it when missing or broken.
 * Returns the entry script (run it with `node`) and the version.
 */
export async function ensureCodeServer() {
  if (!isInstalled()) {
    await withInstallLock(async () => {
      if (isInstalled()) return; // another process finished it while we waited
      if (existsSync(installDir)) log('existing install is incomplete or another version; reinstalling');
      await install();
    });
  }
  return { entry: path.join(pkgDirIn(installDir), 'out/node/entry.js'), version: CODE_SERVER_VERSION, dir: installDir };
}

/** A free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts code-server on 127.0.0.1 with its own user-data, extensions and XDG folders under
 * `stateDir` (nothing lands in $HOME), waits until it answers, and returns a handle.
 * `env` is added to the server's environment, which its extension host inherits.
 * `settings` are merged under any existing User/settings.json. `folder` is opened by default.
 */
export async function startCodeServer({ stateDir, port, env = {}, settings = {}, folder, startTimeoutMs = 60_000 }) {
  const { entry } = await ensureCodeServer();
  const userDataDir = path.join(stateDir, 'user-data');
  const extensionsDir = path.join(stateDir, 'extensions');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  // Our settings are defaults: values already in the file (a person's own choices) win.
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  let existing = {};
  try {
    existing = JSON.parse(readFileSync(settingsFile, 'utf8'));
  } catch {
    // none yet, or not plain JSON: start from ours
  }
  writeFileSync(settingsFile, JSON.stringify({ ...settings, ...existing }, null, 2));
  const boundPort = port ?? (await freePort());
  const logFile = path.join(stateDir, 'code-server.log');
  const args = [
    entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${boundPort}`,
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--disable-proxy',
    '--ignore-last-opened',
    ...(folder ? [folder] : []),
  ];
  const childEnv = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(stateDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(stateDir, 'xdg-data'),
    ...env,
  };
  // code-server lets $PORT override --bind-addr; the port is ours to choose.
  delete childEnv.PORT;
  const out = createWriteStream(logFile);
  // Its own process group, so stop() also ends the extension host, pty host and watchers.
  const child = spawn(process.execPath, args, { env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = [];
  const keep = (chunk) => {
    out.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) if (line) tail.push(line);
    if (tail.length > 400) tail.splice(0, tail.length - 400);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));

  const handle = {
    port: boundPort,
    url: `http://127.0.0.1:${boundPort}/`,
    userDataDir,
    extensionsDir,
    logFile,
    pid: child.pid,
    /** Resolves with { code, signal } when the server process ends. */
    exited: exit,
    /** The last `n` lines code-server printed (its own log and the extension host's output). */
    logTail: (n = 60) => tail.slice(-n).join('\n'),
    /** Ends code-server and all its children; safe to call more than once. */
    async stop() {
      if (!exited) {
        signalGroup(child.pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 5_000);
        await exit;
        clearTimeout(timer);
      }
      // Children that outlived the server (it was killed first) still belong to the group.
      signalGroup(child.pid, 'SIGKILL');
      await new Promise((resolve) => out.end(resolve));
    },
  };

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`code-server exited during start (${JSON.stringify(exited)}):\n${handle.logTail()}`);
    if (await answers(`${handle.url}healthz`)) return handle;
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`code-server did not answer on ${handle.url} within ${startTimeoutMs} ms:\n${handle.logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

async function answers(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { entry } = await ensureCodeServer();
    log(`ready: ${codeServerVersion(entry)}`);
    log(`browser: ${ensureChromium()}`);
  } catch (err) {
    console.error(`[code-server] ERROR: ${err instanceof SetupError ? err.message : err?.stack ?? err}`);
    process.exit(1);
  }
}
