/**
 * One feature's watchdog alone in a process, so that its resident memory and OS watches can be
 * read from /proc without the bench's own. Driven over IPC by figures/watch.ts:
 *   parent -> { cmd: 'start', root, backend, quietMs } | { cmd: 'mem' } | { cmd: 'close' }
 *   child  -> idle (modules loaded), ready, batch (arrival time + paths), reconcile, mem, closed
 */
import * as fs from 'node:fs';
import { Watchdog, loadParcelWatcher } from '../../src/core/watch';
import { wallNow, type ChildCommand, type ChildMemory, type ChildMessage } from './watchProtocol';

function memory(): ChildMemory {
  (globalThis as { gc?: () => void }).gc?.();
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), heapUsed: process.memoryUsage().heapUsed };
}

function send(m: ChildMessage): void {
  process.send?.(m);
}

let dog: Watchdog | undefined;

process.on('message', (m: ChildCommand) => {
  void (async () => {
    try {
      if (m.cmd === 'start') {
        dog = new Watchdog({
          root: m.root,
          backend: m.backend,
          quietMs: m.quietMs,
          onBatch: (b) => send({ type: 'batch', at: wallNow(), paths: [...b.paths.keys()] }),
          onNeedsReconcile: (reason) => send({ type: 'reconcile', reason }),
        });
        const t = performance.now();
        await dog.start();
        send({ type: 'ready', readyMs: performance.now() - t, backend: dog.backend ?? '?' });
      } else if (m.cmd === 'mem') {
        send({ type: 'mem', mem: memory() });
      } else if (m.cmd === 'close') {
        await dog?.close();
        send({ type: 'closed' });
        process.disconnect?.();
      }
    } catch (err) {
      send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});

// Load the native module up front: code is not what "the watchdog's memory" means.
try {
  loadParcelWatcher();
} catch {
  // measured as unavailable when started
}
send({ type: 'idle', mem: memory() });
