/**
 * The FileWatcher port. Backends (native @parcel/watcher, chokidar, polling) implement it and
 * pass one shared conformance suite. Paths here are absolute; the watchdog turns them into
 * worktree-relative ones.
 */
export type RawChangeKind = 'create' | 'update' | 'delete';

export interface RawEvent {
  path: string;
  kind: RawChangeKind;
}

export type WatcherBackendName = 'native' | 'chokidar' | 'polling';
export type WatcherSetting = 'auto' | WatcherBackendName;

export interface WatcherOptions {
  /** Absolute folder to watch, recursively. */
  root: string;
  /** Absolute paths (and their subtrees) for which no events are wanted, e.g. `<root>/.git/objects`. */
  ignorePaths?: string[];
  /** Polling interval for the polling backend. */
  pollIntervalMs?: number;
  onEvents(events: RawEvent[]): void;
  /** `overflow` true means events may have been dropped: the owner must reconcile. */
  onError(err: Error, overflow: boolean): void;
}

export interface FileWatcher {
  readonly backend: WatcherBackendName;
  /** Resolves once the watcher is ready: a write after this is reported. */
  start(): Promise<void>;
  close(): Promise<void>;
  /**
   * Backends that can say what changed while nobody watched (the native one): record the
   * tree's state now, and later list every path that differs from a recorded state.
   */
  writeSnapshot?(file: string): Promise<void>;
  eventsSince?(file: string): Promise<RawEvent[]>;
}
