/**
 * The git plumbing accept is built from. Everything here writes only objects (blobs, trees,
 * commits nobody points at yet) and reads refs: the user's checkout, index and HEAD are never
 * touched, and an abandoned computation leaves nothing but unreachable objects for gc.
 */
import { git, runGit } from '../git/gitRunner';
import type { SealedGit } from '../git/sealedGit';
import { AopError } from '../util/errors';

/** The identity our own bookkeeping commits carry (never shown on a branch). */
const AOP_IDENT = { name: 'Agent Orchestrator', email: 'aop@localhost' };

export interface CommitInfo {
  tree: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  message: string;
}

export async function readCommit(repo: string, commit: string): Promise<CommitInfo> {
  const raw = (await runGit(['cat-file', 'commit', commit], { cwd: repo })).stdout.toString('utf8');
  const split = raw.indexOf('\n\n');
  const header = split < 0 ? raw : raw.slice(0, split);
  const message = split < 0 ? '' : raw.slice(split + 2);
  const info: CommitInfo = { tree: '', parents: [], author: { name: AOP_IDENT.name, email: AOP_IDENT.email, date: '' }, message };
  for (const line of header.split('\n')) {
    if (line.startsWith('tree ')) info.tree = line.slice(5);
    else if (line.startsWith('parent ')) info.parents.push(line.slice(7));
    else if (line.startsWith('author ')) {
      const m = /^author (.*) <([^>]*)> (\d+ [+-]\d{4})$/.exec(line);
      if (m) info.author = { name: m[1]!, email: m[2]!, date: m[3]! };
    }
  }
  return info;
}

export async function treeOf(repo: string, commitish: string): Promise<string> {
  return git(['rev-parse', '--verify', '-q', '--end-of-options', `${commitish}^{tree}`], { cwd: repo });
}

/**
 * The environment for commits the user will see: their own configured identity, or ours when
 * git has none (commit-tree would otherwise refuse with "Please tell me who you are").
 */
export async function userIdentityEnv(repo: string): Promise<NodeJS.ProcessEnv> {
  try {
    await git(['var', 'GIT_COMMITTER_IDENT'], { cwd: repo });
    await git(['var', 'GIT_AUTHOR_IDENT'], { cwd: repo });
    return {};
  } catch {
    return aopIdentityEnv();
  }
}

export function aopIdentityEnv(): NodeJS.ProcessEnv {
  return { GIT_AUTHOR_NAME: AOP_IDENT.name, GIT_AUTHOR_EMAIL: AOP_IDENT.email, GIT_COMMITTER_NAME: AOP_IDENT.name, GIT_COMMITTER_EMAIL: AOP_IDENT.email };
}

/**
 * `git commit-tree`, message on stdin. Never signs: signing would run the configured gpg
 * program, and accept must not run programs named by repository configuration.
 */
export async function commitTree(repo: string, tree: string, parents: readonly string[], message: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const args = ['commit-tree', '--no-gpg-sign', ...parents.flatMap((p) => ['-p', p]), '-F', '-', tree];
  return git(args, { cwd: repo, input: message.endsWith('\n') ? message : message + '\n', env });
}

export async function isAncestor(repo: string, ancestor: string, descendant: string): Promise<boolean> {
  const r = await runGit(['merge-base', '--is-ancestor', ancestor, descendant], { cwd: repo, okCodes: [1] });
  return r.code === 0;
}

export async function resolveCommitOf(repo: string, rev: string): Promise<string | undefined> {
  try {
    return await git(['rev-parse', '--verify', '-q', '--end-of-options', `${rev}^{commit}`], { cwd: repo });
  } catch {
    return undefined;
  }
}

export interface ConflictFile {
  path: string;
  /** git's conflict kinds for the path, e.g. "CONFLICT (contents)", "CONFLICT (modify/delete)". */
  types: string[];
  /** git's own sentences about it. */
  messages: string[];
}

export interface MergeTreeResult {
  clean: boolean;
  /** The merged tree (with conflict markers in conflicted files when not clean). */
  tree: string;
  conflicts: ConflictFile[];
}

/**
 * `git merge-tree --write-tree` (git >= 2.38): a real three-way merge computed in the object
 * store only, in the sealed context: a merge driver named by the repository's attributes and
 * config would run there otherwise (git 2.39 has no way to skip them). git's own text merge is
 * used for every file. `labels` replace commit ids in git's messages with names a person knows.
 */
export async function mergeTree(sealed: SealedGit, ours: string, theirs: string, labels: Record<string, string> = {}): Promise<MergeTreeResult> {
  const r = await sealed.run(['merge-tree', '--write-tree', '--name-only', '-z', '--messages', '--allow-unrelated-histories', ours, theirs], { okCodes: [1] });
  const parsed = parseMergeTree(r.stdout.toString('utf8'), labels);
  if (r.code === 1 && parsed.conflicts.length === 0) {
    throw new AopError('GIT_FAILED', 'git merge-tree reported a conflict but named no file; try again or merge by hand.');
  }
  return { ...parsed, clean: r.code === 0 };
}

/**
 * Parses `merge-tree --write-tree --name-only -z --messages`: the tree id, the conflicted paths,
 * an empty field, then per message: a count N, N paths, a conflict type and the message.
 */
export function parseMergeTree(out: string, labels: Record<string, string> = {}): { tree: string; conflicts: ConflictFile[] } {
  const f = out.split('\0');
  const tree = f[0]!.trim();
  if (!/^[0-9a-f]{40,64}$/.test(tree)) throw new AopError('GIT_FAILED', `git merge-tree printed no tree id (${JSON.stringify(out.slice(0, 80))}).`);
  let i = 1;
  const byPath = new Map<string, ConflictFile>();
  const order: string[] = [];
  for (; i < f.length && f[i] !== ''; i++) {
    if (!byPath.has(f[i]!)) {
      byPath.set(f[i]!, { path: f[i]!, types: [], messages: [] });
      order.push(f[i]!);
    }
  }
  i++;
  const relabel = (s: string) => Object.entries(labels).reduce((acc, [oid, name]) => acc.split(oid).join(name), s);
  while (i < f.length) {
    const n = Number(f[i]);
    if (!Number.isInteger(n) || n < 0) break;
    const paths = f.slice(i + 1, i + 1 + n);
    const type = f[i + 1 + n] ?? '';
    const message = relabel((f[i + 2 + n] ?? '').trim());
    i += 3 + n;
    if (!type.startsWith('CONFLICT')) continue;
    for (const p of paths) {
      const c = byPath.get(p);
      if (!c) continue;
      if (!c.types.includes(type)) c.types.push(type);
      c.messages.push(message);
    }
  }
  return { tree, conflicts: order.map((p) => byPath.get(p)!) };
}

/**
 * Applies the difference between two trees onto a third (what cherry-pick does), with
 * merge-tree. git 2.39's merge-tree has no `--merge-base`, so the merge base is made explicit:
 * two throwaway commits holding `onto` and `to`, both children of one holding `from`.
 */
export async function applyTreeDiff(sealed: SealedGit, repo: string, from: string, to: string, onto: string, labels: { onto: string; change: string }): Promise<MergeTreeResult> {
  const env = aopIdentityEnv();
  const base = await commitTree(repo, from, [], 'aop: merge base', env);
  const ours = await commitTree(repo, onto, [base], 'aop: target', env);
  const theirs = await commitTree(repo, to, [base], 'aop: change', env);
  return mergeTree(sealed, ours, theirs, { [ours]: labels.onto, [theirs]: labels.change });
}
