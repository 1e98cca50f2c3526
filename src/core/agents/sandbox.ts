/**
 * The write sandbox (Linux, on by default where it works): bubblewrap with the whole file
 * system read-only and only the worktree, the feature's own git state (./sandboxGit.ts), a
 * private temp folder, the CLI's own state folders and package caches writable. The network
 * is left alone. Whether it works is detected (bwrap present AND a trial run succeeds; user
 * namespaces are often disabled in containers) and shown, never assumed: where it does not
 * work an agent runs unsandboxed only when the setting is 'auto', and the feature says why;
 * when the sandbox was required the start fails.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveCommand } from './resolveCommand';

export interface SandboxCapability {
  available: boolean;
  /** What was found, or why it is unavailable. */
  reason: string;
  bwrap?: string;
}

const BASE = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
let cached: SandboxCapability | undefined;

export function detectSandbox(pathEnv = process.env.PATH, refresh = false): SandboxCapability {
  if (cached && !refresh) return cached;
  cached = probeSandbox(pathEnv);
  return cached;
}

function probeSandbox(pathEnv: string | undefined): SandboxCapability {
  if (process.platform !== 'linux') return { available: false, reason: `the sandbox uses bubblewrap, which exists only on Linux (this is ${process.platform})` };
  const bwrap = resolveCommand('bwrap', { pathEnv });
  if (!bwrap) return { available: false, reason: 'bubblewrap (bwrap) is not installed; install it (e.g. apt install bubblewrap) to sandbox agents' };
  const trial = spawnSync(bwrap.path, [...BASE, 'true'], { timeout: 10_000, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (trial.status !== 0) {
    const why = (trial.stderr || trial.error?.message || `exit ${trial.status}`).trim().split('\n')[0];
    return { available: false, reason: `bubblewrap is installed but cannot run here (${why}); user namespaces may be disabled`, bwrap: bwrap.path };
  }
  return { available: true, reason: `bubblewrap at ${bwrap.path}`, bwrap: bwrap.path };
}

export interface SandboxLayout {
  cwd: string;
  /** Folders (and files) the agent may write; each must exist. */
  writable: string[];
  /** Private folders mounted writable over a path: [source, target] (both must exist). */
  overlays?: readonly (readonly [string, string])[];
  /** Read-only holes inside writable folders, mounted last (each must exist). */
  readOnly?: string[];
}

/** The bwrap command line that runs `command args` inside the layout. */
export function sandboxArgs(layout: SandboxLayout, command: string, args: string[], exists: (p: string) => boolean = fs.existsSync): string[] {
  // Order matters: bwrap mounts in argument order, so holes come after what they punch into.
  const binds = layout.writable.filter((p) => exists(p)).flatMap((p) => ['--bind', p, p]);
  const overlays = (layout.overlays ?? []).filter(([src, dst]) => exists(src) && exists(dst)).flatMap(([src, dst]) => ['--bind', src, dst]);
  const holes = (layout.readOnly ?? []).filter((p) => exists(p)).flatMap((p) => ['--ro-bind', p, p]);
  // --die-with-parent: if bwrap goes, the agent goes. No --new-session: the agent must stay in
  // our process group so stop and pause reach it.
  return [...BASE, ...binds, ...overlays, ...holes, '--chdir', layout.cwd, '--die-with-parent', '--', command, ...args];
}

/** The CLI's state folders under HOME that exist (created by the CLI itself on first use). */
export function stateDirs(home: string | undefined, rels: readonly string[], exists: (p: string) => boolean = fs.existsSync): string[] {
  if (!home) return [];
  return rels.map((r) => path.join(home, r)).filter((p) => exists(p));
}

/**
 * Package managers' download caches under HOME, kept writable so installs work in the sandbox.
 * Only caches: folders that hold programs on PATH (~/.cargo/bin, ~/go/bin, ~/.local/bin) stay
 * read-only, since a program planted there would run the next time the user types its name.
 */
export const PACKAGE_CACHES: readonly string[] = [
  '.npm',
  '.cache/pip',
  '.cache/uv',
  '.cache/yarn',
  '.cache/pnpm',
  '.cache/go-build',
  '.cache/node-gyp',
  '.local/share/pnpm/store',
  '.yarn/berry/cache',
  '.bun/install/cache',
  'go/pkg/mod',
  '.cargo/registry',
  '.cargo/git',
  '.m2/repository',
  '.gradle/caches',
];
