/** The watch layer: FileWatcher backends, the factory that picks one, and the per-feature watchdog. */
export type { FileWatcher, RawChangeKind, RawEvent, WatcherBackendName, WatcherOptions, WatcherSetting } from './types';
export { createWatcher, WATCHER_SETTING_KEY, WATCHER_SETTINGS, type CreateWatcherDeps } from './createWatcher';
export { NativeWatcher, loadParcelWatcher, type ParcelWatcher } from './nativeWatcher';
export { ChokidarWatcher, DEFAULT_POLL_INTERVAL_MS } from './chokidarWatcher';
export { Watchdog, type WatchdogOptions, type WatchdogStats, type WatcherFactory } from './watchdog';
export type { ChangeKind, WatchBatch } from './watchBatcher';
export type { WatchStart } from './watchSnapshot';
