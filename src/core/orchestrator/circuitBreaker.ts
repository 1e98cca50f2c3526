/**
 * Per-feature circuit breaker: after `threshold` consecutive checkpoint/validation failures it
 * opens, which pauses the agent and asks for a human. Only an explicit reset closes it again;
 * it never recovers by itself (the reference's "blocked features auto-recover" was a flaw).
 */
export interface BreakerState {
  open: boolean;
  failures: number;
  errors: string[];
}

export class CircuitBreaker {
  private s: BreakerState;

  constructor(
    initial?: BreakerState,
    readonly threshold = 3,
  ) {
    this.s = initial ? { ...initial, errors: [...initial.errors] } : { open: false, failures: 0, errors: [] };
  }

  get state(): BreakerState {
    return { ...this.s, errors: [...this.s.errors] };
  }

  /** Records a failure; returns true when this failure opened the breaker. */
  failure(message: string): boolean {
    this.s.failures++;
    this.s.errors = [...this.s.errors, message].slice(-this.threshold);
    if (!this.s.open && this.s.failures >= this.threshold) {
      this.s.open = true;
      return true;
    }
    return false;
  }

  /** A success ends a run of failures (an open breaker stays open until reset). */
  success(): void {
    if (!this.s.open) this.s = { open: false, failures: 0, errors: [] };
  }

  reset(): void {
    this.s = { open: false, failures: 0, errors: [] };
  }
}
