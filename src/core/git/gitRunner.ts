/**
 * Every git call the product makes goes through here, with repository-controlled code switched
 * off: an agent can write the shared `.git/config`, hooks and attributes, and that must never
 * make our own git calls run its code. Each call is checked against the allowlist in
 * gitPolicy.ts (commands that run no attribute-chosen driver, with the flags that make sure),
 * gets the `-c` overrides that switch off hooks, fsmonitor, pagers, external diff, credential
 * helpers and signing, and a cleaned environment. Commands that would run filters or merge
 * drivers (checkout, merge, add) run only in the sealed context (sealedGit.ts).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { AopError } from '../util/errors';
import { checkedGitArgs, SAFE_GIT_CONFIG, SAFE_GIT_OPTIONS, type GitContext } from './gitPolicy';

export { SAFE_GIT_CONFIG } from './gitPolicy';

/** Environment variables that would redirect git away from the repository we mean. */
const STRIPPED_ENV = [
  'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_CEILING_DIRECTORIES', 'GIT_EXTERNAL_DIFF', 'GIT_PAGER', 'GIT_EDITOR',
  'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_ASKPASS', 'SSH_ASKPASS', 'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT',
  'GIT_EXEC_PATH', 'GIT_TRACE', 'GIT_FLUSH', 'GIT_CONFIG', 'GIT_ATTR_SOURCE', 'GIT_REPLACE_REF_BASE',
  'GIT_SHALLOW_FILE', 'GIT_PROXY_COMMAND', 'GIT_SEQUENCE_EDITOR',
];

/** Environment a caller may set for one call: the identity of commits it writes. */
const CALLER_ENV = /^GIT_(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)$/;

export function gitEnv(extra?: NodeJS.ProcessEnv, sealed?: SealedEnv): NodeJS.ProcessEnv {
  for (const k of Object.keys(extra ?? {})) {
    if (k.startsWith('GIT_') && !CALLER_ENV.test(k)) throw new AopError('INVALID_INPUT', `git environment variable ${k} is set by the runner only`);
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of STRIPPED_ENV) delete env[k];
  for (const k of Object.keys(env)) if (k.startsWith('GIT_CONFIG_KEY_') || k.startsWith('GIT_CONFIG_VALUE_')) delete env[k];
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GCM_INTERACTIVE: 'never',
    GIT_NO_REPLACE_OBJECTS: '1',
    LC_ALL: 'C',
    ...extra,
    ...sealed?.vars,
  };
}

/** The full argument list for one call: safe options and overrides, then the checked command. */
export function gitArgs(args: readonly string[], context: GitContext = 'repo'): string[] {
  return [...SAFE_GIT_CONFIG, ...SAFE_GIT_OPTIONS, ...checkedGitArgs(args, context)];
}

/**
 * The environment of the sealed context (made by sealedGit.ts only): a private git folder
 * sharing the repository's objects, with no repository config, hooks or attributes.
 */
export interface SealedEnv {
  readonly vars: Readonly<Record<string, string>>;
}

export interface GitRunOptions {
  cwd: string;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** Exit codes other than 0 that are answers, not failures (e.g. 1 for `diff --quiet`). */
  okCodes?: number[];
  /** Stop reading stdout beyond this many bytes (refuse rather than exhaust memory). */
  maxBuffer?: number;
  /** Runs in the sealed context; set by SealedGit only. */
  sealed?: SealedEnv;
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

/** Runs one git command to completion. Refuses with GIT_FAILED on an unexpected exit code. */
export function runGit(args: readonly string[], opts: GitRunOptions): Promise<GitResult> {
  const maxBuffer = opts.maxBuffer ?? 512 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn('git', gitArgs(args, opts.sealed ? 'sealed' : 'repo'), { cwd: opts.cwd, env: gitEnv(opts.env, opts.sealed), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outLen = 0;
    let err = '';
    let overflow = false;
    child.stdout.on('data', (d: Buffer) => {
      outLen += d.length;
      if (outLen > maxBuffer) {
        overflow = true;
        child.kill('SIGKILL');
        return;
      }
      out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 64 * 1024) err += d.toString('utf8');
    });
    child.on('error', (e) =>
      reject(new AopError('GIT_FAILED', `Could not run git (${e.message}). Is git installed and on PATH?`, { cause: e })),
    );
    child.on('close', (code) => {
      const c = code ?? -1;
      if (overflow) {
        reject(new AopError('TOO_LARGE', `git ${args[0]} produced more than ${maxBuffer} bytes of output; refused.`));
      } else if (c === 0 || opts.okCodes?.includes(c)) {
        resolve({ stdout: Buffer.concat(out), stderr: err, code: c });
      } else {
        reject(gitFailure(args, c, err));
      }
    });
    child.stdin.on('error', () => undefined); // the process may exit before reading all input
    child.stdin.end(opts.input ?? '');
  });
}

export function gitFailure(args: readonly string[], code: number, stderr: string): AopError {
  const first = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 500);
  return new AopError('GIT_FAILED', `git ${args[0]} failed (exit ${code}): ${first || 'no message'}`, {
    details: { args: args.slice(0, 8), code, stderr: stderr.slice(0, 4000) },
  });
}

/** Runs git and returns trimmed stdout as text. */
export async function git(args: readonly string[], opts: GitRunOptions): Promise<string> {
  const r = await runGit(args, opts);
  return r.stdout.toString('utf8').replace(/\n$/, '');
}

/** Spawns a long-lived git process (for the batch protocols). */
export function spawnGit(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  return spawn('git', gitArgs(args, 'repo'), { cwd, env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
}
