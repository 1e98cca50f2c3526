// `npm start`: builds the extension, then serves a browser-based VS Code (code-server) on
// http://127.0.0.1:$PORT (default 8080) with the extension loaded and a demo repository open.
// Loopback only. Ctrl+C stops everything. The editor's state lives in .tools/start/; the demo
// repository lives OUTSIDE this checkout (~/.local/share/aop-vscode/demo, or $AOP_DEMO_DIR), so
// VS Code's Git and TypeScript do not see the extension's own repository and tsconfig around it;
// code-server is installed once per user (see ensure-code-server.mjs).
//
// The extension is loaded as an installed extension through a symlink in code-server's
// extensions folder (so the plain URL works, no query string needed). After rebuilding
// (`node esbuild.mjs`), run "Developer: Reload Window" in the page to pick up the change.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoRepo } from './demo-repo.mjs';
import { ensureCodeServer, startCodeServer } from './ensure-code-server.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = path.join(repoRoot, '.tools', 'start');
const dataRoot = path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'aop-vscode');
const demoDir = process.env.AOP_DEMO_DIR ? path.resolve(process.env.AOP_DEMO_DIR) : path.join(dataRoot, 'demo');
const legacyDemo = path.join(repoRoot, '.tools', 'demo');

const SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
};

const started = Date.now();
function log(msg) {
  console.log(`[start] ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s  ${msg}`);
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * Makes the extensions folder hold exactly one symlink to this repository, named the way
 * VS Code names installed extensions, and drops the scan caches so manifest edits show up.
 */
function linkExtension() {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const extensionsDir = path.join(stateDir, 'extensions');
  rmSync(extensionsDir, { recursive: true, force: true });
  mkdirSync(extensionsDir, { recursive: true });
  symlinkSync(repoRoot, path.join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`), 'dir');
  const cached = path.join(stateDir, 'user-data', 'CachedProfilesData');
  if (existsSync(cached)) {
    for (const profile of readdirSync(cached)) rmSync(path.join(cached, profile, 'extensions.user.cache'), { force: true });
  }
  return `${pkg.publisher}.${pkg.name}`;
}

async function main() {
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`PORT must be a TCP port number, got "${process.env.PORT}"`);
  if (!(await portIsFree(port))) throw new Error(`port ${port} on 127.0.0.1 is in use: stop whatever holds it or run with PORT=<another port> npm start`);

  const rel = path.relative(repoRoot, demoDir);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
    throw new Error(`AOP_DEMO_DIR (${demoDir}) is inside this checkout; put the demo outside it, or VS Code sees the extension's repository and tsconfig around it`);
  }
  log('step 1 of 4: building the extension (a few seconds)');
  const build = spawnSync(process.execPath, [path.join(repoRoot, 'esbuild.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed (see above)');

  log('step 2 of 4: code-server (installed once per user, then reused)');
  await ensureCodeServer();
  log('step 3 of 4: the demo repository');
  const { reused } = createDemoRepo(demoDir, { reuse: true });
  log(`${reused ? 'reusing' : 'created'} the demo repository ${demoDir} (delete it for a fresh one)`);
  if (existsSync(legacyDemo)) log(`note: ${path.relative(repoRoot, legacyDemo)}/ is an old demo inside this checkout and is no longer used; delete it`);
  const extensionId = linkExtension();

  log('step 4 of 4: starting VS Code');
  const server = await startCodeServer({ stateDir, port, folder: demoDir, settings: SETTINGS });
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    log('stopped');
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => void stop(0));
  void server.exited.then(() => {
    if (stopping) return;
    console.error(`[start] code-server stopped unexpectedly:\n${server.logTail(40)}`);
    void stop(1);
  });

  log(`VS Code with ${extensionId} is ready: http://127.0.0.1:${port}/ (took ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  log(`log: ${path.relative(repoRoot, server.logFile)}    Ctrl+C to stop`);
}

main().catch((err) => {
  console.error(`[start] ERROR: ${err?.message ?? err}`);
  process.exit(1);
});
