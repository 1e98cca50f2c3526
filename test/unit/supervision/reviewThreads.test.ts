/** Review comments become messages: composed, sent, followed through the message states and later checkpoints. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageState } from '../../../src/core/agents';
import { rangeAfterEdit } from '../../../src/core/supervision/lineRange';
import { reviewMessage } from '../../../src/core/supervision/reviewMessage';
import { ReviewThreads, type ReviewHost } from '../../../src/core/supervision/reviewThreads';
import { AopError } from '../../../src/core/util/errors';
import type { ReviewThread } from '../../../src/shared/review';
import { makeTempDir } from '../helpers/tempRepo';

const text = (...lines: string[]) => lines.map((l) => `${l}\n`).join('');

describe('Review comments', () => {
  describe('following commented lines through an edit', () => {
    const v1 = text('a', 'b', 'c', 'd', 'e');
    it('a line rewritten inside the range is a change', () => {
      assert.deepEqual(rangeAfterEdit(v1, text('a', 'b', 'C', 'd', 'e'), 2, 4), { changed: true, startLine: 2, endLine: 4 });
      assert.deepEqual(rangeAfterEdit(v1, text('a', 'b', 'C', 'd', 'e'), 3, 3), { changed: true, startLine: 3, endLine: 3 });
    });
    it('lines inserted between the range lines, or deleted from it, are a change', () => {
      assert.equal(rangeAfterEdit(v1, text('a', 'b', 'x', 'c', 'd', 'e'), 2, 3).changed, true);
      assert.equal(rangeAfterEdit(v1, text('a', 'b', 'd', 'e'), 2, 4).changed, true);
      assert.deepEqual(rangeAfterEdit(v1, text('a', 'e'), 2, 4), { changed: true, startLine: 2, endLine: 2 });
    });
    it('lines added before or after only move the range', () => {
      assert.deepEqual(rangeAfterEdit(v1, text('new', 'new2', 'a', 'b', 'c', 'd', 'e'), 2, 3), { changed: false, startLine: 4, endLine: 5 });
      assert.deepEqual(rangeAfterEdit(v1, text('a', 'b', 'c', 'after', 'd', 'e'), 2, 3), { changed: false, startLine: 2, endLine: 3 });
      assert.deepEqual(rangeAfterEdit(v1, text('a', 'new', 'b', 'c', 'd', 'e'), 2, 3), { changed: false, startLine: 3, endLine: 4 });
      assert.deepEqual(rangeAfterEdit(v1, v1, 1, 5), { changed: false, startLine: 1, endLine: 5 });
    });
  });

  it('composes one message that names each file, its lines and checkpoint, quoting the lines', () => {
    const t = (over: Partial<ReviewThread>): ReviewThread => ({
      id: 't',
      path: 'src/a.ts',
      startLine: 3,
      endLine: 4,
      seq: 7,
      comments: [{ id: 'c', body: 'Handle the error here.', at: '' }],
      state: 'draft',
      createdAt: '',
      ...over,
    });
    const msg = reviewMessage([t({}), t({ path: 'README.md', startLine: 1, endLine: 1, comments: [{ id: 'c', body: 'Typo.\nAnd a second line.', at: '' }] })], (th) =>
      th.path === 'src/a.ts' ? ['const x = f();', 'use(x);'] : ['# Titel'],
    );
    assert.match(msg, /as of checkpoint #7 \(2 comments\)/);
    assert.match(msg, /1\. src\/a\.ts, lines 3-4 \(checkpoint #7\):\n {3}\| const x = f\(\);\n {3}\| use\(x\);\n {3}Handle the error here\./);
    assert.match(msg, /2\. README\.md, line 1 \(checkpoint #7\):\n {3}\| # Titel\n {3}Typo\.\n {3}And a second line\./);
    assert.throws(() => reviewMessage([], () => undefined), /no review comments/);
    const huge = Array.from({ length: 12 }, (_, i) => t({ id: `t${i}`, comments: [{ id: 'c', body: 'x'.repeat(8000), at: '' }] }));
    assert.throws(() => reviewMessage(huge, () => undefined), (e: unknown) => AopError.is(e, 'TOO_LARGE'));
  });

  describe('threads on a feature', () => {
    let dir: string;
    /** Checkpoint contents by number: 0 is the base. */
    let files: Map<number, Record<string, string>>;
    let sent: string[];
    let head: number;
    const host = (): ReviewHost => ({
      file: path.join(dir, 'review.json'),
      headSeq: () => head,
      readAt: async (seq, p) => {
        const c = files.get(seq)?.[p];
        return c === undefined ? undefined : Buffer.from(c);
      },
      send: async (t) => {
        sent.push(t);
        return { id: `m${sent.length}`, state: 'queued' as MessageState };
      },
    });

    beforeEach(() => {
      dir = makeTempDir();
      files = new Map<number, Record<string, string>>([
        [0, { 'src/a.ts': text('one', 'two', 'three', 'four') }],
        [1, { 'src/a.ts': text('one', 'two', 'THREE', 'four'), 'src/b.ts': text('b1', 'b2') }],
      ]);
      sent = [];
      head = 1;
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('batches drafts into one message ("Send review") and follows the message states', async () => {
      const r = await ReviewThreads.open(host());
      const a = await r.add({ path: 'src/a.ts', startLine: 3, endLine: 3, seq: 1, body: 'Why upper case?' });
      const b = await r.add({ path: 'src/b.ts', startLine: 1, endLine: 2, seq: 1, body: 'Rename these.' });
      assert.equal(a.state, 'draft');
      assert.equal(sent.length, 0, 'nothing is sent before Send review');
      const { messageId } = await r.send();
      assert.equal(sent.length, 1, 'one message for the whole review');
      assert.match(sent[0]!, /src\/a\.ts, line 3 \(checkpoint #1\):\n {3}\| THREE\n {3}Why upper case\?/);
      assert.match(sent[0]!, /src\/b\.ts, lines 1-2 \(checkpoint #1\)/);
      for (const s of ['delivered', 'acknowledged'] as const) await r.onMessage(messageId, s);
      await r.onMessage('other', 'undelivered');
      assert.deepEqual(
        r.list().map((t) => [t.id, t.state, t.messageState]),
        [
          [a.id, 'sent', 'acknowledged'],
          [b.id, 'sent', 'acknowledged'],
        ],
      );
      await assert.rejects(r.send(), /no draft review comments/);
    });

    it('notes the next checkpoint that changed the commented lines, not one that only moved them', async () => {
      const r = await ReviewThreads.open(host());
      const t = await r.add({ path: 'src/a.ts', startLine: 2, endLine: 3, seq: 1, body: 'Fix this.' });
      await r.send([t.id]);
      files.set(2, { 'src/a.ts': text('zero', 'one', 'two', 'THREE', 'four') });
      head = 2;
      await r.onCheckpoint({ seq: 2, files: [{ path: 'src/a.ts', status: 'M' }] });
      let now = r.get(t.id);
      assert.equal(now.changedIn, undefined, 'a line added above only moves the range');
      assert.deepEqual(now.now, { seq: 2, startLine: 3, endLine: 4 });
      files.set(3, { 'src/a.ts': text('zero', 'one', 'two', 'three', 'four') });
      head = 3;
      await r.onCheckpoint({ seq: 3, files: [{ path: 'src/b.ts', status: 'M' }] });
      assert.equal(r.get(t.id).changedIn, undefined, 'a checkpoint that did not touch the file changes nothing');
      await r.onCheckpoint({ seq: 3, files: [{ path: 'src/a.ts', status: 'M' }] });
      now = r.get(t.id);
      assert.equal(now.changedIn, 3);
      await r.resolve(t.id);
      assert.equal(r.get(t.id).state, 'resolved');
    });

    it('keeps threads across a restart, and a reply makes a thread a draft to send again', async () => {
      const r = await ReviewThreads.open(host());
      const t = await r.add({ path: 'src/a.ts', startLine: 1, endLine: 1, seq: 0, body: 'On the base.' });
      await r.send();
      const again = await ReviewThreads.open(host());
      assert.deepEqual(again.list(), r.list());
      await again.reply(t.id, 'And another thing.');
      assert.equal(again.get(t.id).state, 'draft');
      await again.send();
      assert.equal(sent.length, 2);
      assert.match(sent[1]!, /On the base\.\n {3}And another thing\./);
    });

    it('refuses comments on lines, files or checkpoints that do not exist, and bad paths', async () => {
      const r = await ReviewThreads.open(host());
      await assert.rejects(r.add({ path: 'src/a.ts', startLine: 4, endLine: 9, seq: 1, body: 'x' }), /has 4 lines in checkpoint #1; line 9 is past its end/);
      await assert.rejects(r.add({ path: 'src/a.ts', startLine: 3, endLine: 2, seq: 1, body: 'x' }), /not a range/);
      await assert.rejects(r.add({ path: 'src/a.ts', startLine: 1, endLine: 1, seq: 5, body: 'x' }), /Checkpoint #5 does not exist/);
      await assert.rejects(r.add({ path: 'src/none.ts', startLine: 1, endLine: 1, seq: 1, body: 'x' }), (e: unknown) => AopError.is(e, 'NOT_FOUND'));
      await assert.rejects(r.add({ path: '../escape', startLine: 1, endLine: 1, seq: 1, body: 'x' }), (e: unknown) => AopError.is(e));
      await assert.rejects(r.add({ path: 'src/a.ts', startLine: 1, endLine: 1, seq: 1, body: '  ' }), /empty/);
      assert.deepEqual(r.list(), []);
    });

    it('sets an unreadable store aside instead of losing it', async () => {
      fs.writeFileSync(path.join(dir, 'review.json'), '{not json');
      const warnings: string[] = [];
      const r = await ReviewThreads.open({ ...host(), warn: (m) => warnings.push(m) });
      assert.deepEqual(r.list(), []);
      assert.equal(warnings.length, 1);
      assert.ok(fs.readdirSync(dir).some((n) => n.startsWith('review.json.unreadable-')));
    });
  });
});
