/**
 * Plain git calls for the bench harness and the baselines (what other tools do: one `git`
 * process per step). The product's own git access is what is being measured and is not used here.
 */
import { execFile, execFileSync } from 'node:child_process';

const FIXED_DATE = '2024-01-01T00:00:00Z';

export function benchGitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return {
    ...env,
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@localhost',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@localhost',
    GIT_AUTHOR_DATE: FIXED_DATE,
    GIT_COMMITTER_DATE: FIXED_DATE,
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    ...extra,
  };
}

export function gitSync(cwd: string, args: string[], input?: string, env?: NodeJS.ProcessEnv): string {
  return execFileSync('git', args, { cwd, env: benchGitEnv(env), encoding: 'utf8', maxBuffer: 1 << 30, input }).replace(/\n$/, '');
}

export function gitAsync(cwd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd, env: benchGitEnv(opts.env), encoding: 'utf8', maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
