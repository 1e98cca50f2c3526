/**
 * What the plan lets an agent write or do, decided before it happens: the host's `guardWrite`
 * (a write routed through the client, ACP fs/write_text_file) and `decidePermission` (a tool call
 * asking first). Both judge the path and, wherever the agent says what it would write, the
 * content too: secrets, size (of a whole file), and the path rules. Anything above a warning is
 * refused with the plan's own words, which the agent is told. Reads are free; edits of named
 * paths inside the worktree are allowed; anything else asks the person.
 */
import type { AgentHost, PermissionQuery, PermissionVerdict, WriteDecision } from '../agents';
import type { Violation } from '../model/types';
import type { Validator } from '../validation';

/** The validator's checks these decisions need. */
export type PlanChecks = Pick<Validator, 'checkPath' | 'checkProposedWrite'>;

/** The host hooks deciding on writes and permission requests with the feature's plan. */
export function planGuards(checks: PlanChecks): Required<Pick<AgentHost, 'guardWrite' | 'decidePermission'>> {
  return {
    guardWrite: (relPath, content) => guardWrite(checks, relPath, content),
    decidePermission: (q) => decidePermission(checks, q),
  };
}

/** A write routed through the client: its path and its whole content. */
export function guardWrite(checks: PlanChecks, relPath: string, content: string): WriteDecision {
  const bad = blocking(checks.checkProposedWrite(relPath, content, true));
  return bad.length === 0 ? { allow: true } : { allow: false, reason: refusal(bad) };
}

export function decidePermission(checks: PlanChecks, q: PermissionQuery): PermissionVerdict {
  if (q.outsidePaths.length > 0) return { decision: 'deny', reason: `${q.outsidePaths.join(', ')} ${q.outsidePaths.length > 1 ? 'are' : 'is'} outside the feature's worktree.` };
  const bad = unique([...q.paths.flatMap((p) => blocking(checks.checkPath(p))), ...q.writes.flatMap((w) => blocking(checks.checkProposedWrite(w.path, w.content, w.whole)))]);
  if (bad.length > 0) return { decision: 'deny', reason: refusal(bad) };
  if (q.kind === 'read' || q.kind === 'search' || q.kind === 'think' || q.kind === 'fetch') return { decision: 'allow' };
  if ((q.kind === 'edit' || q.kind === 'delete' || q.kind === 'move') && q.paths.length > 0) return { decision: 'allow' };
  return { decision: 'ask' };
}

function blocking(violations: readonly Violation[]): Violation[] {
  return violations.filter((v) => v.severity !== 'warning');
}

function refusal(bad: readonly Violation[]): string {
  return bad.map((v) => v.message).join(' ');
}

/** The same finding named by a tool call's path and by its proposed write is said once. */
function unique(vs: Violation[]): Violation[] {
  const seen = new Set<string>();
  return vs.filter((v) => {
    const key = `${v.kind}\0${v.path}\0${v.line ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Why `decidePermission` left a request to the person: the rule that made it an ask, in words. */
export function askRule(q: PermissionQuery): string {
  if (q.kind === 'execute') return 'the plan judges files, not commands: running one is always asked';
  if ((q.kind === 'edit' || q.kind === 'delete' || q.kind === 'move') && q.paths.length === 0) return `the ${q.kind} names no file the plan could judge`;
  if (q.kind) return `the plan does not decide requests of kind "${q.kind}"`;
  return 'the request does not say what kind of action it is';
}
