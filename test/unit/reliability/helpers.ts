/**
 * Shared set-up for the reliability suite: a feature's checkpoint lane, log and rollback on a
 * real worktree of a real temp repository, plus exact comparisons of what is on disk with what
 * a checkpoint recorded, and the invariants every fault must leave intact.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { featurePaths } from '../../../src/core/features/featurePaths';
import type { FeatureState } from '../../../src/core/features/featureState';
import { FeatureRuntime } from '../../../src/core/orchestrator/featureRuntime';
import { DEFAULT_SETTINGS, type OrchestratorSettings } from '../../../src/core/orchestrator/types';
import { gitIn, makeTempDir, userState, type TempRepo } from '../helpers/tempRepo';
import { addWorktree } from './lane';

export * from './lane';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** A FeatureRuntime (what the orchestrator runs per feature) on a worktree made by hand, watcher off until asked. */
export async function openRuntime(repo: TempRepo, id: string, base: string, settings: Partial<OrchestratorSettings> = {}): Promise<FeatureRuntime> {
  const wt = addWorktree(repo.dir, id, base);
  const state: FeatureState = {
    version: 1,
    id,
    baseRef: 'main',
    baseCommit: base,
    branch: `aop/${id}`,
    worktree: wt,
    createdAt: new Date().toISOString(),
    breaker: { open: false, failures: 0, errors: [] },
  };
  const s: OrchestratorSettings = { ...DEFAULT_SETTINGS, reconcileIntervalMs: 0, watchMainCheckout: false, debounceMs: 50, maxWaitMs: 200, ...settings };
  return FeatureRuntime.open(state, featurePaths(repo.dir, id), () => s);
}

/** `referenceTree` of helpers/tempRepo (what `git add -A && git write-tree` records), without git's hints on stderr. */
export function referenceTree(worktree: string): string {
  const index = path.join(makeTempDir('aop-idx-'), 'index');
  const env = { ...process.env, GIT_INDEX_FILE: index };
  try {
    execFileSync('git', ['-c', 'advice.addEmbeddedRepo=false', 'add', '-A'], { cwd: worktree, env, stdio: 'pipe' });
    return execFileSync('git', ['write-tree'], { cwd: worktree, env, encoding: 'utf8' }).trim();
  } finally {
    fs.rmSync(path.dirname(index), { recursive: true, force: true });
  }
}

/** `userState` (index, HEAD, branches, stash, status) minus the feature branches `aop/*` that features add. */
export function userStateBesidesFeatures(dir: string): string {
  const s = JSON.parse(userState(dir)) as Record<string, string>;
  s.branches = s.branches!.split('\n').filter((l) => !l.startsWith('refs/heads/aop/')).join('\n');
  return JSON.stringify(s);
}

export type TreeState = Record<string, string>;

/**
 * Every file and symlink under `dir` (not `.git`, not empty folders: git records neither), as
 * "mode:content" with content in base64, so two states compare byte for byte, mode for mode.
 */
export function treeState(dir: string): TreeState {
  const out: TreeState = {};
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(rel ? path.join(dir, rel) : dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (r === '.git') continue;
      const abs = path.join(dir, r);
      const st = fs.lstatSync(abs);
      if (st.isSymbolicLink()) out[r] = `120000:${fs.readlinkSync(abs, { encoding: 'buffer' }).toString('base64')}`;
      else if (st.isDirectory()) {
        if (fs.existsSync(path.join(abs, '.git'))) out[r] = '160000';
        else walk(r);
      } else out[r] = `${st.mode & 0o100 ? '100755' : '100644'}:${fs.readFileSync(abs).toString('base64')}`;
    }
  };
  walk('');
  return out;
}

/** The same shape read from a commit with `git ls-tree -r` and `git cat-file --batch`: what a checkpoint holds. */
export function commitState(cwd: string, commit: string): TreeState {
  const out: TreeState = {};
  const ls = execFileSync('git', ['ls-tree', '-r', '-z', '--full-tree', commit], { cwd, maxBuffer: 256 * 1024 * 1024 }).toString('utf8');
  const blobs: { path: string; mode: string; oid: string }[] = [];
  for (const rec of ls.split('\0')) {
    if (!rec) continue;
    const tab = rec.indexOf('\t');
    const [mode, , oid] = rec.slice(0, tab).split(' ');
    const p = rec.slice(tab + 1);
    if (mode === '160000') out[p] = '160000';
    else blobs.push({ path: p, mode: mode!, oid: oid! });
  }
  if (blobs.length === 0) return out;
  const data = execFileSync('git', ['cat-file', '--batch'], { cwd, input: blobs.map((b) => b.oid).join('\n') + '\n', maxBuffer: 1024 * 1024 * 1024 });
  let at = 0;
  for (const b of blobs) {
    const nl = data.indexOf(10, at);
    const size = Number(data.subarray(at, nl).toString('latin1').split(' ')[2]);
    out[b.path] = `${b.mode}:${data.subarray(nl + 1, nl + 1 + size).toString('base64')}`;
    at = nl + 1 + size + 1;
  }
  return out;
}

/** refs/aop/<id>/<seq>, oldest first. */
export function checkpointRefs(cwd: string, id: string): { seq: number; commit: string }[] {
  const out = gitIn(cwd, 'for-each-ref', '--format=%(refname) %(objectname)', `refs/aop/${id}/`);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '))
    .filter(([name]) => /\/\d+$/.test(name!))
    .map(([name, commit]) => ({ seq: Number(name!.slice(name!.lastIndexOf('/') + 1)), commit: commit! }))
    .sort((a, b) => a.seq - b.seq);
}

/**
 * The invariant every fault must keep: checkpoints are numbered 1..n without gaps, each ref
 * names a commit whose parent is the previous checkpoint (the first's is the base), and every
 * object they reach is present. Returns the refs.
 */
export function assertRefsConsistent(cwd: string, id: string, base: string): { seq: number; commit: string }[] {
  const refs = checkpointRefs(cwd, id);
  let parent = base;
  refs.forEach((r, i) => {
    assert.equal(r.seq, i + 1, `checkpoint numbers have no gaps (${refs.map((x) => x.seq).join(',')})`);
    assert.equal(gitIn(cwd, 'cat-file', '-t', r.commit), 'commit', `refs/aop/${id}/${r.seq} names a commit`);
    assert.equal(gitIn(cwd, 'rev-parse', `${r.commit}^`), parent, `checkpoint ${r.seq} chains to the one before`);
    parent = r.commit;
  });
  if (refs.length > 0) {
    // Walks every commit, tree and blob reachable from the newest checkpoint: fails on any missing or corrupt object.
    execFileSync('git', ['rev-list', '--objects', '--quiet', refs[refs.length - 1]!.commit], { cwd, stdio: 'pipe' });
    execFileSync('git', ['merge-base', '--is-ancestor', base, refs[refs.length - 1]!.commit], { cwd });
  }
  return refs;
}

export interface Worker {
  child: ChildProcess;
  /** Lines the worker printed so far. */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: the worker alone, or its whole process group (its git children die with it). */
  kill(group: boolean): void;
}

/** Runs `crashWorker.ts` in its own process group with `node --import tsx`. */
export function startWorker(args: Record<string, unknown>): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'crashWorker.ts'), JSON.stringify(args)], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      if (code !== null && code !== 0) lines.push(`stderr: ${err}`);
      resolve({ code, signal });
    }),
  );
  return {
    child,
    lines,
    exited,
    kill(group) {
      try {
        if (group) process.kill(-child.pid!, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
