/**
 * The orchestrator's side of figure 7, alone in a process so that its CPU and memory (and its
 * git helpers') can be read from /proc: opens N features as the orchestrator does
 * (FeatureRuntime, live native watchdog, periodic reconciliation on) and reports each
 * checkpoint's duration. Driven over IPC by figures/agents.ts.
 */
import type { FeatureRuntime } from '../../src/core/orchestrator/featureRuntime';
import { openRuntime } from '../lib/runtime';

export type AgentsCommand =
  | { cmd: 'open'; features: { id: string; worktree: string; scratch: string; base: string }[] }
  | { cmd: 'checkpoints' }
  | { cmd: 'gc' }
  | { cmd: 'close' };

export type AgentsMessage =
  | { type: 'idle' }
  | { type: 'opened'; ms: number }
  | { type: 'checkpoints'; byFeature: Record<string, number[]> }
  | { type: 'gc' }
  | { type: 'error'; message: string }
  | { type: 'closed' };

function send(m: AgentsMessage): void {
  process.send?.(m);
}

const runtimes: FeatureRuntime[] = [];
let durations: Record<string, number[]> = {};

process.on('message', (m: AgentsCommand) => {
  void (async () => {
    try {
      if (m.cmd === 'open') {
        const t = performance.now();
        for (const f of m.features) {
          const rt = await openRuntime({ worktree: f.worktree, scratch: f.scratch, baseCommit: f.base, id: f.id });
          rt.onChange((c) => {
            if (c.kind === 'checkpoint' && c.record) (durations[f.id] ??= []).push(c.record.durationMs);
          });
          runtimes.push(rt);
        }
        // Started one after another, as the orchestrator does after activation.
        for (const rt of runtimes) await rt.startWatching();
        durations = {};
        send({ type: 'opened', ms: performance.now() - t });
      } else if (m.cmd === 'checkpoints') {
        send({ type: 'checkpoints', byFeature: durations });
        durations = {};
      } else if (m.cmd === 'gc') {
        (globalThis as { gc?: () => void }).gc?.();
        send({ type: 'gc' });
      } else if (m.cmd === 'close') {
        for (const rt of runtimes) await rt.dispose();
        send({ type: 'closed' });
        process.disconnect?.();
      }
    } catch (err) {
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  })();
});

send({ type: 'idle' });
