/**
 * Long-lived git processes speaking line protocols (`cat-file --batch`, `hash-object
 * --stdin-paths`, `check-ignore --stdin`). A request writes its input; replies arrive in order
 * and each pending request parses its own reply off a shared buffer. Spawning git costs a few
 * milliseconds; a round trip on a live process costs microseconds, which is what lets a
 * checkpoint's cost follow the number of changed files.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { AopError } from '../util/errors';
import { spawnGit } from './gitRunner';

/**
 * Tries to take one reply off the front of `buf`: returns the value and bytes used; undefined when
 * incomplete; or `{ need }` when incomplete and the reply is known to take `need` bytes in all
 * (a blob whose header gave its size), so nothing is parsed again until that much has arrived.
 */
export type ReplyParser<T> = (buf: Buffer) => { value: T; used: number } | { need: number } | undefined;

interface Pending {
  parse: ReplyParser<unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

export class BatchProcess {
  private child: ChildProcessWithoutNullStreams | undefined;
  /**
   * Output not yet parsed, as the chunks it arrived in. Joined only when the head reply may be
   * complete: joining on every chunk made a 60 MB blob cost O(size²) (23 s, event loop stalled).
   */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the head reply needs before it is worth parsing again. */
  private need = 0;
  private pending: Pending[] = [];
  private stderr = '';
  private closed = false;

  constructor(
    private readonly args: readonly string[],
    private readonly cwd: string,
  ) {}

  request<T>(input: string | Buffer, parse: ReplyParser<T>): Promise<T> {
    if (this.closed) return Promise.reject(new AopError('DISPOSED', `git ${this.args[0]} batch process is closed`));
    const child = this.ensure();
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ parse, resolve: resolve as (v: unknown) => void, reject });
      child.stdin.write(input);
    });
  }

  private ensure(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawnGit(this.args, this.cwd);
    this.child = child;
    this.chunks = [];
    this.buffered = 0;
    this.need = 0;
    child.stdout.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      if (this.buffered >= this.need) this.drain();
    });
    child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString('utf8')).slice(-4000);
    });
    child.stdin.on('error', () => undefined);
    const fail = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      const err = new AopError('GIT_FAILED', `git ${this.args[0]} batch process ${why}: ${this.stderr.trim().slice(-500) || 'no message'}`);
      this.stderr = '';
      const waiting = this.pending;
      this.pending = [];
      for (const p of waiting) p.reject(err);
    };
    child.on('error', (e) => fail(`could not start (${e.message})`));
    child.on('close', (code) => fail(`exited (${code})`));
    return child;
  }

  private drain(): void {
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      const buf = this.joined();
      let r: ReturnType<ReplyParser<unknown>>;
      try {
        r = head.parse(buf);
      } catch (e) {
        this.pending.shift();
        head.reject(e);
        this.restart();
        return;
      }
      if (!r || 'need' in r) {
        this.need = r ? r.need : buf.length + 1;
        return;
      }
      this.pending.shift();
      this.need = 0;
      const rest = buf.subarray(r.used);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      head.resolve(r.value);
    }
  }

  /** The unparsed output as one buffer (copied together only when it arrived in several chunks). */
  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Kills the process after a protocol error; the next request starts a fresh one. */
  private restart(): void {
    const c = this.child;
    this.child = undefined;
    c?.kill();
  }

  /**
   * Takes no new requests; those already sent are answered, then git exits on its own (its
   * input ends). For a reader that must start over, e.g. check-ignore after a .gitignore changed.
   */
  retire(): void {
    this.closed = true;
    this.child?.stdin.end();
  }

  close(): void {
    this.closed = true;
    const c = this.child;
    this.child = undefined;
    if (c) {
      c.stdin.end();
      c.kill();
    }
    const waiting = this.pending;
    this.pending = [];
    for (const p of waiting) p.reject(new AopError('DISPOSED', `git ${this.args[0]} batch process closed`));
  }
}

/** Parses one `\n`-terminated line. */
export function lineParser(buf: Buffer): { value: string; used: number } | undefined {
  const nl = buf.indexOf(10);
  if (nl < 0) return undefined;
  return { value: buf.subarray(0, nl).toString('utf8'), used: nl + 1 };
}
