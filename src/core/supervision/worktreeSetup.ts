/**
 * The repository's set-up command (e.g. `npm ci`), run in a feature's worktree before its agent
 * first starts: with progress, its whole output kept (bounded) in a file, and a failure that
 * blocks the start with the command's last words.
 *
 * Its files are not the agent's: the watcher is stopped while it runs, and what it changed is
 * then recorded in one checkpoint of its own (kind "set-up"), the baseline the agent starts
 * from; only then is watching resumed. Files it writes in ignored folders (node_modules, .venv)
 * are never snapshotted or validated; tracked files it changes (a rewritten lock file) are part
 * of the feature like any change, and the timeline shows they came from the set-up.
 */
import * as fs from 'node:fs/promises';
import { buildAgentEnv } from '../agents/env';
import type { AopEvent, EventInput } from '../events/schema';
import { runGateProcess } from '../gates/gateProcess';
import { AopError } from '../util/errors';

export interface SetupHost {
  worktree: string;
  /** Where the whole output is kept. */
  outputFile: string;
  log(e: EventInput): Promise<void>;
  /** Stops the feature's watcher (the command's writes are not the agent's). */
  stopWatching(): Promise<void>;
  /** Records the set-up's changes (a full checkpoint of kind "set-up"); its number. */
  checkpoint(): Promise<number>;
  /** Starts watching again (which rescans the worktree). */
  startWatching(): Promise<void>;
}

export interface SetupOptions {
  command: string;
  timeoutMs: number;
  /** The last line of output as it comes (for a progress notification). */
  onProgress?(line: string): void;
  signal?: AbortSignal;
  /** Extra environment names passed through (the agents' allowlist otherwise). */
  passEnv?: readonly string[];
  featureId: string;
}

export interface SetupResult {
  passed: boolean;
  exitCode: number | null;
  durationMs: number;
  /** The checkpoint holding the set-up's changes (passed only). */
  seq?: number;
  /** The last lines of output. */
  tail: string;
}

/** Output kept in the file: the first 256 KiB and the last 768 KiB. */
const HEAD_BYTES = 256 * 1024;
const TAIL_BYTES = 768 * 1024;

/** Whether the set-up has passed for this command, from the feature's log (the last word counts). */
export function setupDone(events: readonly AopEvent[], command: string): boolean {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.t === 'setup' && e.command === command && e.state !== 'started') return e.state === 'passed';
  }
  return false;
}

export async function runWorktreeSetup(host: SetupHost, o: SetupOptions): Promise<SetupResult> {
  const command = o.command.trim();
  if (command === '') throw new AopError('INVALID_INPUT', 'The set-up command is empty.');
  await host.log({ t: 'setup', state: 'started', command });
  await host.stopWatching();
  let pending = '';
  const r = await runGateProcess({
    command,
    cwd: host.worktree,
    env: buildAgentEnv({ parent: process.env, passEnv: o.passEnv ? [...o.passEnv] : undefined, set: { CI: 'true', AOP_FEATURE: o.featureId, AOP_SETUP: '1' } }),
    timeoutMs: o.timeoutMs,
    headBytes: HEAD_BYTES,
    tailBytes: TAIL_BYTES,
    signal: o.signal,
    onData: (d) => {
      if (!o.onProgress) return;
      pending = (pending + d.toString('utf8')).slice(-4096);
      const lines = pending.split(/\r?\n|\r/).filter((l) => l.trim() !== '');
      const last = lines[lines.length - 1];
      if (last) o.onProgress(last.slice(0, 200));
    },
  });
  const notes: string[] = [];
  if (r.spawnError) notes.push(`[aop] the command could not start: ${r.spawnError}`);
  if (r.timedOut) notes.push(`[aop] timed out after ${o.timeoutMs >= 1000 ? `${Math.round(o.timeoutMs / 1000)} s` : `${o.timeoutMs} ms`}; its process group was killed`);
  if (r.aborted) notes.push('[aop] cancelled; its process group was killed');
  const output = [`[aop] set-up: ${command}`, r.output.replace(/\n$/, ''), ...notes].filter((s) => s !== '').join('\n') + '\n';
  await fs.writeFile(host.outputFile, output, { mode: 0o600 });
  const tail = output.trimEnd().split('\n').slice(-8).join('\n').slice(-2000);
  const passed = r.exitCode === 0 && !r.timedOut && !r.aborted && r.spawnError === undefined;
  let seq: number | undefined;
  try {
    // Whatever happened, the worktree is checkpointed and watched again before anyone goes on.
    seq = await host.checkpoint();
  } finally {
    await host.startWatching();
  }
  await host.log({ t: 'setup', state: passed ? 'passed' : 'failed', command, exitCode: r.exitCode, durationMs: r.durationMs, output: tail, ...(passed ? { seq } : {}) });
  return { passed, exitCode: r.exitCode, durationMs: r.durationMs, ...(passed ? { seq } : {}), tail };
}

/** The error that blocks an agent's start after a failed set-up. */
export function setupFailed(command: string, r: SetupResult, outputFile: string): AopError {
  const how = r.exitCode === null ? 'did not finish' : `exited with code ${r.exitCode}`;
  return new AopError('SETUP_FAILED', `The set-up command \`${command}\` ${how}, so the agent was not started. Its last lines:\n${r.tail}\nFull output: ${outputFile}`, {
    details: { command, exitCode: r.exitCode, outputFile },
  });
}
