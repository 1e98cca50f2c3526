import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { buildHunks, diffLines, splitLines, type Edit } from '../../../src/shared/lineDiff';

/** Replays an edit script: the old side must come out of eq+del, the new side out of eq+add. */
function replay(a: string[], b: string[], edits: Edit[]): void {
  const oldOut: string[] = [];
  const newOut: string[] = [];
  for (const e of edits) {
    if (e.op !== 'add') oldOut.push(a[e.a]!);
    if (e.op !== 'del') newOut.push(b[e.b]!);
    if (e.op === 'eq') assert.equal(a[e.a], b[e.b]);
  }
  assert.deepEqual(oldOut, a);
  assert.deepEqual(newOut, b);
}

function lcsLength(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  return dp[0]![0]!;
}

describe('shared/lineDiff', () => {
  it('produces a valid, minimal edit script (property, against an LCS oracle)', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 25 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const { edits, approximate } = diffLines(a, b);
        assert.equal(approximate, false);
        replay(a, b, edits);
        const equal = edits.filter((e) => e.op === 'eq').length;
        assert.equal(equal, lcsLength(a, b));
      }),
      { numRuns: 1500 },
    );
  });

  it('gives up past the edit cap with one replaced block that is still a valid script', () => {
    // Shared lines, but none unique to anchor on: past the cap the middle is one block.
    const a = Array.from({ length: 300 }, (_, i) => (i % 10 === 0 ? '}' : `old ${i}`));
    const b = Array.from({ length: 300 }, (_, i) => (i % 10 === 0 ? '}' : `new ${i}`));
    a.unshift('same head');
    b.unshift('same head');
    const { edits, approximate } = diffLines(a, b, 50);
    assert.equal(approximate, true);
    replay(a, b, edits);
    assert.deepEqual(edits[0], { op: 'eq', a: 0, b: 0 });
    assert.equal(edits.filter((e) => e.op === 'del').length, 299); // 'same head' and the first '}' are a common prefix
  });

  it('calls a wholesale replacement exact when the sides share no line', () => {
    const a = Array.from({ length: 300 }, (_, i) => `old ${i}`);
    const b = Array.from({ length: 300 }, (_, i) => `new ${i}`);
    const { edits, approximate } = diffLines(a, b, 50);
    assert.equal(approximate, false);
    replay(a, b, edits);
  });

  it('past the cap, stays exact for scattered edits by anchoring on unique lines', () => {
    const a = Array.from({ length: 2000 }, (_, i) => `line ${i}`);
    const b = a.map((l, i) => (i % 5 === 0 ? `${l} changed` : l));
    const { edits, approximate } = diffLines(a, b, 100);
    assert.equal(approximate, false);
    replay(a, b, edits);
    assert.equal(edits.filter((e) => e.op === 'add').length, 400);
    assert.equal(edits.filter((e) => e.op === 'eq').length, 1600);
  });

  it('past the cap, always yields a valid script (property)', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', ''), { maxLength: 40 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        replay(a, b, diffLines(a, b, 2).edits);
      }),
      { numRuns: 1500 },
    );
  });

  it('splits text into lines and notes a missing final newline', () => {
    assert.deepEqual(splitLines(''), { lines: [], noEol: false });
    assert.deepEqual(splitLines('a\nb\n'), { lines: ['a', 'b'], noEol: false });
    assert.deepEqual(splitLines('a\nb'), { lines: ['a', 'b'], noEol: true });
    assert.deepEqual(splitLines('\n'), { lines: [''], noEol: false });
  });

  it('builds hunks with three lines of context, merging close changes like git', () => {
    const a = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const b = [...a];
    b[4] = 'changed 5';
    b[8] = 'changed 9'; // 3 unchanged lines apart: same hunk
    b[24] = 'changed 25'; // far: own hunk
    const { hunks, added, removed } = buildHunks({ lines: a, noEol: false }, { lines: b, noEol: false });
    assert.equal(added, 3);
    assert.equal(removed, 3);
    assert.deepEqual(
      hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines]),
      [
        [2, 11, 2, 11],
        [22, 7, 22, 7],
      ],
    );
    assert.deepEqual(
      hunks[0]!.lines.slice(0, 5).map((l) => `${l.k} ${l.text}`),
      ['ctx line 2', 'ctx line 3', 'ctx line 4', 'del line 5', 'add changed 5'],
    );
  });

  it('numbers hunks of pure insertions and deletions as git does', () => {
    const ins = buildHunks(splitLines(''), splitLines('x\ny\n'));
    assert.deepEqual(ins.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines]), [[0, 0, 1, 2]]);
    const del = buildHunks(splitLines('x\ny\n'), splitLines(''));
    assert.deepEqual(del.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines]), [[1, 2, 0, 0]]);
    assert.deepEqual(buildHunks(splitLines('a\nb\n'), splitLines('a\nb\n')).hunks, []);
  });

  it('shows a change of the final newline as a change of the last line', () => {
    const { hunks } = buildHunks(splitLines('a\nb'), splitLines('a\nb\n'));
    assert.deepEqual(hunks[0]!.lines, [
      { k: 'ctx', text: 'a' },
      { k: 'del', text: 'b', noEol: true },
      { k: 'add', text: 'b' },
    ]);
  });
});
