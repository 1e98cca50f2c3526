/**
 * "Is the agent really working?" An agent that cannot reach its model often keeps running
 * without a word of progress: Codex offline retries forever, Claude without a login prints
 * "Not logged in" and waits. The watch gives a running agent a bounded time to show progress
 * (the model answered: text, a tool call, a finished turn); paused time does not count.
 */
export class StartupWatch {
  private timer: NodeJS.Timeout | undefined;
  private seen = false;

  constructor(
    private readonly ms: number,
    private readonly onTimeout: () => void,
  ) {}

  /** True once the agent showed progress. */
  get progressed(): boolean {
    return this.seen;
  }

  /** The agent runs (again): the clock starts, unless it already showed progress. */
  arm(): void {
    if (this.seen || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.seen) this.onTimeout();
    }, this.ms);
    this.timer.unref();
  }

  /** Paused, or over: the clock stops. */
  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  progress(): void {
    this.seen = true;
    this.disarm();
  }
}
