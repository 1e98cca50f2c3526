/**
 * The agent's own commits, checked like checkpoints. Merge lands every commit the agent made and
 * rebase replays those on its first-parent line, so what one of them held lands in the target's
 * history even when the final content no longer has it (a secret committed, then deleted; a
 * 60 MB file a rollback took out of the worktree but not out of the commits). Each commit's tree
 * is validated against the plan, cumulatively against the base (the same rules and cache as the
 * checkpoints), plus gitlinks to commits this repository does not have. A finding the accepted
 * content does not hold refuses merge and rebase; squash lands only the checked content.
 */
import { diffTrees } from '../checkpoints/treeDiff';
import { git } from '../git/gitRunner';
import type { ObjectStore } from '../git/objectStore';
import type { FileChange, Violation } from '../model/types';
import type { Plan } from '../plan';
import { createViolation } from '../validation/severity';
import type { Validator } from '../validation/validator';
import type { AcceptStrategy } from './integrate';

/** Beyond this many commits the history is not checked, and merge and rebase are refused. */
export const MAX_CHECKED_COMMITS = 500;

export interface UncleanCommit {
  commit: string;
  subject: string;
  /** Violations that first appear in this commit and that the accepted content does not hold. */
  violations: Violation[];
}

export interface HistoryCheck {
  /** Commits of the agent that merge would land. */
  commits: number;
  /** Of those, the ones that hold a violation the accepted content does not (oldest first). */
  unclean: UncleanCommit[];
  /** The same for the commits rebase replays (the first-parent line). */
  uncleanReplayed: UncleanCommit[];
  /** Why the history could not be checked, when it could not (merge and rebase are then refused). */
  unchecked?: string;
  /** Strategies refused because of the history, with the reason to show. */
  refused: Partial<Record<AcceptStrategy, string>>;
}

export interface HistoryInput {
  repo: string;
  baseCommit: string;
  /** The feature branch's tip. */
  branchTip?: string;
  plan: Plan;
  validator: Pick<Validator, 'validate'>;
  store: Pick<ObjectStore, 'info'>;
  /** Violations of the accepted content: the history is judged on what it adds to them. */
  finalViolations: readonly Violation[];
  maxCommits?: number;
}

const key = (v: Pick<Violation, 'kind' | 'path'>) => `${v.kind}\0${v.path}`;

export async function checkHistory(i: HistoryInput): Promise<HistoryCheck> {
  const none: HistoryCheck = { commits: 0, unclean: [], uncleanReplayed: [], refused: {} };
  if (!i.branchTip || i.branchTip === i.baseCommit) return none;
  // integrate() uses the branch only when it grew from the base; otherwise nothing of it lands.
  if (!(await isAncestor(i.repo, i.baseCommit, i.branchTip))) return none;

  const range = `${i.baseCommit}..${i.branchTip}`;
  const max = i.maxCommits ?? MAX_CHECKED_COMMITS;
  const all = parseLog(await git(['rev-list', '--reverse', '--topo-order', '--no-commit-header', '--format=%H %P%x00%s', range], { cwd: i.repo }));
  const firstParent = new Set((await git(['rev-list', '--first-parent', range], { cwd: i.repo })).split('\n').filter(Boolean));
  if (all.length > max) {
    const why = `The agent made ${all.length} commits; at most ${max} are checked. Merge and rebase would land them unchecked: accept with squash, which lands only the checked content.`;
    return { commits: all.length, unclean: [], uncleanReplayed: [], unchecked: why, refused: { merge: why, rebase: why } };
  }

  const final = new Set(i.finalViolations.map(key));
  const seen = new Map<string, Set<string>>();
  const unclean: UncleanCommit[] = [];
  const uncleanReplayed: UncleanCommit[] = [];
  for (const c of all) {
    const violations = (await commitViolations(i, c.commit)).filter((v) => !final.has(key(v)));
    const here = new Set(violations.map(key));
    seen.set(c.commit, here);
    const inherited = new Set(c.parents.flatMap((p) => [...(seen.get(p) ?? [])]));
    const fresh = violations.filter((v) => !inherited.has(key(v)));
    if (fresh.length > 0) unclean.push({ commit: c.commit, subject: c.subject, violations: fresh });
    // Rebase replays a first-parent commit as the change from its first parent alone: a merge
    // commit brings in whatever its other parents held, so that is judged as its own.
    if (!firstParent.has(c.commit)) continue;
    const before = seen.get(c.parents[0] ?? '') ?? new Set<string>();
    const replayed = violations.filter((v) => !before.has(key(v)));
    if (replayed.length > 0) uncleanReplayed.push({ commit: c.commit, subject: c.subject, violations: replayed });
  }
  const refused: HistoryCheck['refused'] = {};
  if (unclean.length > 0) refused.merge = refusal('Merge lands every commit the agent made', unclean);
  if (uncleanReplayed.length > 0) refused.rebase = refusal('Rebase replays the agent\'s commits', uncleanReplayed);
  return { commits: all.length, unclean, uncleanReplayed, refused };
}

/** Violations of one commit's tree, cumulative against the base, as a checkpoint's would be. */
async function commitViolations(i: HistoryInput, commit: string): Promise<Violation[]> {
  const changes = await diffTrees(i.repo, i.baseCommit, commit);
  for (const c of changes) {
    if (c.oid && c.mode !== '160000' && c.size === undefined) c.size = (await i.store.info(c.oid))?.size;
  }
  const r = await i.validator.validate(changes);
  return [...r.violations, ...(await brokenGitlinks(i.plan, i.store, changes))];
}

/** Gitlinks (mode 160000) to commits this repository does not have: whoever checks them out gets a broken submodule. */
export async function brokenGitlinks(plan: Plan, store: Pick<ObjectStore, 'info'>, changes: readonly FileChange[]): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const c of changes) {
    if (c.mode !== '160000' || c.status === 'D' || !c.oid || c.ignored) continue;
    if ((await store.info(c.oid)) !== undefined) continue;
    out.push(
      createViolation(
        plan,
        'broken_gitlink',
        c.path,
        `${c.path} is a gitlink (submodule entry) to commit ${c.oid.slice(0, 12)}, which this repository does not have: whoever checks the branch out gets an empty folder. Remove it, or commit the files instead of a nested repository.`,
      ),
    );
  }
  return out;
}

async function isAncestor(repo: string, a: string, b: string): Promise<boolean> {
  try {
    await git(['merge-base', '--is-ancestor', a, b], { cwd: repo });
    return true;
  } catch {
    return false;
  }
}

interface LogEntry {
  commit: string;
  parents: string[];
  subject: string;
}

/** Parses `rev-list --no-commit-header --format=%H %P%x00%s`: one line per commit. */
function parseLog(out: string): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const line of out.split('\n')) {
    const z = line.indexOf('\0');
    if (z < 0) continue;
    const [commit, ...parents] = line.slice(0, z).split(' ').filter(Boolean);
    if (commit) entries.push({ commit, parents, subject: line.slice(z + 1) });
  }
  return entries;
}

const MAX_LISTED_COMMITS = 10;
const MAX_LISTED_FILES = 8;

function refusal(what: string, unclean: readonly UncleanCommit[]): string {
  const lines = unclean.slice(0, MAX_LISTED_COMMITS).map((u) => {
    const items = u.violations.map((v) => `${v.kind} ${v.path || '(feature)'}`);
    const shown = items.length <= MAX_LISTED_FILES ? items.join(', ') : `${items.slice(0, MAX_LISTED_FILES).join(', ')} and ${items.length - MAX_LISTED_FILES} more`;
    return `  ${u.commit.slice(0, 10)} "${u.subject.slice(0, 60)}": ${shown}`;
  });
  if (unclean.length > MAX_LISTED_COMMITS) lines.push(`  and ${unclean.length - MAX_LISTED_COMMITS} more commit(s)`);
  return `${what}, and ${unclean.length} of them hold what the accepted content does not:\n${lines.join('\n')}\nAccept with squash: it lands only the checked content.`;
}
