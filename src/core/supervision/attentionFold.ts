/**
 * What in one feature's event log still waits for the person: the agent's failure, a turn it
 * finished, failed gates, undelivered messages, budgets reached, and what the person dismissed.
 * A fold: fed the log once at open, then each event as it is appended, so "Needs you" survives
 * a restart exactly as the log does. Pure (no I/O).
 */
import type { AopEvent } from '../events/schema';
import type { BudgetKind } from '../../shared/vocabulary';

export interface WaitingSince {
  /** ISO time of the event that started the wait. */
  since: string;
  /** The key a dismissal names. */
  key: string;
}

export interface AttentionFacts {
  failed?: WaitingSince & { reason: string };
  turnEnded?: WaitingSince & { how: 'turn' | 'exit' };
  gates: ReadonlyMap<string, WaitingSince & { seq: number; exitCode: number | null }>;
  undelivered: ReadonlyMap<string, WaitingSince & { text: string; reason?: string }>;
  budgets: ReadonlyMap<BudgetKind, { since: string; used: number; limit: number }>;
  /** When the breaker last opened, and when each standing critical violation (kind + path) was last recorded. */
  breakerSince?: string;
  criticalSince: ReadonlyMap<string, string>;
}

export function criticalKey(kind: string, path: string): string {
  return `${kind}:${path}`;
}

export class AttentionFold {
  private failed: AttentionFacts['failed'];
  private turnEnded: AttentionFacts['turnEnded'];
  private readonly gates = new Map<string, WaitingSince & { seq: number; exitCode: number | null }>();
  private readonly undelivered = new Map<string, WaitingSince & { text: string; reason?: string }>();
  private readonly texts = new Map<string, string>();
  private readonly budgets = new Map<BudgetKind, { since: string; used: number; limit: number }>();
  private breakerSince: string | undefined;
  private readonly criticalSince = new Map<string, string>();
  private readonly dismissed = new Set<string>();

  apply(e: AopEvent): void {
    switch (e.t) {
      case 'agent.state':
        if (e.to === 'failed') this.failed = { since: e.ts, key: `failed@${e.ts}`, reason: e.reason ?? 'the agent failed' };
        else if (e.to === 'queued' || e.to === 'starting') this.failed = undefined;
        if (e.to === 'exited' && e.reason === 'completed') this.turnEnded = { since: e.ts, key: `turn@${e.ts}`, how: 'exit' };
        else if (e.to !== 'running' && e.to !== 'paused') this.turnEnded = undefined;
        break;
      case 'agent.update':
        if (e.kind === 'turn.end') this.turnEnded = { since: e.ts, key: `turn@${e.ts}`, how: 'turn' };
        break;
      case 'message':
        if (e.text !== undefined) this.texts.set(e.id, e.text);
        // The person answered the agent: its finished turn has been looked at.
        if (e.state === 'queued' && e.from === 'user') this.turnEnded = undefined;
        if (e.state === 'undelivered' && e.from !== 'agent') {
          this.undelivered.set(e.id, { since: e.ts, key: `message:${e.id}`, text: this.texts.get(e.id) ?? '', reason: e.reason });
        } else if (e.state === 'acknowledged') this.undelivered.delete(e.id);
        // Settled: its text is no longer needed (the fold stays small over a long log).
        if (e.state === 'undelivered' || e.state === 'acknowledged') this.texts.delete(e.id);
        break;
      case 'gate':
        if (e.passed) this.gates.delete(e.name);
        else this.gates.set(e.name, { since: e.ts, key: `gate:${e.name}@${e.ts}`, seq: e.seq, exitCode: e.exitCode });
        break;
      case 'budget':
        if (e.state === 'reached') this.budgets.set(e.kind, { since: e.ts, used: e.used, limit: e.limit });
        else this.budgets.delete(e.kind);
        break;
      case 'breaker':
        this.breakerSince = e.state === 'open' ? e.ts : undefined;
        break;
      case 'violation.critical':
        for (const v of e.violations) this.criticalSince.set(criticalKey(v.kind, v.path), e.ts);
        break;
      case 'checkpoint':
        for (const v of e.violations) if (v.severity === 'critical' && !this.criticalSince.has(criticalKey(v.kind, v.path))) this.criticalSince.set(criticalKey(v.kind, v.path), e.ts);
        break;
      case 'attention':
        this.dismissed.add(e.dismissed);
        break;
      default:
        break;
    }
  }

  /** What still waits, dismissed items left out. */
  facts(): AttentionFacts {
    const keep = <T extends WaitingSince>(x: T | undefined) => (x && !this.dismissed.has(x.key) ? x : undefined);
    const keepAll = <K, T extends WaitingSince>(m: Map<K, T>) => new Map([...m].filter(([, v]) => !this.dismissed.has(v.key)));
    return {
      failed: keep(this.failed),
      turnEnded: keep(this.turnEnded),
      gates: keepAll(this.gates),
      undelivered: keepAll(this.undelivered),
      budgets: new Map(this.budgets),
      breakerSince: this.breakerSince,
      criticalSince: new Map(this.criticalSince),
    };
  }
}
