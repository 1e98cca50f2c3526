/**
 * A feature's health, derived from its event log: checkpoint latency (p50/p95/p99 over the
 * recent window, and the last one), the validation cache-hit rate, checkpoint failures, the
 * watcher's last reported state and the batching pace. The façade adds what only the live
 * services know (watcher alive, disk use). Pure.
 */
import type { AopEvent } from '../events/schema';

/** Percentiles are over this many recent checkpoints (a long-lived feature's early ones are old news). */
export const HEALTH_WINDOW = 1000;

export interface LatencyFigures {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  last: number;
  /** ISO time of the last checkpoint. */
  lastAt: string;
}

export interface FeatureHealthFigures {
  checkpoints?: LatencyFigures;
  validation: { runs: number; checked: number; cacheHits: number; hitRate?: number };
  /** Checkpoint failures (the last HEALTH_WINDOW at most), and the last error. */
  failures: { count: number; last?: string };
  watcher?: { state: string; backend?: string; message?: string; at: string };
  /** The watchdog's batching factor (1 normal, 2-8 coarser while checkpoints are slow). */
  pace: { factor: number; since?: string; reason?: string };
}

/** Nearest-rank percentile of an ascending list (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export class HealthFold {
  private durations: number[] = [];
  private lastAt = '';
  private validations: { checked: number; cacheHits: number }[] = [];
  private failures: { at: string; error: string }[] = [];
  private watcher: FeatureHealthFigures['watcher'];
  private pace: FeatureHealthFigures['pace'] = { factor: 1 };

  apply(e: AopEvent): void {
    switch (e.t) {
      case 'checkpoint':
        this.durations.push(e.durationMs);
        if (this.durations.length > HEALTH_WINDOW * 2) this.durations = this.durations.slice(-HEALTH_WINDOW);
        this.lastAt = e.ts;
        break;
      case 'validation':
        this.validations.push({ checked: e.checked, cacheHits: e.cacheHits });
        if (this.validations.length > HEALTH_WINDOW * 2) this.validations = this.validations.slice(-HEALTH_WINDOW);
        break;
      case 'checkpoint.failed':
        this.failures.push({ at: e.ts, error: e.error });
        if (this.failures.length > HEALTH_WINDOW) this.failures = this.failures.slice(-HEALTH_WINDOW);
        break;
      case 'watcher':
        this.watcher = { state: e.state, at: e.ts, ...(e.backend ? { backend: e.backend } : e.state !== 'closed' && this.watcher?.backend ? { backend: this.watcher.backend } : {}), ...(e.message ? { message: e.message } : {}) };
        break;
      case 'checkpoint.pace':
        this.pace = { factor: e.factor, since: e.ts, reason: e.reason };
        break;
      default:
        break;
    }
  }

  figures(): FeatureHealthFigures {
    const recent = this.durations.slice(-HEALTH_WINDOW);
    const sorted = [...recent].sort((a, b) => a - b);
    const vals = this.validations.slice(-HEALTH_WINDOW);
    const checked = vals.reduce((n, v) => n + v.checked, 0);
    const cacheHits = vals.reduce((n, v) => n + v.cacheHits, 0);
    const fails = this.failures;
    return {
      ...(recent.length
        ? { checkpoints: { count: recent.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), last: recent[recent.length - 1]!, lastAt: this.lastAt } }
        : {}),
      validation: { runs: vals.length, checked, cacheHits, ...(checked > 0 ? { hitRate: cacheHits / checked } : {}) },
      failures: { count: fails.length, ...(fails.length ? { last: fails[fails.length - 1]!.error } : {}) },
      ...(this.watcher ? { watcher: { ...this.watcher } } : {}),
      pace: { ...this.pace },
    };
  }
}
