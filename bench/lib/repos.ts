/**
 * Synthetic repositories: deterministic for a (size, seed), generated with plain Node writes
 * and one `git add -A && git commit`, cached by size and seed so reruns skip generation.
 * Folders are laid out three deep (top / middle / leaf) with 20 files per leaf folder, so the
 * 100,000-file repository has 5,000 leaf folders, like a large monorepo. The cache lives in
 * ~/.cache/aop-bench (see CACHE_DIR); delete it to regenerate.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gitSync } from './git';
import { makeRng, randInt, type Rng } from './rng';

export type RepoSize = 'small' | 'medium' | 'large';
export const REPO_FILES: Record<RepoSize, number> = { small: 1_000, medium: 10_000, large: 100_000 };
export const FILES_PER_FOLDER = 20;
/** Bumped whenever the generator's output changes, so stale caches are not reused. */
const GENERATOR_VERSION = 1;

export const BENCH_DIR = path.resolve(__dirname, '..');
/**
 * Outside the checkout on purpose: `eslint .` would otherwise walk 100,000 generated .ts/.js
 * files (flat config lints dot-folders). AOP_BENCH_CACHE moves it.
 */
export const CACHE_DIR = path.resolve(
  process.env.AOP_BENCH_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'aop-bench'),
);

export interface GeneratedRepo {
  size: RepoSize;
  seed: number;
  dir: string;
  commit: string;
  /** Every generated (tracked) file, in generation order. */
  files: string[];
  folders: number;
  bytes: number;
  /** Seconds spent generating, or 0 when it came from the cache. */
  generatedSec: number;
}

const WORDS = (
  'const let value return export import function class interface type async await if else for while ' +
  'switch case break new this null true false string number boolean array map set promise result error ' +
  'config options state item list index count total path file folder tree node edge cache queue batch ' +
  'event log check plan rule scope limit size time delta commit snapshot worker task lane agent'
).split(' ');
const EXTS = ['ts', 'ts', 'ts', 'js', 'md', 'json', 'py', 'txt'];

/** Leaf folder `i` of `leaves`: three levels, spread evenly. */
export function leafFolder(i: number, leaves: number): string {
  const top = Math.max(2, Math.round(Math.cbrt(leaves)));
  const mid = Math.max(2, Math.round(Math.sqrt(leaves / top)));
  return `pkg${i % top}/mod${Math.floor(i / top) % mid}/part${i}`;
}

export function fileContent(rng: Rng, label: string): string {
  // Sizes between ~100 B and ~4 KB, most of them small, like source files.
  const lines = Math.max(3, Math.floor(Math.exp(rng() * 4.2)));
  const out: string[] = [`// ${label}`];
  for (let l = 0; l < lines; l++) {
    const n = randInt(rng, 2, 10);
    const words: string[] = [];
    for (let w = 0; w < n; w++) words.push(WORDS[Math.floor(rng() * WORDS.length)]!);
    out.push('  '.repeat(randInt(rng, 0, 3)) + words.join(' ') + ';');
  }
  return out.join('\n') + '\n';
}

export function planFiles(size: RepoSize): string[] {
  const n = REPO_FILES[size];
  const leaves = Math.ceil(n / FILES_PER_FOLDER);
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const leaf = Math.floor(i / FILES_PER_FOLDER);
    const j = i % FILES_PER_FOLDER;
    files.push(`${leafFolder(leaf, leaves)}/file${j}.${EXTS[j % EXTS.length]}`);
  }
  return files;
}

function repoKey(size: RepoSize, seed: number): string {
  return `${size}-${REPO_FILES[size]}-s${seed}-v${GENERATOR_VERSION}`;
}

/** The cached repository for (size, seed), generating it first if needed. */
export function ensureRepo(size: RepoSize, seed = 1, log: (s: string) => void = () => undefined): GeneratedRepo {
  const key = repoKey(size, seed);
  const root = path.join(CACHE_DIR, 'repos', key);
  const dir = path.join(root, 'repo');
  const marker = path.join(root, 'done.json');
  const files = planFiles(size);
  if (fs.existsSync(marker)) {
    const m = JSON.parse(fs.readFileSync(marker, 'utf8')) as { commit: string; folders: number; bytes: number };
    // Cheap sanity check: the commit is still there (someone may have deleted objects).
    try {
      gitSync(dir, ['cat-file', '-e', `${m.commit}^{commit}`]);
      tidyRepo(dir);
      return { size, seed, dir, commit: m.commit, files, folders: m.folders, bytes: m.bytes, generatedSec: 0 };
    } catch {
      // fall through and regenerate
    }
  }
  log(`generating ${size} repository (${files.length.toLocaleString('en-US')} files, seed ${seed}) in ${root}`);
  const started = performance.now();
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const rng = makeRng(seed);
  const folders = new Set<string>();
  let bytes = 0;
  for (const f of files) {
    const folder = path.posix.dirname(f);
    if (!folders.has(folder)) {
      fs.mkdirSync(path.join(dir, folder), { recursive: true });
      folders.add(folder);
    }
    const text = fileContent(rng, f);
    bytes += text.length;
    fs.writeFileSync(path.join(dir, f), text);
  }
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n*.log\ndist/\n');
  fs.writeFileSync(path.join(dir, 'README.md'), `# Synthetic ${size} repository\n\nGenerated by bench/lib/repos.ts, seed ${seed}.\n`);
  gitSync(dir, ['init', '-q', '-b', 'main']);
  gitSync(dir, ['config', 'user.name', 'bench']);
  gitSync(dir, ['config', 'user.email', 'bench@localhost']);
  gitSync(dir, ['config', 'gc.auto', '0']);
  gitSync(dir, ['add', '-A']);
  gitSync(dir, ['commit', '-q', '-m', `synthetic ${size} repository`]);
  const commit = gitSync(dir, ['rev-parse', 'HEAD']);
  // Packed, as a cloned repository would be; loose objects would flatter nobody.
  gitSync(dir, ['gc', '-q', '--prune=now']);
  const allFolders = new Set<string>();
  for (const f of folders) for (let d = f; d !== '.'; d = path.posix.dirname(d)) allFolders.add(d);
  fs.writeFileSync(marker, JSON.stringify({ commit, folders: allFolders.size, bytes }));
  return { size, seed, dir, commit, files, folders: allFolders.size, bytes, generatedSec: (performance.now() - started) / 1000 };
}

/**
 * Forgets worktrees whose folders are gone and the bench's own checkpoint refs (features named
 * `bench-*`) that an interrupted run left in a cached repository; anyone else's are left alone.
 */
function tidyRepo(dir: string): void {
  gitSync(dir, ['worktree', 'prune']);
  const refs = gitSync(dir, ['for-each-ref', '--format=%(refname)', 'refs/aop/']).split('\n').filter((r) => r.startsWith('refs/aop/bench-'));
  if (refs.length > 0) gitSync(dir, ['update-ref', '--stdin'], refs.map((r) => `delete ${r}\n`).join(''));
}

export interface Worktree {
  dir: string;
  /** A scratch folder next to the worktree (event log, stat cache, shadow repository). */
  scratch: string;
  remove(): void;
}

/** A fresh `git worktree add` of the repository's commit, outside the repository as the product does. */
export function addWorktree(repo: GeneratedRepo, label: string): Worktree {
  const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `aop-bench-${label}-`)));
  const dir = path.join(scratch, 'wt');
  gitSync(repo.dir, ['worktree', 'add', '-q', '--detach', dir, repo.commit]);
  return {
    dir,
    scratch,
    remove() {
      try {
        gitSync(repo.dir, ['worktree', 'remove', '--force', dir]);
      } catch {
        // removed below either way
      }
      fs.rmSync(scratch, { recursive: true, force: true });
      tidyRepo(repo.dir);
    },
  };
}
