/**
 * What the accept dialogs say: the summary a person confirms (files, lines, violations, gates,
 * blockers) and the outcome (landed, finish in your checkout, conflicts, blocked). Pure text,
 * no `vscode`, so it is tested in plain Node.
 */
import type { AcceptOutcome, AcceptSummary } from '../../core/accept';
import type { GateStatus } from '../../core/gates';
import { branchName } from '../../shared/format';

const STATUS_WORD: Record<string, string> = { A: 'A', M: 'M', D: 'D', T: 'T' };

function short(oid: string): string {
  return oid.slice(0, 8);
}

function branchOr(ref: string | undefined, label: string): string {
  return ref === undefined ? label : branchName(ref);
}

function listed<T>(items: readonly T[], max: number, line: (t: T) => string): string[] {
  const out = items.slice(0, max).map((t) => `  ${line(t)}`);
  if (items.length > max) out.push(`  …and ${items.length - max} more`);
  return out;
}

/** One gate as a line: ✓ passed, ✗ failed, ○ not run on this checkpoint. */
export function gateLine(g: GateStatus, seq: number): string {
  const req = g.required ? 'required' : 'optional';
  if (g.status === 'passed') return `✓ ${g.name} (${req}) passed on #${seq}`;
  if (g.status === 'failed') return `✗ ${g.name} (${req}) failed on #${seq}, exit ${g.evidence?.exitCode ?? 'none'}`;
  const last = g.lastRun ? `; last run on #${g.lastRun.seq} ${g.lastRun.passed ? 'passed' : 'failed'}` : '';
  return `○ ${g.name} (${req}) not run on #${seq}${last}`;
}

/** The modal's message and detail for a summary. */
export function describeAcceptSummary(s: AcceptSummary, max = 15): { message: string; detail: string } {
  const target = branchOr(s.target.ref, s.target.label);
  const message = s.ready ? `Accept feature "${s.featureId}" into ${target}?` : `Feature "${s.featureId}" cannot be accepted yet.`;
  const lines: string[] = [];
  const moved = s.target.commitsSinceBase > 0 ? `, which has ${s.target.commitsSinceBase} new commit(s) since the feature started` : '';
  lines.push(`Checkpoint #${s.seq} onto ${target} (${short(s.target.tip)})${moved}.`);
  lines.push('');
  lines.push(`${s.files.length} file(s), +${s.linesAdded} −${s.linesRemoved}:`);
  lines.push(...listed(s.files, max, (f) => `${STATUS_WORD[f.status] ?? f.status} ${f.path}${f.binary ? ' (binary)' : f.added !== undefined ? `  +${f.added} −${f.removed ?? 0}` : ''}`));
  lines.push('');
  if (s.violations.length === 0) lines.push('Violations: none.');
  else {
    lines.push(`Violations (${s.violations.length}):`);
    lines.push(...listed(s.violations, max, (v) => `${v.severity} ${v.kind} ${v.path || '(whole feature)'}`));
  }
  if (s.gates.length === 0) lines.push('Gates: none in the plan.');
  else {
    lines.push(`Gates (${s.gates.length}):`);
    lines.push(...listed(s.gates, max, (g) => gateLine(g, s.seq)));
  }
  if (s.collisions.length > 0) {
    lines.push(`Shared with other features (${s.collisions.length}):`);
    lines.push(...listed(s.collisions, max, (c) => `${c.path} (also changed by "${c.otherFeature}")`));
  }
  if (s.warnings.length > 0) {
    lines.push('', 'Worth knowing:');
    lines.push(...listed(s.warnings, max, (w) => `- ${w}`));
  }
  if (s.blockers.length > 0) {
    lines.push('', 'Blocked by:');
    lines.push(...listed(s.blockers, max, (b) => `- ${b}`));
  }
  return { message, detail: lines.join('\n') };
}

/** A path as one shell word (POSIX quoting when it needs any). */
export function shellWord(p: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

export interface OutcomeText {
  level: 'info' | 'warning';
  message: string;
  detail?: string;
  /** A command for the person to run (finish in their checkout), offered for copying. */
  command?: string;
}

export function describeAcceptOutcome(featureId: string, o: AcceptOutcome): OutcomeText {
  switch (o.status) {
    case 'landed': {
      const extra = [...o.notes, ...(o.archived?.error ? [o.archived.error] : [])];
      return {
        level: o.archived?.error ? 'warning' : 'info',
        message: `Feature "${featureId}" landed on ${branchOr(o.ref, o.ref)} as ${short(o.commit)} (${o.strategy} of checkpoint #${o.summary.seq}).${extra.length ? ` ${extra.join(' ')}` : ''}`,
      };
    }
    case 'finish-in-checkout': {
      const command = o.checkout ? `git -C ${shellWord(o.checkout)} merge --ff-only ${o.commit}` : `git branch <name> ${o.commit}`;
      const where = o.checkout ? `${branchOr(o.ref, o.summary.target.label)} is checked out in ${o.checkout}, so it was left for you to move` : `"${o.summary.target.label}" is not a local branch`;
      return {
        level: 'info',
        message: `Feature "${featureId}" is accepted as ${short(o.commit)} (kept at ${o.acceptedRef}); ${where}. To finish, run: ${command}`,
        detail: [o.instructions, ...o.notes, ...(o.archived?.error ? [o.archived.error] : [])].join('\n\n'),
        command,
      };
    }
    case 'conflicts':
      return {
        level: 'warning',
        message: `Feature "${featureId}" conflicts with ${branchOr(o.summary.target.ref, o.summary.target.label)} in ${o.conflicts.length} file(s); nothing was changed.`,
        detail: [
          `While ${o.step}:`,
          ...o.conflicts.map((c) => `${c.path}: ${c.types.join(', ') || 'conflict'}${c.messages.length ? `\n  ${c.messages.join('\n  ')}` : ''}`),
          '',
          'Resolve them in the feature (or pick another strategy), then accept again.',
        ].join('\n'),
      };
    case 'blocked':
      return { level: 'warning', message: `Feature "${featureId}" was not accepted.`, detail: o.reasons.map((r) => `- ${r}`).join('\n') };
  }
}
