/** Real git repositories in temp folders for tests; never the user's. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TempRepo {
  dir: string;
  git(...args: string[]): string;
  write(rel: string, content: string | Buffer, mode?: number): void;
  read(rel: string): Buffer;
  commitAll(message?: string): string;
  cleanup(): void;
}

export function makeTempDir(prefix = 'aop-test-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

export function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
    maxBuffer: 256 * 1024 * 1024,
  }).replace(/\n$/, '');
}

/** A repository with one commit holding `files` (default: a README). */
export function makeTempRepo(files: Record<string, string> = { 'README.md': '# demo\n' }): TempRepo {
  const root = makeTempDir('aop-repo-');
  const dir = path.join(root, 'repo');
  fs.mkdirSync(dir);
  const repo: TempRepo = {
    dir,
    git: (...args) => gitIn(dir, ...args),
    write(rel, content, mode) {
      const abs = path.join(dir, rel);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, content);
      if (mode !== undefined) fs.chmodSync(abs, mode);
    },
    read: (rel) => fs.readFileSync(path.join(dir, rel)),
    commitAll(message = 'commit') {
      gitIn(dir, 'add', '-A');
      gitIn(dir, 'commit', '-q', '--allow-empty', '-m', message);
      return gitIn(dir, 'rev-parse', 'HEAD');
    },
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
  gitIn(dir, 'init', '-q', '-b', 'main');
  gitIn(dir, 'config', 'user.email', 't@t');
  gitIn(dir, 'config', 'user.name', 't');
  for (const [p, c] of Object.entries(files)) repo.write(p, c);
  repo.commitAll('initial');
  return repo;
}

/** What `git add -A && git write-tree` would record for a work tree, computed in a throwaway index. */
export function referenceTree(worktree: string): string {
  const index = path.join(makeTempDir('aop-idx-'), 'index');
  const env = { ...process.env, GIT_INDEX_FILE: index };
  execFileSync('git', ['add', '-A'], { cwd: worktree, env });
  const tree = execFileSync('git', ['write-tree'], { cwd: worktree, env, encoding: 'utf8' }).trim();
  fs.rmSync(path.dirname(index), { recursive: true, force: true });
  return tree;
}

/** The user's state that must never change: index, HEAD, branches, stash. */
export function userState(dir: string): string {
  const index = path.join(gitIn(dir, 'rev-parse', '--absolute-git-dir'), 'index');
  const idx = fs.existsSync(index) ? fs.readFileSync(index).toString('base64') : '';
  return JSON.stringify({
    head: gitIn(dir, 'rev-parse', 'HEAD'),
    symbolic: gitIn(dir, 'symbolic-ref', '-q', 'HEAD'),
    branches: gitIn(dir, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/stash'),
    status: gitIn(dir, 'status', '--porcelain=v1', '--untracked-files=all'),
    idx,
  });
}
