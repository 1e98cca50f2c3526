/**
 * A gate's captured output in bounded memory: the first `headBytes` (where a tool says what it
 * is doing) and the last `tailBytes` (where test runners and compilers put the verdict), with a
 * count of what was left out between them. A gate printing gigabytes costs us a few KiB.
 */
export class BoundedOutput {
  private readonly head: Buffer[] = [];
  private headLen = 0;
  private tail: Buffer[] = [];
  private tailLen = 0;
  private total = 0;

  constructor(
    private readonly headBytes: number,
    private readonly tailBytes: number,
  ) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headLen < this.headBytes) {
      const take = Math.min(this.headBytes - this.headLen, rest.length);
      this.head.push(rest.subarray(0, take));
      this.headLen += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0 || this.tailBytes === 0) return;
    this.tail.push(rest.length > this.tailBytes ? Buffer.from(rest.subarray(rest.length - this.tailBytes)) : Buffer.from(rest));
    this.tailLen += Math.min(rest.length, this.tailBytes);
    while (this.tailLen - this.tail[0]!.length >= this.tailBytes) this.tailLen -= this.tail.shift()!.length;
  }

  /** Bytes seen in all. */
  get size(): number {
    return this.total;
  }

  /** Bytes seen but not kept. */
  get omitted(): number {
    return this.total - this.headLen - Math.min(this.tailLen, this.tailBytes);
  }

  /** The kept text, with a marker where bytes were left out. */
  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.tailBytes) tail = tail.subarray(tail.length - this.tailBytes);
    const omitted = this.omitted;
    return omitted > 0 ? `${head}\n[… ${omitted} bytes of output not kept …]\n${tail.toString('utf8')}` : head + tail.toString('utf8');
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * Text fit for the event log and a plain view: colour codes and control characters removed,
 * and a line redrawn with `\r` (progress bars) reduced to what a terminal would finally show.
 * This also bounds JSON escaping to 2 bytes a byte, so a kept output always fits in one event.
 */
export function cleanOutput(text: string): string {
  return text
    .replace(ANSI, '')
    .split('\n')
    .map((line) => {
      const l = line.endsWith('\r') ? line.slice(0, -1) : line;
      const cr = l.lastIndexOf('\r');
      return cr >= 0 ? l.slice(cr + 1) : l;
    })
    .join('\n')
    .replace(CONTROL, '');
}
