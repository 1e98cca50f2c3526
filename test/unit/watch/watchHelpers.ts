/** Shared helpers for the watch tests: temp folders, an event recorder, a writer process. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RawChangeKind, RawEvent, WatcherOptions } from '../../../src/core/watch/types';

export async function makeTempDir(prefix = 'aop-watch-'): Promise<string> {
  // realpath: backends report real paths, and the tests compare against them.
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Records raw events by root-relative path. */
export class Recorder {
  readonly kinds = new Map<string, Set<RawChangeKind>>();
  readonly errors: { err: Error; overflow: boolean }[] = [];
  total = 0;
  constructor(private readonly root: string) {}

  readonly onEvents = (events: RawEvent[]): void => {
    for (const e of events) {
      this.total++;
      const rel = path.relative(this.root, e.path).split(path.sep).join('/');
      let set = this.kinds.get(rel);
      if (!set) this.kinds.set(rel, (set = new Set()));
      set.add(e.kind);
    }
  };

  readonly onError = (err: Error, overflow: boolean): void => {
    this.errors.push({ err, overflow });
  };

  has(rel: string, kind?: RawChangeKind): boolean {
    const set = this.kinds.get(rel);
    return set !== undefined && (kind === undefined || set.has(kind));
  }

  /** Paths seen at or under `prefix`. */
  under(prefix: string): string[] {
    return [...this.kinds.keys()].filter((p) => p === prefix || p.startsWith(prefix + '/'));
  }

  missing(expected: Iterable<string>): string[] {
    const out: string[] = [];
    for (const p of expected) if (!this.kinds.has(p)) out.push(p);
    return out;
  }
}

/**
 * Writes `folders` x `filesPerFolder` files under `root` from a separate process, the way an agent
 * would: each folder is created and immediately filled. Resolves with the relative paths written.
 */
export async function writeBurst(root: string, folders: number, filesPerFolder: number, prefix = 'burst'): Promise<string[]> {
  const script = `
    const fs = require('fs'), path = require('path');
    const [root, folders, per, prefix] = [process.argv[1], +process.argv[2], +process.argv[3], process.argv[4]];
    for (let d = 0; d < folders; d++) {
      const dir = path.join(root, prefix, 'd' + d);
      fs.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < per; f++) fs.writeFileSync(path.join(dir, 'f' + f + '.txt'), 'content ' + d + '/' + f);
    }`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, root, String(folders), String(filesPerFolder), prefix], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`))));
  });
  const written: string[] = [];
  for (let d = 0; d < folders; d++) for (let f = 0; f < filesPerFolder; f++) written.push(`${prefix}/d${d}/f${f}.txt`);
  return written;
}

/** A FileWatcher driven by the test: it delivers what the test pushes, as a backend would. */
export class FakeWatcher {
  readonly backend = 'chokidar' as const;
  started = false;
  closed = false;
  constructor(readonly opts: WatcherOptions) {}
  start(): Promise<void> {
    this.started = true;
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  push(kind: RawChangeKind, ...rels: string[]): void {
    this.opts.onEvents(rels.map((r) => ({ path: path.join(this.opts.root, r), kind })));
  }
  fail(err: Error, overflow: boolean): void {
    this.opts.onError(err, overflow);
  }
}

export function git(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`git ${args.join(' ')} failed (${code}): ${err}`))));
  });
}

/** A real repository with one commit, and a linked worktree beside it (whose `.git` is a file). */
export async function makeRepoWithWorktree(base: string): Promise<{ repo: string; worktree: string }> {
  const repo = path.join(base, 'repo');
  const worktree = path.join(base, 'wt');
  await fs.mkdir(repo);
  await git(repo, 'init', '-q', '-b', 'main');
  await git(repo, 'config', 'user.email', 'test@example.invalid');
  await git(repo, 'config', 'user.name', 'Test');
  await fs.writeFile(path.join(repo, 'README.md'), 'hello\n');
  await fs.mkdir(path.join(repo, 'src'));
  await fs.writeFile(path.join(repo, 'src', 'a.txt'), 'a\n');
  await git(repo, 'add', '.');
  await git(repo, 'commit', '-q', '-m', 'init');
  await git(repo, 'worktree', 'add', '-q', '-b', 'feature', worktree);
  return { repo, worktree };
}
