/** A minimal typed event emitter (core cannot use vscode.EventEmitter). */
export type Listener<T> = (value: T) => void;

export interface Disposable {
  dispose(): void;
}

export class Emitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (err) {
        // A faulty listener must not break the producer; surface it on stderr for diagnosis.
        console.error('[aop] listener failed:', err);
      }
    }
  }
  dispose(): void {
    this.listeners.clear();
  }
}
