/**
 * The scripted agent as a plain CLI: edits land directly on disk, progress goes to stdout, and
 * messages arrive as stdin lines. Each message is acknowledged on receipt with `ACK <id>`
 * (unless the script says `ackMessages: false`), which is the signal the orchestrator waits for.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { runSteps } from './runner';
import type { ScriptEffects } from './runner';
import type { Script } from './schema';

interface Incoming {
  id?: string;
  text: string;
}

export async function runPlain(script: Script, opts: { cwd: string; prompt?: string }): Promise<number> {
  const out = (line: string) => new Promise<void>((r) => process.stdout.write(line + '\n', () => r()));
  const abs = (p: string) => path.resolve(opts.cwd, p);

  // Messages are read (and acknowledged) as they come, whatever the script is doing.
  const inbox: Incoming[] = [];
  let waiter: (() => void) | undefined;
  let stdinEnded = false;
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    const msg = parseMessage(line);
    if (msg.id !== undefined && script.ackMessages) process.stdout.write(`ACK ${msg.id}\n`);
    inbox.push(msg);
    waiter?.();
  });
  rl.on('close', () => {
    stdinEnded = true;
    waiter?.();
  });
  const nextMessage = async (): Promise<Incoming | undefined> => {
    while (inbox.length === 0 && !stdinEnded) await new Promise<void>((r) => (waiter = r));
    waiter = undefined;
    return inbox.shift();
  };

  const fx: ScriptEffects = {
    print: (text) => out(text),
    async write(p, content, _ask, quiet) {
      await fs.mkdir(path.dirname(abs(p)), { recursive: true });
      await fs.writeFile(abs(p), content);
      if (!quiet) await out(`write ${p}`);
    },
    async append(p, content) {
      await fs.mkdir(path.dirname(abs(p)), { recursive: true });
      await fs.appendFile(abs(p), content);
      await out(`append ${p}`);
    },
    async remove(p) {
      await fs.rm(abs(p), { recursive: true, force: true });
      await out(`delete ${p}`);
    },
    async rename(from, to) {
      await fs.mkdir(path.dirname(abs(to)), { recursive: true });
      await fs.rename(abs(from), abs(to));
      await out(`rename ${from} ${to}`);
    },
    async symlink(p, target) {
      await fs.symlink(target, abs(p));
      await out(`symlink ${p} -> ${target}`);
    },
    async chmod(p, mode) {
      await fs.chmod(abs(p), mode);
      await out(`chmod ${p} ${mode.toString(8)}`);
    },
    async mkdir(p) {
      await fs.mkdir(abs(p), { recursive: true });
      await out(`mkdir ${p}`);
    },
    async run(command) {
      await out(`run ${command}`);
      const code = await runShell(command, opts.cwd, 'inherit');
      await out(`run exited ${code}`);
    },
    usage: (report) => out(`USAGE ${JSON.stringify(report)}`),
    async exit(code) {
      await out(`exit ${code}`);
      process.exit(code);
    },
    cancelled: () => false,
  };

  if (opts.prompt !== undefined) await out(`PROMPT ${opts.prompt.split('\n')[0]}`);
  for await (const _pause of runSteps(script.steps, fx)) {
    const msg = await nextMessage();
    await out(msg ? `MESSAGE ${msg.text}` : 'MESSAGE (stdin closed)');
  }
  if (script.stayAlive) {
    for (let msg = await nextMessage(); msg; msg = await nextMessage()) await out(`MESSAGE ${msg.text}`);
  }
  await out('done');
  rl.close();
  return 0;
}

function parseMessage(line: string): Incoming {
  try {
    const m = JSON.parse(line) as { type?: unknown; id?: unknown; text?: unknown };
    if (m && m.type === 'message' && typeof m.text === 'string') return { id: typeof m.id === 'string' ? m.id : undefined, text: m.text };
  } catch {
    // Not JSON: a bare line of text is a message without an id.
  }
  return { text: line };
}

/** Runs a shell command and resolves with its exit code. */
export function runShell(command: string, cwd: string, stdio: 'inherit' | 'stderr'): Promise<number> {
  const [sh, flag] = process.platform === 'win32' ? [process.env.ComSpec ?? 'cmd.exe', '/c'] : ['/bin/sh', '-c'];
  return new Promise((resolve) => {
    const child = spawn(sh, [flag, command], { cwd, stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 2, 2] });
    child.on('error', () => resolve(127));
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
