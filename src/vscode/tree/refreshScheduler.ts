/**
 * Coalesces the Features view's refreshes: bursts (a checkpoint every few hundred ms) become one
 * refresh per element, or one of the whole view when any part of the burst asked for it.
 */
export class RefreshScheduler<T> {
  private pending = new Set<T | undefined>();
  private timer: NodeJS.Timeout | undefined;

  /** `fire` gets `undefined` (the whole view) or each changed element once. */
  constructor(
    private readonly fire: (el: T | undefined) => void,
    private readonly after: () => void,
    private readonly delayMs = 100,
  ) {}

  /** `undefined`: the whole view. */
  schedule(el: T | undefined): void {
    this.pending.add(el);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const batch = this.pending;
      this.pending = new Set();
      if (batch.has(undefined)) this.fire(undefined);
      else for (const n of batch) this.fire(n);
      this.after();
    }, this.delayMs);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
