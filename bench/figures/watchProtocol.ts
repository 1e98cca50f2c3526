/** Messages between figures/watch.ts and figures/watchChild.ts (kept apart so importing them starts nothing). */
import type { WatcherSetting } from '../../src/core/watch';

export type ChildCommand = { cmd: 'start'; root: string; backend: WatcherSetting; quietMs: number } | { cmd: 'mem' } | { cmd: 'close' };

export type ChildMessage =
  | { type: 'idle'; mem: ChildMemory }
  | { type: 'ready'; readyMs: number; backend: string }
  | { type: 'batch'; at: number; paths: string[] }
  | { type: 'reconcile'; reason: string }
  | { type: 'mem'; mem: ChildMemory }
  | { type: 'error'; message: string }
  | { type: 'closed' };

export interface ChildMemory {
  /** VmRSS and VmHWM from /proc/self/status, in bytes. */
  rss: number;
  hwm: number;
  heapUsed: number;
}

export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
