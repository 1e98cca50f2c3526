/**
 * The first half of "accept feature": judge the whole branch and say what accepting would do,
 * for a person to confirm. A full checkpoint is taken, so the judgement covers the agent's
 * commits, uncommitted and untracked work alike; the plan's rules are checked cumulatively
 * against the base, plus other features' exclusive areas; required gates must have passed on
 * exactly this checkpoint (those without a result are run, when a runner is given and the
 * workspace is trusted). Nothing here changes a branch.
 */
import { isLive } from '../agents/states';
import { diffTrees } from '../checkpoints/treeDiff';
import { exclusiveAreaViolations, fileCollisions, gatherChangeSets, type Collision } from '../collisions';
import { gateStatuses, unmetRequiredGates, type GateRun, type GateRunner, type GateStatus } from '../gates';
import { git } from '../git/gitRunner';
import type { FileChange, Violation } from '../model/types';
import type { AcceptHost } from './host';
import { AopError, errorMessage } from '../util/errors';
import { brokenGitlinks, checkHistory, type HistoryCheck } from './history';
import { filteredFiles } from './lineEndings';
import { resolveTarget, type AcceptTarget } from './target';

export interface AcceptFile {
  path: string;
  status: FileChange['status'];
  added?: number;
  removed?: number;
  binary?: boolean;
}

export interface AcceptSummary {
  featureId: string;
  /** The checkpoint this summary judged: accept integrates exactly its content. */
  seq: number;
  checkpointCommit: string;
  tree: string;
  baseRef: string;
  baseCommit: string;
  target: AcceptTarget & { commitsSinceBase: number };
  files: AcceptFile[];
  linesAdded: number;
  linesRemoved: number;
  /** The plan's rules and other features' exclusive areas, cumulative against the base. */
  violations: Violation[];
  /** Files another active feature changes too. */
  collisions: Collision[];
  gates: GateStatus[];
  /** The feature branch's tip (the agent's own commits), when the branch exists. */
  branchTip?: string;
  /**
   * The agent's commits, checked like checkpoints: what they hold that the accepted content does
   * not refuses merge and rebase (`history.refused`); squash lands only the checked content.
   */
  history: HistoryCheck;
  /** Gates run while preparing this summary. */
  gateRuns: GateRun[];
  /** Worth knowing, not in the way. */
  warnings: string[];
  /** What stands in the way; accept is possible only when empty. */
  blockers: string[];
  ready: boolean;
}

export interface PrepareAcceptOptions {
  /** Runs required gates that have no result on the checkpoint yet. */
  gates?: GateRunner;
  /** Let violations of severity `error` through (critical ones never pass). */
  allowErrors?: boolean;
  /** Land on this local branch instead of the feature's base. */
  targetBranch?: string;
}

const MAX_LISTED = 5;

export async function prepareAccept(orch: AcceptHost, featureId: string, o: PrepareAcceptOptions = {}): Promise<AcceptSummary> {
  const rt = orch.feature(featureId);
  const id = rt.id;
  const blockers: string[] = [];
  const warnings: string[] = [];

  const session = orch.session(id);
  if (session && isLive(session.state)) {
    blockers.push(`The agent is still ${session.state}; stop it before accepting, so the content cannot change under the review.`);
  }
  await rt.loadPlan();
  if (rt.planError) blockers.push(`plan.yaml is invalid (${rt.planError}); fix it so the feature is judged against the plan you mean.`);
  if (rt.breaker.state.open) blockers.push('Checkpoints of this feature keep failing (circuit breaker open); resolve that first, or the checkpoint may miss work.');

  const snap = await judge(rt);
  let seq = snap.seq;
  let snapshot = snap;

  // Gates: run the required ones that have no result for exactly this checkpoint.
  const gateRuns: GateRun[] = [];
  // The log is read once, and again only if gates ran (it can be large: agent output lives there).
  let events = (await rt.log.read()).events;
  if (o.gates && rt.plan.gates.some((g) => g.requiredForAccept)) {
    const names = gateStatuses(rt.plan.gates, events, seq)
      .filter((s) => s.required && s.status === 'missing')
      .map((s) => s.name);
    if (names.length > 0) {
      try {
        gateRuns.push(...(await o.gates.runAll(id, { only: names, trigger: 'accept' })));
      } catch (e) {
        if (AopError.is(e, 'UNTRUSTED')) blockers.push('Required gates cannot run in an untrusted workspace; trust it first.');
        else blockers.push(`Required gates could not run: ${errorMessage(e)}`);
      }
      const now = rt.checkpoints.head.seq;
      if (now !== seq) {
        blockers.push(`The worktree changed while the gates ran (checkpoint ${seq} -> ${now}): their results hold for checkpoint ${seq} only. Find what wrote to the worktree (often a gate writing files that are not ignored), then review again.`);
        snapshot = await judge(rt);
        seq = snapshot.seq;
      }
    }
  }
  if (gateRuns.length > 0) events = (await rt.log.read()).events;
  const gates = gateStatuses(rt.plan.gates, events, seq);
  blockers.push(...unmetRequiredGates(gates, seq));

  // Rules across features: their exclusive areas, and files they change too.
  const sets = (await gatherChangeSets(orch)).map((s) => (s.id === id ? { ...s, changes: snapshot.changes } : s));
  // .git writes and writes in the main checkout are seen by watchers, not by checkpoints.
  const seen = new Set(snapshot.violations.map((v) => `${v.kind}\0${v.path}`));
  // Standing ones (the git folder, your checkout, .aop/) no rollback answers: they are listed until resolved.
  const watched = [...rt.violations.observed, ...rt.violations.standing].filter((v) => !seen.has(`${v.kind}\0${v.path}`));
  const gitlinks = await brokenGitlinks(rt.plan, rt.checkpoints.store, snapshot.changes);
  const violations = [...snapshot.violations, ...gitlinks, ...watched, ...(exclusiveAreaViolations(sets).get(id) ?? [])];
  const collisions = fileCollisions(sets).get(id) ?? [];
  const critical = violations.filter((v) => v.severity === 'critical');
  const errors = violations.filter((v) => v.severity === 'error');
  if (critical.length > 0) blockers.push(`${critical.length} critical violation(s): ${list(critical.map((v) => `${v.kind} ${v.path}`))}. Roll them back first (changes to the git folder, your checkout or .aop/: restore, move out or acknowledge them).`);
  const pending = await orch.guards.pendingChanges(id);
  if (pending.length > 0) warnings.push(`${list(pending.map((p) => (p.kind === 'plan' ? 'plan.yaml' : 'spec.md')))} changed on disk and is not in force: the feature was judged against the version you last saved or confirmed. Review the change to apply or revert it.`);
  if (errors.length > 0 && !o.allowErrors) {
    blockers.push(`${errors.length} violation(s) of the plan: ${list(errors.map((v) => `${v.kind} ${v.path || '(feature)'}`))}. Roll them back, widen the plan, or accept with errors allowed.`);
  }
  if (collisions.length > 0) {
    const others = [...new Set(collisions.map((c) => c.otherFeature))];
    warnings.push(`${collisions.length} file(s) are also changed by ${others.map((x) => `"${x}"`).join(', ')}: ${list(collisions.map((c) => c.path))}. Whichever is accepted second may conflict.`);
  }

  const files: AcceptFile[] = (await diffTrees(orch.repoRoot, rt.state.baseCommit, snapshot.commit, { numstat: true })).map((c) => {
    const f: AcceptFile = { path: c.path, status: c.status };
    if (c.added !== undefined) f.added = c.added;
    if (c.removed !== undefined) f.removed = c.removed;
    if (c.binary) f.binary = true;
    return f;
  });
  if (files.length === 0) blockers.push('Nothing to accept: the feature does not differ from its base.');
  // What merge and rebase would land besides the checked content: the agent's own commits.
  const branchTip = await git(['rev-parse', '--verify', '-q', `refs/heads/${rt.state.branch}^{commit}`], { cwd: orch.repoRoot }).catch(() => '');
  const history = await checkHistory({
    repo: orch.repoRoot,
    baseCommit: rt.state.baseCommit,
    branchTip: branchTip || undefined,
    plan: rt.plan,
    validator: rt.validator,
    store: rt.checkpoints.store,
    finalViolations: violations,
  });
  if (history.unchecked) warnings.push(history.unchecked);
  else if (history.unclean.length > 0) {
    const files = [...new Set(history.unclean.flatMap((u) => u.violations.map((v) => v.path || '(feature)')))];
    warnings.push(
      `${history.unclean.length} of the agent's ${history.commits} commit(s) hold what the accepted content does not (${list(files)}): merge${history.refused.rebase ? ' and rebase are' : ' is'} refused; squash lands only the checked content.`,
    );
  }
  const filtered = await filteredFiles(orch.repoRoot, rt.state.baseCommit, snapshot.tree);
  if (filtered.length > 0) {
    const names = [...new Set(filtered.map((f) => f.filter))].map((n) => `filter=${n}`).join(', ');
    warnings.push(
      `${filtered.length} file(s) are under a filter (${names}): ${list(filtered.map((f) => f.path))}. No filter runs on accept, so they land as the agent wrote them, not as git add with the filter would record them (e.g. not as Git LFS pointers).`,
    );
  }
  const notSnap = rt.checkpoints.notSnapshottedPaths;
  if (notSnap.length > 0) warnings.push(`${notSnap.length} path(s) are not in the checkpoint and will not be accepted: ${list(notSnap.map((n) => `${n.path} (${n.reason})`))}.`);

  const t = await resolveTarget(orch.repoRoot, rt.state.baseRef, o.targetBranch);
  const commitsSinceBase = t.tip === rt.state.baseCommit ? 0 : Number(await git(['rev-list', '--count', `${rt.state.baseCommit}..${t.tip}`], { cwd: orch.repoRoot }));
  if (commitsSinceBase > 0) warnings.push(`${t.label} has ${commitsSinceBase} new commit(s) since the feature started; the feature is integrated onto its current tip, and its gates ran against the old base.`);
  if (!t.ref) warnings.push(`"${t.label}" is not a local branch: the result will be left at refs/aop/${id}/accepted for you to use.`);
  else if (t.checkedOut) warnings.push(`${t.label} is checked out in ${t.checkedOut.main ? 'your checkout' : 'the worktree'} ${t.checkedOut.path}; it will not be moved under that working tree. You will finish with one git command there.`);

  return {
    featureId: id,
    seq,
    checkpointCommit: snapshot.commit,
    tree: snapshot.tree,
    baseRef: rt.state.baseRef,
    baseCommit: rt.state.baseCommit,
    target: { ...t, commitsSinceBase },
    files,
    linesAdded: files.reduce((n, f) => n + (f.added ?? 0), 0),
    linesRemoved: files.reduce((n, f) => n + (f.removed ?? 0), 0),
    violations,
    collisions,
    gates,
    branchTip: branchTip || undefined,
    history,
    gateRuns,
    warnings,
    blockers,
    ready: blockers.length === 0,
  };
}

type Runtime = ReturnType<AcceptHost['feature']>;

/**
 * Brings the checkpoints up to the worktree, then, in the feature's lane (no checkpoint can land
 * halfway), reads the head and validates everything it differs from the base in.
 */
async function judge(rt: Runtime): Promise<{ seq: number; commit: string; tree: string; changes: FileChange[]; violations: Violation[] }> {
  await rt.flush();
  await rt.checkpoints.request({ full: true, trigger: 'manual' });
  return rt.checkpoints.exclusive(async () => {
    const head = rt.checkpoints.head;
    const changes = await rt.checkpoints.cumulativeChanges();
    const r = await rt.validator.validate(changes);
    return { seq: head.seq, commit: head.commit, tree: head.tree, changes, violations: r.violations };
  });
}

function list(items: string[]): string {
  return items.length <= MAX_LISTED ? items.join(', ') : `${items.slice(0, MAX_LISTED).join(', ')} and ${items.length - MAX_LISTED} more`;
}
