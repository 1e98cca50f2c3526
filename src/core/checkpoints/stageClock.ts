/** Times consecutive stages of one checkpoint. */
export class StageClock {
  readonly laps: Record<string, number> = {};
  private at = performance.now();

  lap(stage: string): void {
    const now = performance.now();
    this.laps[stage] = Math.round((now - this.at) * 100) / 100;
    this.at = now;
  }
}

/** Milliseconds since `started` (a performance.now() reading), to two decimals. */
export function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
