/**
 * Picks a FileWatcher backend from the `aop.watcher.backend` setting. 'auto' prefers the native
 * watcher and falls back to chokidar when the native module cannot be loaded here.
 */
import { AopError, errorMessage } from '../util/errors';
import { ChokidarWatcher } from './chokidarWatcher';
import { NativeWatcher, loadParcelWatcher, type ParcelWatcher } from './nativeWatcher';
import type { FileWatcher, WatcherOptions, WatcherSetting } from './types';

export const WATCHER_SETTING_KEY = 'aop.watcher.backend';
export const WATCHER_SETTINGS: readonly WatcherSetting[] = ['auto', 'native', 'chokidar', 'polling'];

export interface CreateWatcherDeps {
  /** Loads the native module; replaceable so tests can simulate a missing binary. */
  loadNative?: () => ParcelWatcher;
}

export function createWatcher(setting: WatcherSetting, opts: WatcherOptions, deps: CreateWatcherDeps = {}): FileWatcher {
  const loadNative = deps.loadNative ?? loadParcelWatcher;
  switch (setting) {
    case 'native': {
      let parcel: ParcelWatcher;
      try {
        parcel = loadNative();
      } catch (err) {
        throw new AopError(
          'WATCHER_FAILED',
          `${WATCHER_SETTING_KEY} is "native" but the native watcher is unavailable: ${errorMessage(err)} Set ${WATCHER_SETTING_KEY} to "auto" or "chokidar".`,
          { cause: err, details: { setting } },
        );
      }
      return new NativeWatcher(opts, parcel);
    }
    case 'auto': {
      let parcel: ParcelWatcher | undefined;
      try {
        parcel = loadNative();
      } catch {
        // Expected on platforms without a prebuilt binary; the chosen backend is visible as `.backend`.
        parcel = undefined;
      }
      return parcel ? new NativeWatcher(opts, parcel) : new ChokidarWatcher(opts, false);
    }
    case 'chokidar':
      return new ChokidarWatcher(opts, false);
    case 'polling':
      return new ChokidarWatcher(opts, true);
    default:
      throw new AopError(
        'INVALID_INPUT',
        `Unknown ${WATCHER_SETTING_KEY} ${JSON.stringify(setting)}: use one of ${WATCHER_SETTINGS.map((s) => `"${s}"`).join(', ')}.`,
      );
  }
}
