/** Shared helpers of the in-host tests: the extension's API, features on their own ids, deadlines. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AopApi } from '../../../src/extension';
import type { FeatureSummary } from '../../../src/core/orchestrator';
import { COMMANDS, DIAGNOSTIC_SOURCE, EXTENSION_ID } from '../../../src/vscode/ids';

export async function getApi(): Promise<AopApi> {
  const ext = vscode.extensions.getExtension<AopApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  const api = await ext.activate();
  await api.ready();
  api.testing.setAutoConfirm(true);
  return api;
}

export function repoRoot(api: AopApi): string {
  const repos = api.registry.repositories();
  if (repos.length !== 1) throw new Error(`expected the demo repository to be open, found ${repos.length} repositories`);
  return repos[0]!.repoRoot;
}

/** Polls until `check` holds; fails with `what` after the deadline. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const PLAN = 'version: 1\nallowed:\n  - src/**\nforbidden:\n  - secrets/**\n';

/**
 * Creates a feature through the "New Feature" command (arguments instead of quick picks), with a
 * scripted agent replaying `script` (YAML steps) from a temp file outside the repository.
 */
export async function createScriptedFeature(
  api: AopApi,
  featureId: string,
  script: string,
  o: { planYaml?: string; baseRef?: string } = {},
): Promise<{ root: string; summary: FeatureSummary; scriptFile: string }> {
  const root = repoRoot(api);
  const scriptFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aop-it-script-')), 'agent.yaml');
  fs.writeFileSync(scriptFile, script);
  const summary = await vscode.commands.executeCommand<FeatureSummary | undefined>(COMMANDS.newFeature, {
    repoRoot: root,
    featureId,
    baseRef: o.baseRef ?? 'main',
    spec: `# ${featureId}\n\nIntegration test feature.\n`,
    planYaml: o.planYaml ?? PLAN,
    provider: { provider: 'scripted', script: scriptFile },
  });
  if (!summary?.worktree) throw new Error(`feature ${featureId} was not created`);
  return { root, summary, scriptFile };
}

/** Runs git in the demo repository (the tests' own branches and refs only). */
export function git(root: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Deletes a test feature with its branch and refs, and its spec/plan folder. */
export async function removeFeature(api: AopApi, root: string, featureId: string, scriptFile?: string): Promise<void> {
  const orch = api.registry.get(root);
  if (orch?.list().some((f) => f.id === featureId && f.status === 'active')) {
    await vscode.commands.executeCommand(COMMANDS.deleteFeature, { repoRoot: root, featureId, deleteBranchAndRefs: true });
  }
  // An accepted (archived) feature keeps its branch and refs: these are the test's own.
  for (const ref of git(root, 'for-each-ref', '--format=%(refname)', `refs/aop/${featureId}/`, `refs/heads/aop/${featureId}`).split('\n').filter(Boolean)) {
    git(root, 'update-ref', '-d', ref);
  }
  // Its spec, plan and history go with it (a deleted or accepted feature is otherwise listed as archived).
  if (orch?.list().some((f) => f.id === featureId && f.status !== 'active')) await orch.forgetFeature(featureId);
  fs.rmSync(path.join(root, '.aop', 'features', featureId), { recursive: true, force: true });
  if (scriptFile) fs.rmSync(path.dirname(scriptFile), { recursive: true, force: true });
}

/** The violation diagnostics the extension shows on a file (its own source only). */
export function violationDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === DIAGNOSTIC_SOURCE);
}

export function summary(api: AopApi, root: string, featureId: string): FeatureSummary {
  return api.registry.resolve({ repoRoot: root, featureId }).summary(featureId);
}

export function readIf(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A suite's scripted feature: the API and repository set up before, the agent stopped and the feature removed after. */
export interface ScriptedFeature {
  readonly id: string;
  api: AopApi;
  root: string;
  /** Set once `create()` ran. */
  worktree: string;
  scriptFile: string | undefined;
  ref(): { repoRoot: string; featureId: string };
  /** Creates the feature (through the New Feature command) with the suite's script and plan. */
  create(o?: { planYaml?: string; baseRef?: string }): Promise<FeatureSummary>;
  /** Starts its agent through the Start Agent command. */
  start(): Promise<void>;
}

/**
 * Declares the suite's hooks (call it inside `describe`): `before` finds the API and the demo
 * repository, `after` stops the agent, runs `cleanup` (editors, settings) and removes the
 * feature with its branch, refs and script.
 */
export function useScriptedFeature(id: string, script: string, o: { cleanup?: () => Promise<void> } = {}): ScriptedFeature {
  const f: ScriptedFeature = {
    id,
    api: undefined as unknown as AopApi,
    root: '',
    worktree: '',
    scriptFile: undefined,
    ref: () => ({ repoRoot: f.root, featureId: id }),
    create: async (c = {}) => {
      const created = await createScriptedFeature(f.api, id, script, c);
      f.scriptFile = created.scriptFile;
      f.worktree = created.summary.worktree!;
      return created.summary;
    },
    start: async () => {
      await vscode.commands.executeCommand(COMMANDS.startAgent, f.ref());
    },
  };
  before(async () => {
    f.api = await getApi();
    f.root = repoRoot(f.api);
  });
  after(async () => {
    if (f.api.registry.get(f.root)?.session(id)) await vscode.commands.executeCommand(COMMANDS.stopAgent, f.ref());
    await o.cleanup?.();
    await removeFeature(f.api, f.root, id, f.scriptFile);
  });
  return f;
}
