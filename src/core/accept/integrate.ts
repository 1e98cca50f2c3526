/**
 * Computes the commit an accepted feature becomes on its target, in the object store only.
 * What is integrated is exactly the accepted checkpoint's tree (the content that was validated
 * and gated), whatever the agent did or did not commit:
 *
 * - squash: one commit on the target tip applying base -> checkpoint (cherry-pick semantics).
 * - merge:  a merge commit of the target tip and the feature branch (the agent's own commits,
 *           plus one commit with the checkpoint's tree when the agent left work uncommitted).
 *           Always a real merge commit (like --no-ff), so the feature stays visible as one unit.
 * - rebase: the agent's commits (first-parent line from the base) replayed one by one onto the
 *           target tip, keeping their authors and messages; commits that become empty are
 *           dropped (as git rebase does); uncommitted work follows as one last commit. A merge
 *           commit in that line is replayed as its change against its first parent. The whole
 *           change is tried first, so conflicts are listed for every file at once; a replay can
 *           still conflict on an intermediate commit, and then that step is named.
 *
 * On a conflict nothing is returned but the conflicts: no ref has been touched.
 */
import { git } from '../git/gitRunner';
import { withSealedGit, type SealedGit } from '../git/sealedGit';
import { AopError } from '../util/errors';
import { normaliseLineEndings } from './lineEndings';
import { applyTreeDiff, commitTree, isAncestor, mergeTree, readCommit, treeOf, userIdentityEnv, type ConflictFile } from './gitPlumbing';

export const ACCEPT_STRATEGIES = ['merge', 'squash', 'rebase'] as const;
export type AcceptStrategy = (typeof ACCEPT_STRATEGIES)[number];

export const DEFAULT_MAX_REPLAY = 200;

export interface IntegrateInput {
  repo: string;
  strategy: AcceptStrategy;
  featureId: string;
  seq: number;
  /** The target branch's tip now, and its name for messages. */
  targetTip: string;
  targetLabel: string;
  baseCommit: string;
  /** The accepted checkpoint's tree: exactly what lands. */
  featureTree: string;
  /** The feature branch's tip (carrying the agent's commits), when it has one. */
  branchTip?: string;
  /** Message of the squash or merge commit. */
  message: string;
  /** Most commits a rebase replays (beyond: refused, use squash). */
  maxReplay?: number;
}

export type IntegrateResult =
  | { ok: true; commit: string; tree: string; note?: string }
  | { ok: false; conflicts: ConflictFile[]; step: string };

export function integrate(i: IntegrateInput): Promise<IntegrateResult> {
  return withSealedGit(i.repo, async (sealed) => {
    // What lands is what `git add` would record: line endings normalised where the repository asks.
    const n = await normaliseLineEndings(sealed, i.repo, i.baseCommit, i.featureTree);
    const r = await integrateWith(sealed, { ...i, featureTree: n.tree });
    if (!r.ok || n.changed.length === 0) return r;
    const said = `Line endings of ${n.changed.length} file(s) were normalised as the repository's attributes ask, as git add would (${n.changed.slice(0, 5).join(', ')}${n.changed.length > 5 ? ', ...' : ''}).`;
    return { ...r, note: r.note ? `${r.note} ${said}` : said };
  });
}

async function integrateWith(sealed: SealedGit, i: IntegrateInput): Promise<IntegrateResult> {
  const env = await userIdentityEnv(i.repo);
  // The agent's history counts only if it really grew from the base.
  const history = i.branchTip && i.branchTip !== i.baseCommit && (await isAncestor(i.repo, i.baseCommit, i.branchTip)) ? i.branchTip : i.baseCommit;
  const note = i.branchTip && history === i.baseCommit && i.branchTip !== i.baseCommit ? `The feature branch does not descend from the base; its commits were not used, only the checkpoint's content.` : undefined;
  const labels = { onto: i.targetLabel, change: `feature ${i.featureId}` };
  const leftover = `${i.featureId}: work the agent did not commit (checkpoint ${i.seq})`;

  if (i.strategy === 'squash' || i.strategy === 'rebase') {
    // For rebase too: the whole change at once lists every conflicting file, where a replay
    // would stop at the first commit that conflicts.
    const r = await applyTreeDiff(sealed, i.repo, await treeOf(i.repo, i.baseCommit), i.featureTree, await treeOf(i.repo, i.targetTip), labels);
    if (!r.clean) return { ok: false, conflicts: r.conflicts, step: `applying feature ${i.featureId} onto ${i.targetLabel}` };
    if (i.strategy === 'squash') return { ok: true, commit: await commitTree(i.repo, r.tree, [i.targetTip], i.message, env), tree: r.tree, note };
  }

  if (i.strategy === 'merge') {
    const head = (await treeOf(i.repo, history)) === i.featureTree ? history : await commitTree(i.repo, i.featureTree, [history], leftover, env);
    const r = await mergeTree(sealed, i.targetTip, head, { [i.targetTip]: i.targetLabel, [head]: labels.change });
    if (!r.clean) return { ok: false, conflicts: r.conflicts, step: `merging feature ${i.featureId} into ${i.targetLabel}` };
    return { ok: true, commit: await commitTree(i.repo, r.tree, [i.targetTip, head], i.message, env), tree: r.tree, note };
  }

  // rebase
  const commits = history === i.baseCommit ? [] : (await git(['rev-list', '--reverse', '--first-parent', `${i.baseCommit}..${history}`], { cwd: i.repo })).split('\n').filter(Boolean);
  const max = i.maxReplay ?? DEFAULT_MAX_REPLAY;
  if (commits.length > max) {
    throw new AopError('TOO_LARGE', `The feature has ${commits.length} commits; rebase replays at most ${max}. Accept it with squash or merge instead.`);
  }
  let tip = i.targetTip;
  let tipTree = await treeOf(i.repo, tip);
  for (const c of commits) {
    const info = await readCommit(i.repo, c);
    const parentTree = info.parents[0] ? await treeOf(i.repo, info.parents[0]) : await emptyTree(i.repo);
    const subject = info.message.split('\n')[0] ?? '';
    const r = await applyTreeDiff(sealed, i.repo, parentTree, info.tree, tipTree, { onto: i.targetLabel, change: `${c.slice(0, 10)} (${subject})` });
    if (!r.clean) return { ok: false, conflicts: r.conflicts, step: `replaying ${c.slice(0, 10)} "${subject.slice(0, 80)}" onto ${i.targetLabel}` };
    if (r.tree === tipTree) continue;
    const authorEnv = { ...env, GIT_AUTHOR_NAME: info.author.name, GIT_AUTHOR_EMAIL: info.author.email, ...(info.author.date ? { GIT_AUTHOR_DATE: info.author.date } : {}) };
    tip = await commitTree(i.repo, r.tree, [tip], info.message, authorEnv);
    tipTree = r.tree;
  }
  const historyTree = await treeOf(i.repo, history);
  if (historyTree !== i.featureTree) {
    const r = await applyTreeDiff(sealed, i.repo, historyTree, i.featureTree, tipTree, { onto: i.targetLabel, change: `uncommitted work of feature ${i.featureId}` });
    if (!r.clean) return { ok: false, conflicts: r.conflicts, step: `applying the work feature ${i.featureId} did not commit onto ${i.targetLabel}` };
    if (r.tree !== tipTree) {
      tip = await commitTree(i.repo, r.tree, [tip], commits.length === 0 ? i.message : leftover, env);
      tipTree = r.tree;
    }
  }
  return { ok: true, commit: tip, tree: tipTree, note };
}

async function emptyTree(repo: string): Promise<string> {
  return git(['hash-object', '-t', 'tree', '-w', '--stdin'], { cwd: repo, input: '' });
}
