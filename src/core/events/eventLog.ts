/**
 * The per-feature append-only event log (`events.jsonl`): one JSON object a line. Appends go
 * through one open file descriptor in append mode, in order; `sync()` fsyncs at checkpoint
 * boundaries. Reading skips a torn or corrupt line with a warning instead of failing, so a
 * crash mid-write never makes the log unreadable.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Emitter } from '../util/emitter';
import { SerialQueue } from '../util/async';
import { eventSchema, type AopEvent, type EventInput } from './schema';

/** Lines longer than this are refused at append (an event is a record, not a payload). */
export const MAX_EVENT_BYTES = 256 * 1024;

/**
 * Records the product reads back to work at all: the checkpoint list and the undo chain. Their
 * size follows the number of files changed (10,000 files make about a megabyte), and dropping
 * one would hide a checkpoint or make a rollback impossible to undo, so the cap does not apply.
 */
const UNCAPPED: ReadonlySet<string> = new Set(['checkpoint', 'rollback']);

/** How far back a torn last line is looked for at open (a longer one is only ended, never cut). */
const TAIL_SCAN_BYTES = 8 * 1024 * 1024;

function isEvent(line: string): boolean {
  try {
    return eventSchema.safeParse(JSON.parse(line)).success;
  } catch {
    return false;
  }
}

export interface ReadResult {
  events: AopEvent[];
  /** 1-based line numbers that were skipped, with the reason. */
  skipped: { line: number; reason: string }[];
}

export class EventLog {
  private fd: number | undefined;
  private readonly queue = new SerialQueue();
  private readonly emitter = new Emitter<AopEvent>();
  readonly onEvent = this.emitter.event;

  constructor(
    readonly file: string,
    readonly featureId: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends an event (ts and feature filled in). Resolves once written to the file. */
  append(input: EventInput): Promise<AopEvent> {
    const event = { ...input, ts: this.now().toISOString(), feature: this.featureId } as AopEvent;
    let line = JSON.stringify(event);
    if (!UNCAPPED.has(event.t) && Buffer.byteLength(line) > MAX_EVENT_BYTES) {
      const w = { t: 'warning', ts: event.ts, feature: this.featureId, message: `event ${event.t} of ${Buffer.byteLength(line)} bytes dropped: over ${MAX_EVENT_BYTES}` };
      line = JSON.stringify(w);
    }
    return this.queue.run(async () => {
      const fd = await this.open();
      await new Promise<void>((resolve, reject) => fs.write(fd, line + '\n', (err) => (err ? reject(err) : resolve())));
      this.emitter.fire(event);
      return event;
    });
  }

  /** Flushes appended events to disk. */
  sync(): Promise<void> {
    return this.queue.run(async () => {
      if (this.fd === undefined) return;
      const fd = this.fd;
      await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
    });
  }

  private async open(): Promise<number> {
    if (this.fd !== undefined) return this.fd;
    await fsp.mkdir(path.dirname(this.file), { recursive: true });
    await this.healTornTail();
    this.fd = fs.openSync(this.file, 'a');
    return this.fd;
  }

  /**
   * A crash can leave a last line without its newline. A whole event (the kill came just before
   * the newline) is ended so the next event starts clean; a torn one holds no event and is cut
   * off, so it never sits in the middle of the log once new events follow it.
   */
  private async healTornTail(): Promise<void> {
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(this.file, 'r+');
      const { size } = await fh.stat();
      if (size === 0) return;
      const tailBytes = Math.min(size, TAIL_SCAN_BYTES);
      const tail = Buffer.alloc(tailBytes);
      await fh.read(tail, 0, tailBytes, size - tailBytes);
      if (tail[tailBytes - 1] === 10) return;
      const nl = tail.lastIndexOf(10);
      const lastLine = tail.subarray(nl + 1).toString('utf8');
      if ((nl < 0 && tailBytes < size) || isEvent(lastLine)) await fh.write('\n', size);
      else await fh.truncate(size - tailBytes + nl + 1);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    } finally {
      await fh?.close();
    }
  }

  /** Reads the whole log back. Torn or invalid lines are skipped and reported, never fatal. */
  async read(): Promise<ReadResult> {
    await this.queue.run(async () => undefined);
    return readEventFile(this.file);
  }

  async close(): Promise<void> {
    await this.queue.run(async () => {
      if (this.fd !== undefined) {
        const fd = this.fd;
        this.fd = undefined;
        try {
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd); // even when fsync fails (full or failing disk): never leak the handle
        }
      }
    });
    this.emitter.dispose();
  }
}

export async function readEventFile(file: string): Promise<ReadResult> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], skipped: [] };
    throw e;
  }
  const events: AopEvent[] = [];
  const skipped: ReadResult['skipped'] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      skipped.push({ line: i + 1, reason: 'not valid JSON (torn write?)' });
      continue;
    }
    const r = eventSchema.safeParse(json);
    if (r.success) events.push(r.data);
    else skipped.push({ line: i + 1, reason: `unknown or malformed event: ${r.error.issues[0]?.message ?? 'invalid'}` });
  }
  return { events, skipped };
}
