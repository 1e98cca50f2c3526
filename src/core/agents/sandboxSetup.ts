/**
 * Preparing one session's sandbox: whether it runs sandboxed (the mode and this machine), its
 * private temp folder, the CLI's state folders made so they can be bound writable, and the
 * feature's own git state (./sandboxGit.ts) with the BranchMirror that carries its commits to
 * the real branch. Required but unavailable is an error, never a silent unsandboxed run; 'auto'
 * runs unsandboxed and records why.
 */
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { EventInput } from '../events/schema';
import { AopError, errorMessage } from '../util/errors';
import { BranchMirror } from './branchMirror';
import { envGet } from './env';
import type { SandboxMode } from './launchSpec';
import { detectSandbox, type SandboxCapability } from './sandbox';
import { prepareGitSandbox, type GitSandbox } from './sandboxGit';

/** Whether this session runs sandboxed, and why (not). */
export interface SandboxStatus {
  sandboxed: boolean;
  /** on; off (turned off for this feature); unavailable (bubblewrap cannot run here). */
  state: 'on' | 'off' | 'unavailable';
  /** What was found, or why the agent runs without the sandbox. */
  reason: string;
  /** What git can do inside (sandboxed runs only). */
  git?: string;
}

export interface SandboxSetupInput {
  mode: SandboxMode;
  env: Record<string, string>;
  /** The session's private folder (its temp folder and git state go inside). */
  dir: string;
  worktree: string;
  /** The CLI's state folders under HOME. */
  stateDirs: readonly string[];
  repository?: { gitDir: string; branch: string };
  detect?: () => SandboxCapability;
  log(e: EventInput): void;
}

export interface SandboxSetup {
  status: SandboxStatus;
  /** For buildLaunchSpec; undefined when the agent runs unsandboxed. */
  launch?: { bwrap: string; tmp: string; git?: GitSandbox };
  /** Started with the agent, closed after it ended. */
  mirror?: BranchMirror;
}

export async function prepareSandbox(i: SandboxSetupInput): Promise<SandboxSetup> {
  if (i.mode === 'off') return { status: { sandboxed: false, state: 'off', reason: 'the sandbox is turned off for this feature' } };
  const cap = (i.detect ?? (() => detectSandbox(envGet(i.env, 'PATH'))))();
  if (!cap.available || !cap.bwrap) {
    if (i.mode === 'required') {
      throw new AopError('AGENT_FAILED', `The sandbox was requested but is unavailable: ${cap.reason}. Turn the provider's "sandbox" setting off to run unsandboxed.`);
    }
    i.log({ t: 'warning', message: `The agent runs without the sandbox: ${cap.reason}.` });
    return { status: { sandboxed: false, state: 'unavailable', reason: cap.reason } };
  }
  const tmp = path.join(i.dir, 'tmp');
  await mkdir(tmp);
  // The CLI's state folders must exist to be bound writable; it would make them on first use.
  const home = envGet(i.env, 'HOME');
  if (home && path.isAbsolute(home)) {
    for (const rel of i.stateDirs) if (!rel.endsWith('.json')) await mkdir(path.join(home, rel), { recursive: true }).catch(() => undefined);
  }
  let git: GitSandbox | undefined;
  let mirror: BranchMirror | undefined;
  let gitNote = 'no repository: git is read-only inside';
  if (i.repository) {
    try {
      git = await prepareGitSandbox({ ...i.repository, worktree: i.worktree, privateDir: i.dir });
      mirror = new BranchMirror({ ...git.mirror, warn: (message) => i.log({ t: 'warning', message }) });
      gitNote = `commits to ${i.repository.branch} only; config, hooks, info/ and other branches are read-only`;
    } catch (err) {
      gitNote = `git is read-only inside: ${errorMessage(err)}`;
    }
  }
  return { status: { sandboxed: true, state: 'on', reason: cap.reason, git: gitNote }, launch: { bwrap: cap.bwrap, tmp, git }, mirror };
}
