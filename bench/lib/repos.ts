/**
 * The repositories the bench measures, each committed once and cached:
 * - synthetic ones, deterministic for a (size, seed), generated with plain Node writes and one
 *   `git add -A && git commit`. Folders are laid out three deep (top / middle / leaf) with 20
 *   files per leaf folder, like a large monorepo; the 100,000-file one also holds one folder of
 *   10,000 entries (`assets/generated/`), the shape of a generated or vendored folder.
 * - the real tree: a pinned set of published npm packages (`npm pack`, unpacked under
 *   `packages/<name>/`), committed as one repository: real file sizes, names and folder shapes,
 *   with one folder of 43,000 entries (`@mui/icons-material`).
 * - any existing repository (`--repo PATH`), cloned with `--shared` so nothing is written
 *   into it.
 * The cache lives in ~/.cache/aop-bench (see CACHE_DIR); delete it to regenerate.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gitSync } from './git';
import { makeRng, randInt, type Rng } from './rng';

export type RepoSize = 'small' | 'medium' | 'large';
/** What a bench run measures: the synthetic sizes, the real tree, or a repository given by path. */
export type RepoKind = RepoSize | 'real' | 'external';
export const REPO_FILES: Record<RepoSize, number> = { small: 1_000, medium: 10_000, large: 100_000 };
export const FILES_PER_FOLDER = 20;
/** The large repository's one big folder and its entry count. */
const BIG_FOLDER = 'assets/generated';
const BIG_FOLDER_FILES: Partial<Record<RepoSize, number>> = { large: 10_000 };
/** Bumped whenever the generator's output changes, so stale caches are not reused. */
const GENERATOR_VERSION = 2;

/**
 * The real tree: published packages at pinned versions (about 133,000 files in 6,100 folders).
 * Icon sets give the big flat folders real repositories have (generated code, vendored assets);
 * the rest are ordinary libraries.
 */
export const REAL_TREE_PACKAGES = [
  '@mui/icons-material@9.6.0',
  '@carbon/icons@11.89.0',
  '@fluentui/svg-icons@1.1.343',
  '@tabler/icons@3.54.0',
  '@material-design-icons/svg@0.14.15',
  '@mdi/svg@7.4.47',
  'date-fns@4.4.0',
  'core-js@3.51.0',
  'rxjs@7.8.2',
  'lodash@4.18.1',
  'caniuse-lite@1.0.30001830',
  'typescript@5.9.3',
] as const;

export const BENCH_DIR = path.resolve(__dirname, '..');
/**
 * Outside the checkout on purpose: `eslint .` would otherwise walk 100,000 generated .ts/.js
 * files (flat config lints dot-folders). AOP_BENCH_CACHE moves it.
 */
export const CACHE_DIR = path.resolve(
  process.env.AOP_BENCH_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'aop-bench'),
);

export interface BenchRepo {
  kind: RepoKind;
  /** How tables name it: "1,000", "real tree", the folder's name. */
  label: string;
  seed: number;
  dir: string;
  commit: string;
  /** Every tracked file at `commit`. */
  files: string[];
  /**
   * The files an agent-like writer picks from for the "spread" rounds: on the synthetic
   * repositories every file outside the big folder (which has a figure of its own); on real
   * trees every file, so picks follow how files really are distributed.
   */
  spreadFiles: string[];
  folders: number;
  bytes: number;
  /** The folder with the most entries, for the "one big folder" figure. */
  bigFolder: { path: string; entries: number; files: string[] };
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
  const big = BIG_FOLDER_FILES[size] ?? 0;
  const n = REPO_FILES[size] - big;
  const leaves = Math.ceil(n / FILES_PER_FOLDER);
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const leaf = Math.floor(i / FILES_PER_FOLDER);
    const j = i % FILES_PER_FOLDER;
    files.push(`${leafFolder(leaf, leaves)}/file${j}.${EXTS[j % EXTS.length]}`);
  }
  for (let i = 0; i < big; i++) files.push(`${BIG_FOLDER}/gen${i}.${EXTS[i % 4]}`);
  return files;
}

function repoKey(size: RepoSize, seed: number): string {
  return `${size}-${REPO_FILES[size]}-s${seed}-v${GENERATOR_VERSION}`;
}

interface Marker {
  commit: string;
  folders: number;
  bytes: number;
}

/** A cached repository whose marker says it is complete; undefined when it must be (re)made. */
function cached(root: string): Marker | undefined {
  const marker = path.join(root, 'done.json');
  if (!fs.existsSync(marker)) return undefined;
  const m = JSON.parse(fs.readFileSync(marker, 'utf8')) as Marker;
  try {
    // Cheap sanity check: the commit is still there (someone may have deleted objects).
    gitSync(path.join(root, 'repo'), ['cat-file', '-e', `${m.commit}^{commit}`]);
    tidyRepo(path.join(root, 'repo'));
    pruneLoose(path.join(root, 'repo'));
    return m;
  } catch {
    return undefined;
  }
}

/** Commits everything in `dir` as one packed commit and writes the cache marker. */
function commitAndMark(dir: string, root: string, message: string, bytes: number): Marker {
  gitSync(dir, ['init', '-q', '-b', 'main']);
  gitSync(dir, ['config', 'user.name', 'bench']);
  gitSync(dir, ['config', 'user.email', 'bench@localhost']);
  gitSync(dir, ['config', 'gc.auto', '0']);
  gitSync(dir, ['add', '-A']);
  gitSync(dir, ['commit', '-q', '-m', message]);
  const commit = gitSync(dir, ['rev-parse', 'HEAD']);
  // Packed, as a cloned repository would be; loose objects would flatter nobody.
  gitSync(dir, ['gc', '-q', '--prune=now']);
  const folders = countFolders(trackedFiles(dir, commit));
  const m = { commit, folders, bytes };
  fs.writeFileSync(path.join(root, 'done.json'), JSON.stringify(m));
  return m;
}

function trackedFiles(dir: string, commit: string): string[] {
  return gitSync(dir, ['ls-tree', '-r', '-z', '--name-only', commit]).split('\0').filter(Boolean);
}

function countFolders(files: readonly string[]): number {
  const all = new Set<string>();
  for (const f of files) for (let d = path.posix.dirname(f); d !== '.' && !all.has(d); d = path.posix.dirname(d)) all.add(d);
  return all.size;
}

/** The folder holding the most entries (files and sub-folders). */
function biggestFolder(files: readonly string[]): BenchRepo['bigFolder'] {
  const byFolder = new Map<string, string[]>();
  for (const f of files) {
    const d = path.posix.dirname(f);
    let list = byFolder.get(d);
    if (!list) byFolder.set(d, (list = []));
    list.push(f);
  }
  let best: [string, string[]] = ['.', []];
  for (const e of byFolder) if (e[1].length > best[1].length) best = e;
  return { path: best[0], entries: best[1].length, files: best[1] };
}

function describe(kind: RepoKind, label: string, seed: number, dir: string, m: Marker, generatedSec: number, spreadOf: (files: string[], big: BenchRepo['bigFolder']) => string[]): BenchRepo {
  const files = trackedFiles(dir, m.commit);
  const bigFolder = biggestFolder(files);
  return { kind, label, seed, dir, commit: m.commit, files, spreadFiles: spreadOf(files, bigFolder), folders: m.folders, bytes: m.bytes, bigFolder, generatedSec };
}

/** The cached synthetic repository for (size, seed), generating it first if needed. */
export function ensureRepo(size: RepoSize, seed = 1, log: (s: string) => void = () => undefined): BenchRepo {
  const root = path.join(CACHE_DIR, 'repos', repoKey(size, seed));
  const dir = path.join(root, 'repo');
  const label = REPO_FILES[size].toLocaleString('en-US');
  // The big folder has a figure of its own; spread rounds stay out of it.
  const spread = (files: string[]) => files.filter((f) => !f.startsWith(BIG_FOLDER + '/'));
  const hit = cached(root);
  if (hit) return describe(size, label, seed, dir, hit, 0, spread);
  const files = planFiles(size);
  log(`generating ${size} repository (${files.length.toLocaleString('en-US')} files, seed ${seed}) in ${root}`);
  const started = performance.now();
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const rng = makeRng(seed);
  const made = new Set<string>();
  let bytes = 0;
  for (const f of files) {
    const folder = path.posix.dirname(f);
    if (!made.has(folder)) {
      fs.mkdirSync(path.join(dir, folder), { recursive: true });
      made.add(folder);
    }
    const text = fileContent(rng, f);
    bytes += text.length;
    fs.writeFileSync(path.join(dir, f), text);
  }
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n*.log\ndist/\n');
  fs.writeFileSync(path.join(dir, 'README.md'), `# Synthetic ${size} repository\n\nGenerated by bench/lib/repos.ts, seed ${seed}.\n`);
  const m = commitAndMark(dir, root, `synthetic ${size} repository`, bytes);
  return describe(size, label, seed, dir, m, (performance.now() - started) / 1000, spread);
}

/**
 * The real tree: REAL_TREE_PACKAGES fetched from the npm registry with `npm pack` and unpacked
 * under `packages/<name>/`, committed as one repository. Cached by the package list.
 */
export function ensureRealTree(log: (s: string) => void = () => undefined): BenchRepo {
  const key = createHash('sha1').update(REAL_TREE_PACKAGES.join('\n')).digest('hex').slice(0, 10);
  const root = path.join(CACHE_DIR, 'repos', `real-${key}-v${GENERATOR_VERSION}`);
  const dir = path.join(root, 'repo');
  const all = (files: string[]) => files;
  const hit = cached(root);
  if (hit) return describe('real', 'real tree', 0, dir, hit, 0, all);
  log(`building the real tree from ${REAL_TREE_PACKAGES.length} npm packages in ${root}`);
  const started = performance.now();
  fs.rmSync(root, { recursive: true, force: true });
  const tarballs = path.join(root, 'tarballs');
  fs.mkdirSync(tarballs, { recursive: true });
  fs.mkdirSync(dir, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tarballs, ...REAL_TREE_PACKAGES], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const packed = JSON.parse(out) as { name: string; filename: string }[];
  for (const p of packed) {
    const dest = path.join(dir, 'packages', ...p.name.split('/'));
    fs.mkdirSync(dest, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(tarballs, p.filename), '-C', dest, '--strip-components=1', '--no-same-owner'], { stdio: 'inherit' });
  }
  fs.rmSync(tarballs, { recursive: true, force: true });
  fs.writeFileSync(path.join(dir, 'README.md'), `# Real tree\n\nPublished npm packages, unpacked by bench/lib/repos.ts:\n\n${REAL_TREE_PACKAGES.map((p) => `- ${p}`).join('\n')}\n`);
  let bytes = 0;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) bytes += fs.statSync(p).size;
    }
  };
  walk(dir);
  const m = commitAndMark(dir, root, `real tree: ${REAL_TREE_PACKAGES.length} npm packages`, bytes);
  return describe('real', 'real tree', 0, dir, m, (performance.now() - started) / 1000, all);
}

/**
 * An existing repository at HEAD, for `--repo PATH`: cloned with `--shared --no-checkout` into
 * a scratch folder (its objects are read in place; checkpoints, refs and the worktree go into
 * the clone), so the user's repository is never written.
 */
export function externalRepo(repoPath: string, log: (s: string) => void = () => undefined): BenchRepo & { cleanup(): void } {
  const source = gitSync(path.resolve(repoPath), ['rev-parse', '--show-toplevel']);
  const commit = gitSync(source, ['rev-parse', 'HEAD^{commit}']);
  const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aop-bench-ext-')));
  const dir = path.join(scratch, 'clone');
  log(`--repo ${source} at ${commit.slice(0, 10)}: cloning (shared) into ${dir}`);
  gitSync(scratch, ['clone', '-q', '--shared', '--no-checkout', source, dir]);
  gitSync(dir, ['config', 'gc.auto', '0']);
  const files = trackedFiles(dir, commit);
  let bytes = 0;
  const sizes = gitSync(dir, ['ls-tree', '-r', '-l', '-z', commit]).split('\0');
  for (const line of sizes) bytes += Number(/^\S+ blob \S+ +(\d+)\t/.exec(line)?.[1] ?? 0);
  const m = { commit, folders: countFolders(files), bytes };
  return {
    ...describe('external', path.basename(source), 0, dir, m, 0, (f) => f),
    cleanup: () => fs.rmSync(scratch, { recursive: true, force: true }),
  };
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

/**
 * Keeps the cached repository from growing run after run: drops loose objects (checkpoints,
 * baselines) nothing references that are over a day old. Never `--expire=now`: another bench
 * run may be using the same cached repository at this moment, and its fresh objects are not
 * referenced yet (a prune with --expire=now deleted them mid-run: git write-tree then failed on
 * a missing blob). Each run writes content of its own (lib/writer.ts), so what earlier runs
 * left never spares it any work.
 */
function pruneLoose(dir: string): void {
  if (gitSync(dir, ['count-objects']).startsWith('0 objects')) return;
  gitSync(dir, ['prune', '--expire=1.day.ago']);
}

export interface Worktree {
  dir: string;
  /** A scratch folder next to the worktree (event log, stat cache, shadow repository). */
  scratch: string;
  remove(): void;
}

/** A fresh `git worktree add` of the repository's commit, outside the repository as the product does. */
export function addWorktree(repo: BenchRepo, label: string): Worktree {
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
