/**
 * One feature's review threads: comments on lines of its diff, kept on disk, sent to the agent
 * as one message ("Send review"), following that message's states (queued, delivered,
 * acknowledged, undelivered) and noting the first later checkpoint that changed the commented
 * lines. The person resolves a thread when it is dealt with.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import type { MessageState } from '../agents';
import { writeFileAtomic } from '../util/atomicFile';
import { SerialQueue } from '../util/async';
import { Emitter } from '../util/emitter';
import { AopError, errorMessage } from '../util/errors';
import { assertRelPath } from '../util/ids';
import { splitLines } from '../../shared/lineDiff';
import { MAX_COMMENT_BYTES, MAX_THREADS, reviewThreadSchema, type ReviewThread } from '../../shared/review';
import { rangeAfterEdit } from './lineRange';
import { reviewMessage } from './reviewMessage';

export interface ReviewHost {
  /** Where the threads are kept (a runtime file of the feature). */
  file: string;
  headSeq(): number;
  /** A file as checkpoint `seq` (0: the base) holds it; undefined when absent there. */
  readAt(seq: number, path: string): Promise<Buffer | undefined>;
  /** Hands the text to the agent as a message (or queues it for its next session). */
  send(text: string): Promise<{ id: string; state: MessageState }>;
  warn?(message: string): void;
}

export interface NewComment {
  path: string;
  startLine: number;
  endLine: number;
  /** The checkpoint the line numbers refer to (0: the base). */
  seq: number;
  body: string;
}

const storeSchema = reviewThreadSchema.array().max(MAX_THREADS * 2);

function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

function checkBody(body: unknown): string {
  if (typeof body !== 'string' || body.trim() === '') throw new AopError('INVALID_INPUT', 'The comment is empty.');
  if (Buffer.byteLength(body) > MAX_COMMENT_BYTES) throw new AopError('TOO_LARGE', `A comment may be at most ${MAX_COMMENT_BYTES / 1024} KiB.`);
  return body;
}

function textLines(buf: Buffer | undefined): string[] | undefined {
  return buf === undefined || buf.includes(0) ? undefined : splitLines(buf.toString('utf8')).lines;
}

export class ReviewThreads {
  private threads: ReviewThread[] = [];
  private readonly lane = new SerialQueue();
  private readonly changed = new Emitter<readonly ReviewThread[]>();
  /** Any thread was added, sent, moved, changed state or resolved. */
  readonly onDidChange = this.changed.event;

  private constructor(private readonly host: ReviewHost) {}

  static async open(host: ReviewHost): Promise<ReviewThreads> {
    const r = new ReviewThreads(host);
    await r.load();
    return r;
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(this.host.file, 'utf8');
    } catch {
      return;
    }
    const parsed = (() => {
      try {
        return storeSchema.safeParse(JSON.parse(text));
      } catch {
        return undefined;
      }
    })();
    if (parsed?.success) this.threads = parsed.data;
    else {
      // Never lose what was there: set it aside and start afresh.
      await fs.rename(this.host.file, `${this.host.file}.unreadable-${Date.now()}`).catch(() => undefined);
      this.host.warn?.(`Review comments could not be read (${this.host.file}); the file was set aside and the threads start empty.`);
    }
  }

  private async save(): Promise<void> {
    await writeFileAtomic(this.host.file, JSON.stringify(this.threads, null, 1));
    this.changed.fire(this.list());
  }

  list(): ReviewThread[] {
    return this.threads.map((t) => structuredClone(t));
  }

  get(id: string): ReviewThread {
    const t = this.threads.find((x) => x.id === id);
    if (!t) throw new AopError('NOT_FOUND', `There is no review thread "${String(id).slice(0, 100)}" on this feature.`);
    return t;
  }

  /** Starts a thread on lines of a checkpoint's version of a file (a draft until sent). */
  add(c: NewComment): Promise<ReviewThread> {
    return this.lane.run(async () => {
      const path = assertRelPath(c.path);
      const body = checkBody(c.body);
      const head = this.host.headSeq();
      if (!Number.isInteger(c.seq) || c.seq < 0 || c.seq > head) throw new AopError('INVALID_INPUT', `Checkpoint #${c.seq} does not exist on this feature (its latest is #${head}).`);
      if (!Number.isInteger(c.startLine) || !Number.isInteger(c.endLine) || c.startLine < 1 || c.endLine < c.startLine) {
        throw new AopError('INVALID_INPUT', `Lines ${c.startLine}-${c.endLine} are not a range of lines (1-based, start before end).`);
      }
      const lines = textLines(await this.host.readAt(c.seq, path));
      if (!lines) throw new AopError('NOT_FOUND', `${path} is not a text file in checkpoint #${c.seq}; comment on a text file's lines.`);
      if (c.endLine > Math.max(1, lines.length)) throw new AopError('INVALID_INPUT', `${path} has ${lines.length} lines in checkpoint #${c.seq}; line ${c.endLine} is past its end.`);
      if (this.threads.filter((t) => t.state !== 'resolved').length >= MAX_THREADS) throw new AopError('TOO_LARGE', `A feature may have at most ${MAX_THREADS} open review threads; resolve some first.`);
      const now = new Date().toISOString();
      const t: ReviewThread = { id: newId('t'), path, startLine: c.startLine, endLine: c.endLine, seq: c.seq, comments: [{ id: newId('c'), body, at: now }], state: 'draft', createdAt: now };
      this.threads.push(t);
      await this.save();
      return structuredClone(t);
    });
  }

  /** Adds a comment to a thread; a sent or resolved thread becomes a draft again (send it to deliver the reply). */
  reply(id: string, body: string): Promise<ReviewThread> {
    return this.lane.run(async () => {
      const t = this.get(id);
      t.comments.push({ id: newId('c'), body: checkBody(body), at: new Date().toISOString() });
      if (t.comments.length > 100) throw new AopError('TOO_LARGE', 'A thread may hold at most 100 comments; start another.');
      t.state = 'draft';
      delete t.resolvedAt;
      await this.save();
      return structuredClone(t);
    });
  }

  /** Deletes a thread that was never sent. */
  discard(id: string): Promise<void> {
    return this.lane.run(async () => {
      const t = this.get(id);
      if (t.state !== 'draft' || t.messageId) throw new AopError('CONFLICT', 'Only a draft that was never sent can be discarded; resolve it instead.');
      this.threads = this.threads.filter((x) => x !== t);
      await this.save();
    });
  }

  /**
   * "Send review": the given drafts (all drafts when none are named) as one message naming
   * each file, its lines and checkpoint. Returns the message's id.
   */
  send(ids?: readonly string[]): Promise<{ messageId: string; threads: ReviewThread[] }> {
    return this.lane.run(async () => {
      const chosen = ids ? ids.map((id) => this.get(id)) : this.threads.filter((t) => t.state === 'draft');
      const drafts = chosen.filter((t) => t.state === 'draft');
      if (drafts.length === 0) throw new AopError('INVALID_INPUT', 'There are no draft review comments to send.');
      const quotes = new Map<string, string[] | undefined>();
      for (const t of drafts) quotes.set(t.id, textLines(await this.host.readAt(t.seq, t.path))?.slice(t.startLine - 1, t.endLine));
      const text = reviewMessage(drafts, (t) => quotes.get(t.id));
      const msg = await this.host.send(text);
      const now = new Date().toISOString();
      for (const t of drafts) {
        t.state = 'sent';
        t.messageId = msg.id;
        t.messageState = msg.state;
        t.sentAt = now;
      }
      await this.save();
      return { messageId: msg.id, threads: drafts.map((t) => structuredClone(t)) };
    });
  }

  resolve(id: string, resolved = true): Promise<ReviewThread> {
    return this.lane.run(async () => {
      const t = this.get(id);
      if (resolved) {
        t.state = 'resolved';
        t.resolvedAt = new Date().toISOString();
      } else {
        t.state = t.messageId ? 'sent' : 'draft';
        delete t.resolvedAt;
      }
      await this.save();
      return structuredClone(t);
    });
  }

  /** A message changed state (from the feature's log): threads it carried follow it. */
  onMessage(id: string, state: MessageState): Promise<void> {
    return this.lane.run(async () => {
      const hit = this.threads.filter((t) => t.messageId === id && t.messageState !== state);
      if (hit.length === 0) return;
      for (const t of hit) t.messageState = state;
      await this.save();
    });
  }

  /**
   * A checkpoint was recorded: for each open thread on a file it changed, follow the commented
   * lines into it; the first checkpoint that changed them is remembered.
   */
  onCheckpoint(rec: { seq: number; files: readonly { path: string; status: string }[] }): Promise<void> {
    return this.lane.run(async () => {
      const touched = new Map(rec.files.map((f) => [f.path, f.status]));
      let any = false;
      for (const t of this.threads) {
        if (t.state === 'resolved' || !touched.has(t.path)) continue;
        const from = t.now ?? { seq: t.seq, startLine: t.startLine, endLine: t.endLine };
        if (rec.seq <= from.seq) continue;
        try {
          const before = textLines(await this.host.readAt(from.seq, t.path));
          const after = touched.get(t.path) === 'D' ? [] : textLines(await this.host.readAt(rec.seq, t.path));
          if (!before || !after) {
            t.changedIn ??= rec.seq;
            any = true;
            continue;
          }
          const r = rangeAfterEdit(before.join('\n') + '\n', after.length ? after.join('\n') + '\n' : '', from.startLine, from.endLine);
          if (r.changed) t.changedIn ??= rec.seq;
          t.now = { seq: rec.seq, startLine: r.startLine, endLine: r.endLine };
          any = true;
        } catch (e) {
          this.host.warn?.(`Review thread on ${t.path}: could not follow its lines into checkpoint #${rec.seq}: ${errorMessage(e)}`);
        }
      }
      if (any) await this.save();
    });
  }

  dispose(): void {
    this.changed.dispose();
  }
}
