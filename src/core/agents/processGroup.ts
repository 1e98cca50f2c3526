/**
 * Signals to a whole process group. An agent is started as the leader of its own group, so
 * signalling `-pid` reaches everything it started (test runners, dev servers, `sleep`s), which
 * is what makes stop and pause mean something. Windows has no groups or SIGSTOP: stop uses
 * `taskkill /T` on the tree and pause is reported as unsupported.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export type GroupSignal = 'SIGTERM' | 'SIGKILL' | 'SIGSTOP' | 'SIGCONT';

export function groupSignalsSupported(platform: NodeJS.Platform = process.platform): boolean {
  return platform !== 'win32';
}

/** Sends `signal` to the group led by `pid`. Returns false when no such group is left. */
export function signalGroup(pid: number, signal: GroupSignal): boolean {
  if (process.platform === 'win32') {
    if (signal === 'SIGTERM' || signal === 'SIGKILL') {
      const r = spawnSync('taskkill', ['/pid', String(pid), '/T', ...(signal === 'SIGKILL' ? ['/F'] : [])], { windowsHide: true, stdio: 'ignore' });
      return r.status === 0;
    }
    return false;
  }
  try {
    process.kill(-pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** True while any process of the group is left (including zombies not yet reaped). */
export function groupAlive(pid: number): boolean {
  if (process.platform === 'win32') return pidAlive(pid);
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True while the process runs. A zombie (dead, not yet reaped: orphans in containers whose init
 * does not reap) counts as gone, which is why Linux reads /proc rather than trusting kill(0).
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * Resolves once every process of the group led by `pid` is stopped, or after `timeoutMs`
 * (returning false). SIGSTOP is only queued when kill() returns: a process in the middle of a
 * write finishes that write first. Before rewriting the worktree under a paused agent, wait for
 * the stop to be real. Where there is no /proc (not Linux) it cannot be seen: true at once.
 */
export async function groupStopped(pid: number, timeoutMs = 2000): Promise<boolean> {
  if (process.platform !== 'linux') return true;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (groupStates(pid).every((s) => s === 'T' || s === 't' || s === 'Z' || s === 'X')) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The /proc state letter of each process in group `pgid`. */
function groupStates(pgid: number): string[] {
  const states: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // After "(comm)": state, ppid, pgrp, ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) states.push(fields[0]!);
  }
  return states;
}
