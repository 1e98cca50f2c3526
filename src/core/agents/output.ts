/**
 * Agent output, line by line, in bounded memory. An agent may print gigabytes (a test runner in
 * a loop, a binary dumped to stdout): we keep reading so it is never blocked on a full pipe, cut
 * every line at a maximum length, keep only the last N lines for late viewers, and record only a
 * sample in the event log with a count of what was left out.
 */

export interface OutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface OutputLimits {
  /** Longest line kept, in characters; the rest is dropped and counted. */
  maxLineLength: number;
  /** Lines kept in memory for late viewers (a terminal opened after the start). */
  maxRetainedLines: number;
  /** Lines recorded in the event log per window; the rest are counted in one summary line. */
  maxRecordedPerWindow: number;
  recordWindowMs: number;
}

/** At most ~8 MB of retained text per agent (1000 lines of 4096 UTF-16 characters). */
export const DEFAULT_OUTPUT_LIMITS: OutputLimits = {
  maxLineLength: 4096,
  maxRetainedLines: 1000,
  maxRecordedPerWindow: 100,
  recordWindowMs: 1000,
};

/** Splits a character stream into lines; a partial line never grows past `maxLineLength`. */
export class LineSplitter {
  private partial = '';
  private dropped = 0;

  constructor(
    private readonly maxLineLength: number,
    private readonly onLine: (line: string) => void,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) {
        this.append(chunk, start, chunk.length);
        return;
      }
      this.append(chunk, start, nl);
      this.emit();
      start = nl + 1;
    }
  }

  /** Emits what is left when the stream ends. */
  end(): void {
    if (this.partial.length > 0 || this.dropped > 0) this.emit();
  }

  private append(chunk: string, from: number, to: number): void {
    const room = this.maxLineLength - this.partial.length;
    const len = to - from;
    if (len <= room) {
      if (len > 0) this.partial += chunk.slice(from, to);
    } else {
      if (room > 0) this.partial += chunk.slice(from, from + room);
      this.dropped += len - Math.max(room, 0);
    }
  }

  private emit(): void {
    let line = this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial;
    if (this.dropped > 0) line += ` … [${this.dropped} more characters not shown]`;
    this.partial = '';
    this.dropped = 0;
    this.onLine(line);
  }
}

/** The last `capacity` lines, in order. */
export class OutputRing {
  private readonly buf: OutputLine[] = [];
  private next = 0;
  private total = 0;

  constructor(private readonly capacity: number) {}

  push(line: OutputLine): void {
    if (this.buf.length < this.capacity) this.buf.push(line);
    else this.buf[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** Retained lines, oldest first. */
  lines(): OutputLine[] {
    if (this.buf.length < this.capacity) return [...this.buf];
    return [...this.buf.slice(this.next), ...this.buf.slice(0, this.next)];
  }

  get size(): number {
    return this.buf.length;
  }

  /** Lines seen since the start, retained or not. */
  get seen(): number {
    return this.total;
  }
}

/**
 * Decides which lines go to the event log: the first `max` of each window, then one line saying
 * how many were skipped. Windows are measured on the clock at each line, so no timer is needed.
 */
export class OutputSampler {
  private windowStart = 0;
  private inWindow = 0;
  private skipped = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly record: (line: OutputLine) => void,
    private readonly now: () => number = Date.now,
  ) {}

  offer(line: OutputLine): void {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = t;
      this.inWindow = 0;
    }
    if (this.inWindow < this.max) {
      this.inWindow++;
      this.record(line);
    } else {
      this.skipped++;
    }
  }

  /** Records the count of skipped lines, if any (call on exit). */
  flush(): void {
    if (this.skipped > 0) {
      this.record({ stream: 'stdout', text: `[aop: ${this.skipped} lines of output not recorded in the log]` });
      this.skipped = 0;
    }
  }
}
