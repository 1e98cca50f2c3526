/**
 * The "Needs you" queue: builds the ordered list of what waits for the person across features,
 * from each feature's standing state (agent, violations, breaker), its log's fold (see
 * attentionFold.ts) and the permission requests held by the broker. Pure.
 */
import type { Violation } from '../model/types';
import { compareNeedsYou, type NeedsYouAction, type NeedsYouItem } from '../../shared/needsYou';
import { violationKindLabel } from '../../shared/vocabulary';
import { BUDGET_LABEL, formatBudgetValue } from '../../shared/words';
import { criticalKey, type AttentionFacts } from './attentionFold';
import type { PendingPermission } from './permissionBroker';

export interface FeatureAttention {
  repoRoot: string;
  featureId: string;
  /** The agent's state now (fresher than the log). */
  agentState?: string;
  violations: readonly Violation[];
  breaker: { open: boolean; errors: readonly string[] };
  facts: AttentionFacts;
}

const LIVE = new Set(['starting', 'running', 'paused', 'stopping']);

/** At most this many critical violations are listed per feature (the rest are one click away in Problems). */
export const MAX_CRITICAL_ITEMS = 20;

export function needsYouItems(features: readonly FeatureAttention[], permissions: readonly (PendingPermission & { repoRoot: string })[]): NeedsYouItem[] {
  const out: NeedsYouItem[] = [];
  const base = (f: { repoRoot: string; featureId: string }) => ({ repoRoot: f.repoRoot, featureId: f.featureId });

  for (const p of permissions) {
    const where = p.paths.length ? `${p.paths.slice(0, 3).join(', ')}${p.paths.length > 3 ? `, and ${p.paths.length - 3} more` : ''} · ` : '';
    out.push({
      ...base(p),
      id: `${p.repoRoot}\0${p.featureId}\0permission:${p.id}`,
      kind: 'permission',
      title: `Agent asks: ${p.title}${p.kind ? ` (${p.kind})` : ''}`,
      detail: `${where}asked because ${p.rule}`,
      since: p.since,
      open: { kind: 'permission', requestId: p.id },
      actions: ['allow', 'deny'],
      subject: p.id,
    });
  }

  for (const f of features) {
    const id = (key: string) => `${f.repoRoot}\0${f.featureId}\0${key}`;
    const live = f.agentState !== undefined && LIVE.has(f.agentState);
    const { facts } = f;

    const critical = f.violations.filter((v) => v.severity === 'critical');
    for (const v of critical.slice(0, MAX_CRITICAL_ITEMS)) {
      out.push({
        ...base(f),
        id: id(`critical:${criticalKey(v.kind, v.path)}`),
        kind: 'critical_violation',
        title: `${violationKindLabel(v.kind)}: ${v.path}`,
        detail: v.message,
        since: facts.criticalSince.get(criticalKey(v.kind, v.path)) ?? '',
        open: { kind: 'file', path: v.path, ...(v.line !== undefined ? { line: v.line } : {}) },
        actions: live ? ['stop'] : [],
      });
    }

    for (const [kind, b] of facts.budgets) {
      out.push({
        ...base(f),
        id: id(`budget:${kind}`),
        kind: 'budget_reached',
        title: `${BUDGET_LABEL[kind]} budget reached`,
        detail: `${formatBudgetValue(kind, b.used)} of ${formatBudgetValue(kind, b.limit)}. The agent is paused; extend the budget, accept the work as it is, or stop the agent.`,
        since: b.since,
        open: { kind: 'review' },
        actions: ['extend', 'accept', 'stop'],
        subject: kind,
      });
    }

    if (f.breaker.open) {
      out.push({
        ...base(f),
        id: id('breaker'),
        kind: 'breaker_open',
        title: 'Checkpoints keep failing: agent held',
        detail: f.breaker.errors[f.breaker.errors.length - 1] ?? 'Three checkpoints in a row failed.',
        since: facts.breakerSince ?? '',
        open: { kind: 'review' },
        actions: ['resetBreaker'],
      });
    }

    // The live state decides: a failure the person already restarted from is gone.
    if (facts.failed && !live && f.agentState !== 'queued') {
      out.push({
        ...base(f),
        id: id(facts.failed.key),
        kind: 'agent_failed',
        title: 'Agent failed',
        detail: facts.failed.reason,
        since: facts.failed.since,
        open: { kind: 'output' },
        actions: ['restart', 'dismiss'],
      });
    }

    for (const [name, g] of facts.gates) {
      out.push({
        ...base(f),
        id: id(g.key),
        kind: 'gate_failed',
        title: `Gate ${name} failed on checkpoint #${g.seq}`,
        detail: g.exitCode === null ? 'It did not finish (timed out or was killed).' : `It exited with code ${g.exitCode}.`,
        since: g.since,
        open: { kind: 'gate', gate: name },
        actions: ['rerunGate', 'dismiss'],
        subject: name,
      });
    }

    for (const [messageId, m] of facts.undelivered) {
      const text = m.text.replace(/\s+/g, ' ').trim();
      out.push({
        ...base(f),
        id: id(m.key),
        kind: 'message_undelivered',
        title: `Message not delivered: ${text.length > 60 ? `${text.slice(0, 59)}…` : text || '(empty)'}`,
        detail: m.reason ?? 'The agent never acknowledged it.',
        since: m.since,
        open: { kind: 'review' },
        actions: (live ? ['resend', 'dismiss'] : ['dismiss']) satisfies NeedsYouAction[],
        subject: messageId,
      });
    }

    if (facts.turnEnded && (facts.turnEnded.how === 'exit' || live)) {
      out.push({
        ...base(f),
        id: id(facts.turnEnded.key),
        kind: 'turn_ended',
        title: facts.turnEnded.how === 'exit' ? 'Agent finished: review its work' : 'Agent finished its turn: review, then reply or accept',
        detail: 'Open the review to see what changed since the base.',
        since: facts.turnEnded.since,
        open: { kind: 'review' },
        actions: ['dismiss'],
      });
    }
  }
  return out.sort(compareNeedsYou);
}

/** The key a dismissal records in the feature's log (the part of the item id after the feature). */
export function dismissalKey(item: Pick<NeedsYouItem, 'id'>): string {
  const parts = item.id.split('\0');
  return parts[parts.length - 1]!;
}
