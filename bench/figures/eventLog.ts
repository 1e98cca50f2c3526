/**
 * Figure 5: the event log. Appends 100,000 events of the kinds a busy feature writes (file
 * batches, checkpoints with a few files, validations, agent output), each awaited as one
 * producer does, with one fsync at the end; and the rate when every 100th event is a checkpoint
 * boundary with its fsync (measured over the first 20,000 events: the rate is what matters). Then reads the whole log back (JSON parse and
 * schema check of every line).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventLog, readEventFile } from '../../src/core/events/eventLog';
import type { EventInput } from '../../src/core/events/schema';
import { summarize, round, type Summary } from '../lib/stats';

const SYNCED_EVENTS = 20_000;

export interface EventLogFigure {
  events: number;
  fileBytes: number;
  /** Events per second (awaited appends, one fsync at the end). */
  appendPerSec: Summary;
  /** Events per second with an fsync every 100 events. */
  appendSyncedPerSec: Summary;
  syncedEvents: number;
  readMs: Summary;
  readSkipped: number;
}

function sampleEvent(i: number): EventInput {
  const oid = (i * 2654435761).toString(16).padStart(40, '0').slice(-40);
  switch (i % 4) {
    case 0:
      return { t: 'files.changed', paths: [`pkg${i % 10}/mod${i % 20}/part${i}/file${i % 20}.ts`], count: 1 };
    case 1:
      return {
        t: 'checkpoint',
        seq: i,
        commit: oid,
        tree: oid,
        parent: oid,
        trigger: 'watch',
        files: [0, 1, 2].map((j) => ({ path: `pkg${j}/mod${i % 20}/part${i}/file${j}.ts`, status: 'M' as const, mode: '100644' as const, oid, added: 3, removed: 1 })),
        durationMs: 12.5,
        violations: [],
      };
    case 2:
      return { t: 'validation', seq: i, durationMs: 1.2, checked: 3, cacheHits: 2, violations: 0 };
    default:
      return { t: 'agent.output', stream: 'stdout', text: `step ${i}: edited pkg${i % 10}/mod${i % 20}/part${i}/file${i % 20}.ts` };
  }
}

export async function eventLogFigure(events: number, runs: number): Promise<EventLogFigure> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aop-bench-log-')));
  try {
    const inputs = Array.from({ length: events }, (_, i) => sampleEvent(i));
    const appendMs: number[] = [];
    const syncedMs: number[] = [];
    const readMs: number[] = [];
    let fileBytes = 0;
    let skipped = 0;
    const syncedEvents = Math.min(events, SYNCED_EVENTS);
    const write = async (file: string, count: number, syncEvery: number): Promise<number> => {
      const log = new EventLog(file, 'bench');
      const t0 = performance.now();
      for (let i = 0; i < count; i++) {
        await log.append(inputs[i]!);
        if (syncEvery > 0 && i % syncEvery === syncEvery - 1) await log.sync();
      }
      await log.sync();
      const ms = performance.now() - t0;
      await log.close();
      return ms;
    };
    for (let r = 0; r < runs; r++) {
      const synced = path.join(dir, `synced-${r}.jsonl`);
      syncedMs.push(await write(synced, syncedEvents, 100));
      fs.rmSync(synced);
      const file = path.join(dir, `events-${r}.jsonl`);
      appendMs.push(await write(file, events, 0));
      fileBytes = fs.statSync(file).size;
      const t1 = performance.now();
      const back = await readEventFile(file);
      readMs.push(performance.now() - t1);
      if (back.events.length !== events) throw new Error(`read back ${back.events.length} of ${events} events`);
      skipped = back.skipped.length;
      fs.rmSync(file);
    }
    return {
      events,
      fileBytes,
      appendPerSec: summarize(appendMs.map((ms) => round(events / (ms / 1000), 0))),
      appendSyncedPerSec: summarize(syncedMs.map((ms) => round(syncedEvents / (ms / 1000), 0))),
      syncedEvents,
      readMs: summarize(readMs),
      readSkipped: skipped,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
