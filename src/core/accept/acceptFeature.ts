/**
 * The second half of "accept feature": after a person confirmed a summary (for checkpoint N),
 * integrate exactly checkpoint N's content into the target branch with git plumbing, never
 * touching the user's checkout, index or HEAD:
 *
 * 1. Judge again; refuse if the feature moved past N or anything now blocks.
 * 2. Compute the result commit (squash, merge or rebase; see integrate.ts). A conflict returns
 *    the conflicted files and changes nothing.
 * 3. Point `refs/aop/<id>/accepted` at the result (kept after the feature is archived).
 * 4. Move the target branch with a compare-and-swap `update-ref` (old value given) only when no
 *    working tree has it checked out. Where one does (typically the user's own checkout), the
 *    branch stays put and the result says the one command that finishes the job there.
 * 5. Archive the feature: agent stopped, worktree removed, branch, refs and log kept.
 */
import * as fs from 'node:fs/promises';
import { git } from '../git/gitRunner';
import type { AcceptHost } from './host';
import { AopError, errorMessage } from '../util/errors';
import type { ConflictFile } from './gitPlumbing';
import { treeOf } from './gitPlumbing';
import { ACCEPT_STRATEGIES, integrate, type AcceptStrategy } from './integrate';
import { prepareAccept, type AcceptSummary, type PrepareAcceptOptions } from './summary';
import { resolveTarget } from './target';

export interface AcceptOptions extends PrepareAcceptOptions {
  strategy: AcceptStrategy;
  /** The checkpoint of the summary the person confirmed; anything newer is refused. */
  expectSeq: number;
  /** Accept changes branches: refused in an untrusted workspace. */
  isTrusted(): boolean;
  /** Message of the squash or merge commit (default: from the feature id and its spec's title). */
  message?: string;
  /** Remove the worktree afterwards (default true). */
  archive?: boolean;
  maxReplay?: number;
}

interface Landed {
  commit: string;
  /** `refs/aop/<id>/accepted`, pointing at `commit`. */
  acceptedRef: string;
  strategy: AcceptStrategy;
  summary: AcceptSummary;
  /** Archive outcome: the final checkpoint number, or why archiving failed. */
  archived?: { finalSeq?: number; error?: string };
  notes: string[];
}

export type AcceptOutcome =
  | { status: 'blocked'; reasons: string[]; summary: AcceptSummary }
  | { status: 'conflicts'; conflicts: ConflictFile[]; step: string; summary: AcceptSummary }
  /** The target branch now points at `commit`. */
  | ({ status: 'landed'; ref: string; previous: string } & Landed)
  /** The result is ready but the branch was left alone; `instructions` say how to finish. */
  | ({ status: 'finish-in-checkout'; ref?: string; checkout?: string; instructions: string } & Landed);

const CAS_ATTEMPTS = 3;

export async function acceptFeature(orch: AcceptHost, featureId: string, o: AcceptOptions): Promise<AcceptOutcome> {
  if (!(ACCEPT_STRATEGIES as readonly string[]).includes(o.strategy)) {
    throw new AopError('INVALID_INPUT', `Unknown accept strategy ${JSON.stringify(o.strategy)}; choose merge, squash or rebase.`);
  }
  if (!o.isTrusted()) throw new AopError('UNTRUSTED', 'Accepting a feature changes your branches; trust the workspace first (Manage Workspace Trust).');
  const rt = orch.feature(featureId);
  const id = rt.id;
  const repo = orch.repoRoot;
  // The gates already ran for the summary the person confirmed; do not start new ones now.
  const summary = await prepareAccept(orch, id, { allowErrors: o.allowErrors, targetBranch: o.targetBranch });
  if (summary.seq !== o.expectSeq) {
    return { status: 'blocked', reasons: [`The feature changed after you reviewed it (checkpoint ${o.expectSeq}, now ${summary.seq}). Review the new summary and accept again.`], summary };
  }
  if (!summary.ready) return { status: 'blocked', reasons: summary.blockers, summary };
  // Merge and rebase land the agent's own commits: refused when those hold unchecked content.
  const historyRefusal = summary.history.refused[o.strategy];
  if (historyRefusal) return { status: 'blocked', reasons: [historyRefusal], summary };
  const branchTip = summary.branchTip;
  const message = o.message ?? (await defaultMessage(orch, id, o.strategy, summary));
  const acceptedRef = `refs/aop/${id}/accepted`;
  const notes: string[] = [];

  for (let attempt = 1; ; attempt++) {
    const target = await resolveTarget(repo, rt.state.baseRef, o.targetBranch);
    const r = await integrate({
      repo,
      strategy: o.strategy,
      featureId: id,
      seq: summary.seq,
      targetTip: target.tip,
      targetLabel: target.label,
      baseCommit: rt.state.baseCommit,
      featureTree: summary.tree,
      branchTip,
      message,
      maxReplay: o.maxReplay,
    });
    if (!r.ok) return { status: 'conflicts', conflicts: r.conflicts, step: r.step, summary };
    if (r.tree === (await treeOf(repo, target.tip))) {
      return { status: 'blocked', reasons: [`${target.label} already contains everything this feature changes; there is nothing to land.`], summary };
    }
    if (r.note && !notes.includes(r.note)) notes.push(r.note);
    await git(['update-ref', '-m', `aop: feature ${id} accepted (${o.strategy})`, acceptedRef, r.commit], { cwd: repo });

    if (target.ref && !target.checkedOut) {
      // Compare-and-swap: fails if the branch moved since we read its tip; then compute again.
      try {
        // Ours: other features' agents may be running, and the git-folder guard must not take this for theirs.
        const ref = target.ref;
        await orch.guards.expect([ref, 'packed-refs'], () => git(['update-ref', '-m', `aop: accept feature ${id} (${o.strategy}, checkpoint ${summary.seq})`, ref, r.commit, target.tip], { cwd: repo }));
      } catch (e) {
        if (attempt < CAS_ATTEMPTS && AopError.is(e, 'GIT_FAILED')) continue;
        throw new AopError('CONFLICT', `${target.label} kept moving while the feature was being accepted; try again. The computed result is at ${acceptedRef}.`, { cause: e });
      }
      await record(rt, { seq: summary.seq, strategy: o.strategy, commit: r.commit, target: target.ref, landed: true, previous: target.tip });
      const archived = await archive(orch, id, summary.seq, o.archive, notes);
      return { status: 'landed', ref: target.ref, previous: target.tip, commit: r.commit, acceptedRef, strategy: o.strategy, summary, archived, notes };
    }

    const instructions = target.checkedOut
      ? `${target.label} is checked out in ${target.checkedOut.path}, so it was not moved under that working tree. To finish, run there:\n  git merge --ff-only ${r.commit}\n(the result is also kept at ${acceptedRef}). If ${target.label} gained commits meanwhile, use \`git merge ${acceptedRef}\` instead.`
      : `"${target.label}" is not a local branch, so nothing was moved. The result is at ${acceptedRef} (${r.commit}); for example: git branch <name> ${r.commit}`;
    await record(rt, { seq: summary.seq, strategy: o.strategy, commit: r.commit, target: target.label, landed: false });
    const archived = await archive(orch, id, summary.seq, o.archive, notes);
    return { status: 'finish-in-checkout', ref: target.ref, checkout: target.checkedOut?.path, instructions, commit: r.commit, acceptedRef, strategy: o.strategy, summary, archived, notes };
  }
}

/** The accept in the feature's history (its event log), before archiving removes the worktree. */
async function record(rt: ReturnType<AcceptHost['feature']>, e: { seq: number; strategy: AcceptStrategy; commit: string; target: string; landed: boolean; previous?: string }): Promise<void> {
  await rt.log.append({ t: 'feature.accepted', ...e });
  await rt.log.sync();
}

async function archive(orch: AcceptHost, id: string, seq: number, enabled: boolean | undefined, notes: string[]): Promise<{ finalSeq?: number; error?: string } | undefined> {
  if (enabled === false) return undefined;
  try {
    const { finalSeq } = await orch.deleteFeature(id);
    if (finalSeq !== undefined && finalSeq !== seq) {
      notes.push(`Changes made after checkpoint ${seq} were not accepted; they are kept at refs/aop/${id}/${finalSeq}.`);
    }
    return { finalSeq };
  } catch (e) {
    return { error: `The feature was accepted but its worktree could not be removed: ${errorMessage(e)}. Delete the feature by hand.` };
  }
}

async function defaultMessage(orch: AcceptHost, id: string, strategy: AcceptStrategy, s: AcceptSummary): Promise<string> {
  const title = await specTitle(orch, id);
  const subject = strategy === 'merge' ? `Merge feature ${id}${title ? `: ${title}` : ''}` : `${id}: ${title || 'accepted feature'}`;
  const gates = s.gates.filter((g) => g.status === 'passed').map((g) => g.name);
  const trailers = [`Aop-Feature: ${id}`, `Aop-Checkpoint: ${s.seq}`];
  if (gates.length > 0) trailers.push(`Aop-Gates-Passed: ${gates.join(', ')}`);
  return `${subject}\n\n${trailers.join('\n')}\n`;
}

/** The spec's first heading or line, as a commit subject. */
async function specTitle(orch: AcceptHost, id: string): Promise<string> {
  try {
    const text = await fs.readFile(orch.feature(id).paths.spec, 'utf8');
    const line = text.split('\n').map((l) => l.replace(/^#+\s*/, '').trim()).find((l) => l !== '');
    return (line ?? '').slice(0, 72);
  } catch {
    return '';
  }
}
