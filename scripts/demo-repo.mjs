// Writes a small demo git repository: a few committed source files and one feature ("demo")
// with its spec, plan and a scripted-agent script. Used by `npm start` (.tools/demo/) and by
// the integration tests (a fresh temp folder per run).
// Usage as a script: node scripts/demo-repo.mjs <dir>
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Files of the first commit (repo-relative path -> content). */
const FILES = {
  'README.md': '# Demo project\n\nA tiny project for trying Agent Orchestrator.\n',
  'package.json': JSON.stringify({ name: 'aop-demo', version: '1.0.0', private: true, type: 'module' }, null, 2) + '\n',
  '.gitignore': 'node_modules/\n',
  'src/greet.ts': 'export function greet(name: string): string {\n  return `Hello, ${name}!`;\n}\n',
  'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
  'src/index.ts': "import { greet } from './greet';\nimport { add } from './math';\n\nconsole.log(greet('world'), add(2, 3));\n",
  'docs/notes.md': '# Notes\n\nNothing here yet.\n',
  '.aop/features/demo/spec.md':
    '# Demo feature\n\nAdd a `hello` module under `src/` that exports a `hello()` function, and use it from\n`src/index.ts`. Do not touch anything under `secrets/`.\n',
  '.aop/features/demo/plan.yaml': [
    '# What the agent working on this feature may touch.',
    'version: 1',
    'allowed:',
    '  - src/**',
    'forbidden:',
    '  - secrets/**',
    '',
  ].join('\n'),
  // The built-in scripted agent replays these steps (schema: src/core/agents/scripted/schema.ts).
  // It writes two files in scope, then one outside `allowed` (docs/) through the shell, so a
  // violation shows.
  '.aop/features/demo/agent.yaml': [
    '# Steps the built-in scripted agent replays, in order.',
    'steps:',
    '  - print: "Reading the spec and adding a hello module"',
    '  - write:',
    '      path: src/hello.ts',
    '      content: |',
    '        export function hello(): string {',
    "          return 'hello from the scripted agent';",
    '        }',
    '  - sleep: 600',
    '  - print: "Using it from src/index.ts"',
    '  - write:',
    '      path: src/index.ts',
    '      content: |',
    "        import { greet } from './greet';",
    "        import { hello } from './hello';",
    "        import { add } from './math';",
    '',
    "        console.log(greet('world'), add(2, 3), hello());",
    '  - sleep: 600',
    '  - print: "Also noting the change in the docs, through the shell (outside this feature\'s plan)"',
    // A shell write does not pass through the orchestrator's checked file API: the watchdog
    // catches it after the fact and flags it as out of scope.
    '  - run:',
    '      command: echo "- Added src/hello.ts (scripted agent)." >> docs/notes.md',
    '      ask: false',
    '  - print: "Done"',
    '',
  ].join('\n'),
};

function git(cwd, ...args) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // A fixed identity and dates: the demo must not depend on the user's git config.
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'AOP Demo',
      GIT_AUTHOR_EMAIL: 'demo@example.invalid',
      GIT_COMMITTER_NAME: 'AOP Demo',
      GIT_COMMITTER_EMAIL: 'demo@example.invalid',
      GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z',
      GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
    },
  }).trim();
}

/**
 * Creates the demo repository in `dir` (made if missing; must be empty or absent) and returns
 * `{ dir, head }`. With `{ reuse: true }` an existing git repository at `dir` is left as is.
 */
export function createDemoRepo(dir, { reuse = false } = {}) {
  const root = path.resolve(dir);
  if (existsSync(path.join(root, '.git'))) {
    if (reuse) return { dir: root, head: git(root, 'rev-parse', 'HEAD'), reused: true };
    throw new Error(`${root} is already a git repository; remove it or pass { reuse: true }`);
  }
  mkdirSync(root, { recursive: true });
  if (readdirSync(root).length > 0) throw new Error(`${root} is not empty; the demo repository needs an empty folder`);
  for (const [rel, content] of Object.entries(FILES)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  git(root, 'init', '--quiet', '--initial-branch=main');
  git(root, 'add', '--', '.');
  git(root, 'commit', '--quiet', '--no-gpg-sign', '-m', 'Initial demo project');
  return { dir: root, head: git(root, 'rev-parse', 'HEAD'), reused: false };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: node scripts/demo-repo.mjs <dir>');
    process.exit(2);
  }
  const { dir, head } = createDemoRepo(target);
  console.log(`demo repository at ${dir} (${head.slice(0, 7)})`);
}
