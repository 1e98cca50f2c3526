/**
 * Runs one gate command: through the platform shell, as the leader of its own process group,
 * stdin closed, stdout and stderr captured together in bounded memory. A timeout (or an abort)
 * sends SIGTERM to the whole group, then SIGKILL after a grace period; when the leader exits,
 * whatever it left running in its group is killed too, so a gate never leaves processes behind
 * (and a background child holding the pipe open cannot make the run hang).
 */
import { spawn } from 'node:child_process';
import { signalGroup } from '../agents/processGroup';
import { BoundedOutput, cleanOutput } from './boundedOutput';

export interface GateProcessOptions {
  /** The command line, run by `/bin/sh -c` (cmd.exe `/d /s /c` on Windows). */
  command: string;
  /** Absolute, already validated folder. */
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Output kept: this many bytes from the start and three times as many from the end. */
  headBytes?: number;
  tailBytes?: number;
  /** Time SIGTERM gets before SIGKILL. */
  killGraceMs?: number;
  signal?: AbortSignal;
  /** Each chunk of output as it arrives (progress for a person watching). */
  onData?(chunk: Buffer): void;
}

export interface GateProcessResult {
  /** null when the process was ended by a signal or could not start. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  /** Cleaned, bounded output (stdout and stderr interleaved as they arrived). */
  output: string;
  /** Bytes of output seen but not kept. */
  omittedBytes: number;
  /** Why the command could not be started, if it could not. */
  spawnError?: string;
}

export const DEFAULT_HEAD_BYTES = 16 * 1024;
export const DEFAULT_TAIL_BYTES = 48 * 1024;

export function runGateProcess(opts: GateProcessOptions): Promise<GateProcessResult> {
  const started = performance.now();
  const out = new BoundedOutput(opts.headBytes ?? DEFAULT_HEAD_BYTES, opts.tailBytes ?? DEFAULT_TAIL_BYTES);
  const grace = opts.killGraceMs ?? 2000;
  const win = process.platform === 'win32';
  return new Promise((resolve) => {
    let timedOut = false;
    let aborted = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let spawnError: string | undefined;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let closeTimer: NodeJS.Timeout | undefined;

    const child = win
      ? spawn(process.env.ComSpec ?? 'cmd.exe', ['/d', '/s', '/c', `"${opts.command}"`], {
          cwd: opts.cwd,
          env: opts.env,
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
          windowsVerbatimArguments: true,
        })
      : spawn('/bin/sh', ['-c', opts.command], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;

    const terminate = () => {
      if (pid === undefined) return;
      killGroup(pid, 'SIGTERM');
      killTimer ??= setTimeout(() => killGroup(pid, 'SIGKILL'), grace);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, opts.timeoutMs);
    const onAbort = () => {
      aborted = true;
      terminate();
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });

    const take = (d: Buffer) => {
      out.push(d);
      opts.onData?.(d);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      clearTimeout(closeTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        exitCode,
        signal: exitSignal,
        timedOut,
        aborted,
        durationMs: Math.round(performance.now() - started),
        output: cleanOutput(out.text()),
        omittedBytes: out.omitted,
        spawnError,
      });
    };

    child.on('error', (e) => {
      spawnError = e.message;
      finish();
    });
    child.on('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      // Stragglers in the group (a server the gate started, a `sleep &`) go with the leader.
      if (pid !== undefined && !win) killGroup(pid, 'SIGKILL');
      // Streams normally end right after; a grandchild outside the group could hold them open.
      closeTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, 2000);
    });
    child.on('close', finish);
  });
}

/** Signals the group, never throwing: a group that is already gone is the goal reached. */
function killGroup(pid: number, signal: 'SIGTERM' | 'SIGKILL'): void {
  try {
    signalGroup(pid, signal);
  } catch {
    // EPERM: the pid was reused by a process we do not own; nothing of ours is left to kill.
  }
}
