/**
 * The cap on concurrently running agents (default 5). Agents beyond it wait in FIFO order with a
 * visible position; when a running one ends, the next one starts. A paused agent still holds its
 * slot: its process is alive and will continue.
 */
import { Emitter } from '../util/emitter';
import { AopError } from '../util/errors';

export const DEFAULT_MAX_RUNNING = 5;

interface Waiting {
  key: string;
  start: () => void;
}

export class Scheduler {
  private readonly running = new Set<string>();
  private readonly waiting: Waiting[] = [];
  private readonly changed = new Emitter<void>();
  /** Fires whenever the running set or a queue position changes. */
  readonly onChange = this.changed.event;

  constructor(private max = DEFAULT_MAX_RUNNING) {
    this.check(max);
  }

  get maxRunning(): number {
    return this.max;
  }

  setMaxRunning(n: number): void {
    this.check(n);
    this.max = n;
    this.drain();
  }

  /** Runs `start` now if a slot is free, else when one frees up. `key` must not be queued or running. */
  enqueue(key: string, start: () => void): void {
    if (this.running.has(key) || this.waiting.some((w) => w.key === key)) {
      throw new AopError('BUSY', `${key} already has an agent running or queued.`);
    }
    this.waiting.push({ key, start });
    this.drain();
    this.changed.fire();
  }

  /** Frees the slot of `key` (its agent ended) and starts the next one. */
  release(key: string): void {
    if (this.running.delete(key)) {
      this.drain();
      this.changed.fire();
    }
  }

  /** Takes a waiting `key` out of the queue; false if it was not waiting. */
  remove(key: string): boolean {
    const i = this.waiting.findIndex((w) => w.key === key);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    this.changed.fire();
    return true;
  }

  /** 1-based place in the queue, or undefined when not waiting. */
  position(key: string): number | undefined {
    const i = this.waiting.findIndex((w) => w.key === key);
    return i < 0 ? undefined : i + 1;
  }

  runningKeys(): string[] {
    return [...this.running];
  }

  waitingKeys(): string[] {
    return this.waiting.map((w) => w.key);
  }

  private drain(): void {
    while (this.running.size < this.max && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running.add(next.key);
      next.start();
    }
  }

  private check(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new AopError('INVALID_INPUT', `The cap on running agents must be a whole number of at least 1 (got ${n}).`);
  }
}
