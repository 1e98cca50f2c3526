import { strict as assert } from 'node:assert';
import { buildDiffView, looksBinary, type BlobRead, type DiffInput } from '../../../src/shared/diffView';
import { splitRows, unifiedRows } from '../../../src/shared/diffRows';
import { LIMITS } from '../../../src/shared/limits';
import { diffViewSchema } from '../../../src/shared/viewModels';

const blob = (text: string | Uint8Array, size?: number): BlobRead => {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  return { bytes, size: size ?? bytes.length };
};
const input = (over: Partial<DiffInput>): DiffInput => ({ path: 'f.txt', status: 'M', range: { from: 1, to: 2 }, mode: '100644', ...over });

function valid(view: unknown): void {
  const r = diffViewSchema.safeParse(view);
  assert.ok(r.success, r.error?.message);
}

describe('shared/diffView: summarising what should not be dumped', () => {
  it('diffs small text files into hunks', () => {
    const view = buildDiffView(input({ old: blob('a\nb\nc\n'), new: blob('a\nB\nc\nd\n') }));
    valid(view);
    assert.equal(view.kind, 'text');
    if (view.kind !== 'text') return;
    assert.equal(view.added, 2);
    assert.equal(view.removed, 1);
    assert.equal(view.oldSize, 6);
    assert.deepEqual(view.hunks[0]!.lines.map((l) => l.k), ['ctx', 'del', 'add', 'ctx', 'add']);
  });

  it('summarises binary files without content', () => {
    const view = buildDiffView(input({ old: blob(new Uint8Array([0x89, 0x50, 0, 1])), new: blob(new Uint8Array([0x89, 0x50, 0, 2, 3])) }));
    valid(view);
    assert.deepEqual(view, { path: 'f.txt', status: 'M', range: { from: 1, to: 2 }, oldSize: 4, newSize: 5, kind: 'binary' });
    assert.equal(looksBinary(new TextEncoder().encode('plain text')), false);
  });

  it('summarises files over the byte limit with git line counts, even when only a prefix was read', () => {
    const prefix = new TextEncoder().encode('x\n'.repeat(100));
    const view = buildDiffView(input({ status: 'A', new: blob(prefix, LIMITS.diffBytes + 1), added: 123456 }));
    valid(view);
    assert.equal(view.kind, 'tooLarge');
    if (view.kind !== 'tooLarge') return;
    assert.equal(view.added, 123456);
    assert.match(view.reason, /over the 1 MiB/);
    assert.equal(JSON.stringify(view).length < 500, true, 'no content in the summary');
  });

  it('summarises files with too many lines', () => {
    const text = 'l\n'.repeat(LIMITS.diffLines + 1);
    const view = buildDiffView(input({ status: 'A', new: blob(text) }));
    valid(view);
    assert.equal(view.kind, 'tooLarge');
    if (view.kind === 'tooLarge') assert.match(view.reason, /20,001 lines/);
  });

  it('keeps a diff of 5,000 changed lines within the protocol bounds', () => {
    const oldText = Array.from({ length: 5000 }, (_, i) => `const a${i} = ${i};`).join('\n');
    const newText = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? `const a${i} = ${i * 2};` : `const a${i} = ${i};`)).join('\n');
    const view = buildDiffView(input({ old: blob(oldText), new: blob(newText) }));
    valid(view);
    assert.equal(view.kind, 'text');
    if (view.kind === 'text') {
      assert.equal(view.added, 714); // every 7th line but the first (0 * 2 is 0)
      assert.equal(view.approximate, false);
    }
  });

  it('summarises submodules by commit and reports mode changes', () => {
    const sub = buildDiffView(input({ mode: '160000', oldMode: '160000', oid: 'b'.repeat(40), oldOid: 'a'.repeat(40) }));
    valid(sub);
    assert.equal(sub.kind, 'submodule');
    const exec = buildDiffView(input({ mode: '100755', oldMode: '100644', old: blob('#!/bin/sh\n'), new: blob('#!/bin/sh\n') }));
    valid(exec);
    assert.deepEqual(exec.modeChange, { from: '100644', to: '100755' });
    assert.equal(exec.kind === 'text' && exec.hunks.length, 0);
  });

  it('renders added and deleted files against an empty side', () => {
    const added = buildDiffView(input({ status: 'A', new: blob('new\n') }));
    assert.equal(added.kind === 'text' && added.added, 1);
    const deleted = buildDiffView(input({ status: 'D', old: blob('gone\n') }));
    assert.equal(deleted.kind === 'text' && deleted.removed, 1);
  });
});

describe('shared/diffRows', () => {
  const view = buildDiffView(input({ old: blob('1\n2\n3\n4\n'), new: blob('1\ntwo\n3\nfour\nfive\n') }));
  const hunks = view.kind === 'text' ? view.hunks : [];

  it('numbers unified rows on both sides', () => {
    const rows = unifiedRows(hunks);
    assert.deepEqual(
      rows.map((r) => (r.kind === 'hunk' ? r.text : `${r.k}:${r.oldNo ?? '-'}:${r.newNo ?? '-'}:${r.text}`)),
      ['@@ -1,4 +1,5 @@', 'ctx:1:1:1', 'del:2:-:2', 'add:-:2:two', 'ctx:3:3:3', 'del:4:-:4', 'add:-:4:four', 'add:-:5:five'],
    );
  });

  it('pairs deletions with the additions after them, side by side', () => {
    const rows = splitRows(hunks);
    const show = (c?: { no: number; text: string }) => (c ? `${c.no}:${c.text}` : '');
    assert.deepEqual(
      rows.map((r) => (r.kind === 'hunk' ? r.text : `${show(r.left)} | ${show(r.right)}`)),
      ['@@ -1,4 +1,5 @@', '1:1 | 1:1', '2:2 | 2:two', '3:3 | 3:3', '4:4 | 4:four', ' | 5:five'],
    );
  });
});
