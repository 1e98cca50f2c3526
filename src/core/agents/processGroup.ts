/**
 * Signals to a whole process group. An agent is started as the leader of its own group, so
 * signalling `-pid` reaches everything it started (test runners, dev servers, `sleep`s), which
 * is what makes stop and pause mean something. Windows has no groups or SIGSTOP: stop uses
 * `taskkill /T` on the tree and pause is reported as unsupported.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
