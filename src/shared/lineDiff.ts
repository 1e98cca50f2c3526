/**
 * A line diff (Myers' O(ND) greedy algorithm) and hunk building, for the panel's diff view.
 * The common prefix and suffix are trimmed first, so typical edits cost little. The edit
 * distance is capped, which keeps the host responsive on pathological inputs: past the cap
 * the diff is anchored on unique lines, and any stretch still past it is reported as one
 * replaced block (`approximate`).
 */
import type { DiffLine, Hunk } from './viewModels';

export type EditOp = 'eq' | 'del' | 'add';

export interface Edit {
  op: EditOp;
  /** Index in the old lines (for 'add': where the insertion happens). */
  a: number;
  /** Index in the new lines (for 'del': where the deletion happens). */
  b: number;
}

export interface EditScript {
  edits: Edit[];
  approximate: boolean;
}

/** Interns lines as small integers so the inner loop compares numbers. */
function intern(a: readonly string[], b: readonly string[], from: number, aEnd: number, bEnd: number): [Int32Array, Int32Array] {
  const ids = new Map<string, number>();
  const id = (s: string): number => {
    let v = ids.get(s);
    if (v === undefined) {
      v = ids.size;
      ids.set(s, v);
    }
    return v;
  };
  const ai = new Int32Array(aEnd - from);
  const bi = new Int32Array(bEnd - from);
  for (let i = from; i < aEnd; i++) ai[i - from] = id(a[i]!);
  for (let i = from; i < bEnd; i++) bi[i - from] = id(b[i]!);
  return [ai, bi];
}

/** Myers' shortest edit script on integer sequences, or undefined beyond `maxD` edits. */
function myers(a: Int32Array, b: Int32Array, maxD: number): EditOp[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxD);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    // Keep the diagonals -d..d of the previous round, which is all the backtrack reads.
    trace.push(v.slice(off - d, off + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return undefined;
  const ops: EditOp[] = [];
  let x = n;
  let y = m;
  for (let d = found; d >= 0; d--) {
    const prev = trace[d]!;
    const at = (k: number): number => prev[k + d]!;
    const k = x - y;
    let prevK: number;
    if (d === 0) prevK = 0;
    else prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push('eq');
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) {
        ops.push('add');
        y--;
      } else {
        ops.push('del');
        x--;
      }
    }
  }
  return ops.reverse();
}

function sharesLine(a: Int32Array, b: Int32Array): boolean {
  const inA = new Set(a);
  return b.some((x) => inA.has(x));
}

/**
 * Fallback when the whole middle is too far apart for the capped Myers pass: anchor on lines
 * that occur exactly once on each side (as git's patience diff does), keep the longest run of
 * anchors in order, and diff the stretches between them separately. Scattered edits to
 * distinct lines stay exact; only a stretch that is itself past the cap becomes one block.
 */
function anchored(a: Int32Array, b: Int32Array, maxD: number): { ops: EditOp[]; approximate: boolean } {
  const countA = new Map<number, number>();
  const countB = new Map<number, number>();
  const posB = new Map<number, number>();
  for (const x of a) countA.set(x, (countA.get(x) ?? 0) + 1);
  b.forEach((x, j) => {
    countB.set(x, (countB.get(x) ?? 0) + 1);
    posB.set(x, j);
  });
  const pairs: [number, number][] = [];
  a.forEach((x, i) => {
    if (countA.get(x) === 1 && countB.get(x) === 1) pairs.push([i, posB.get(x)!]);
  });
  // Longest increasing subsequence of the b positions (patience sorting).
  const tails: number[] = [];
  const prev = new Int32Array(pairs.length).fill(-1);
  for (let p = 0; p < pairs.length; p++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]!]![1] < pairs[p]![1]) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[p] = tails[lo - 1]!;
    tails[lo] = p;
  }
  const anchors: [number, number][] = [];
  for (let p = tails.length ? tails[tails.length - 1]! : -1; p >= 0; p = prev[p]!) anchors.push(pairs[p]!);
  anchors.reverse();
  const ops: EditOp[] = [];
  let approximate = false;
  let x = 0;
  let y = 0;
  for (const [ax, by] of [...anchors, [a.length, b.length] as [number, number]]) {
    const sa = a.subarray(x, ax);
    const sb = b.subarray(y, by);
    let seg = sa.length === 0 || sb.length === 0 ? undefined : myers(sa, sb, maxD);
    if (!seg) {
      // Replacing the whole stretch is exact when the two sides share no line at all.
      if (sa.length > 0 && sb.length > 0 && sharesLine(sa, sb)) approximate = true;
      seg = [...new Array<EditOp>(sa.length).fill('del'), ...new Array<EditOp>(sb.length).fill('add')];
    }
    ops.push(...seg);
    if (ax < a.length) ops.push('eq');
    x = ax + 1;
    y = by + 1;
  }
  return { ops, approximate };
}

/** The edit script turning `a` into `b`: minimal within `maxEdits`, anchored beyond. */
export function diffLines(a: readonly string[], b: readonly string[], maxEdits = 1000): EditScript {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let aEnd = a.length;
  let bEnd = b.length;
  while (aEnd > pre && bEnd > pre && a[aEnd - 1] === b[bEnd - 1]) {
    aEnd--;
    bEnd--;
  }
  const edits: Edit[] = [];
  for (let i = 0; i < pre; i++) edits.push({ op: 'eq', a: i, b: i });
  let approximate = false;
  let middle: EditOp[];
  if (aEnd - pre === 0 || bEnd - pre === 0) {
    middle = [...new Array<EditOp>(aEnd - pre).fill('del'), ...new Array<EditOp>(bEnd - pre).fill('add')];
  } else {
    const [ai, bi] = intern(a, b, pre, aEnd, bEnd);
    const exact = myers(ai, bi, maxEdits);
    if (exact) middle = exact;
    else ({ ops: middle, approximate } = anchored(ai, bi, maxEdits));
  }
  let x = pre;
  let y = pre;
  for (const op of middle) {
    edits.push({ op, a: x, b: y });
    if (op !== 'add') x++;
    if (op !== 'del') y++;
  }
  for (let i = 0; aEnd + i < a.length; i++) edits.push({ op: 'eq', a: aEnd + i, b: bEnd + i });
  return { edits, approximate };
}

export interface SplitText {
  lines: string[];
  /** The text does not end with a newline (its last line is "incomplete"). */
  noEol: boolean;
}

export function splitLines(text: string): SplitText {
  if (text === '') return { lines: [], noEol: false };
  const lines = text.split('\n');
  const noEol = lines[lines.length - 1] !== '';
  if (!noEol) lines.pop();
  return { lines, noEol };
}

/** Builds unified hunks with `context` lines around each change. */
export function buildHunks(oldText: SplitText, newText: SplitText, opts: { context?: number; maxEdits?: number } = {}): { hunks: Hunk[]; added: number; removed: number; approximate: boolean } {
  const context = opts.context ?? 3;
  // A missing final newline is a difference of that line, as in git.
  const key = (t: SplitText, i: number): string => (t.noEol && i === t.lines.length - 1 ? t.lines[i] + '\u0000noeol' : t.lines[i]!);
  const a = oldText.lines.map((_, i) => key(oldText, i));
  const b = newText.lines.map((_, i) => key(newText, i));
  const { edits, approximate } = diffLines(a, b, opts.maxEdits);
  const hunks: Hunk[] = [];
  let added = 0;
  let removed = 0;
  const changes: number[] = [];
  edits.forEach((e, i) => {
    if (e.op === 'add') added++;
    if (e.op === 'del') removed++;
    if (e.op !== 'eq') changes.push(i);
  });
  let c = 0;
  while (c < changes.length) {
    let last = changes[c]!;
    let next = c + 1;
    // Merge changes separated by at most 2*context unchanged lines into one hunk.
    while (next < changes.length && changes[next]! - last <= 2 * context + 1) last = changes[next++]!;
    const from = Math.max(0, changes[c]! - context);
    const to = Math.min(edits.length, last + context + 1);
    const lines: DiffLine[] = [];
    let oldLines = 0;
    let newLines = 0;
    for (let i = from; i < to; i++) {
      const e = edits[i]!;
      const side = e.op === 'add' ? newText : oldText;
      const idx = e.op === 'add' ? e.b : e.a;
      const line: DiffLine = { k: e.op === 'eq' ? 'ctx' : e.op, text: side.lines[idx]! };
      if (side.noEol && idx === side.lines.length - 1) line.noEol = true;
      lines.push(line);
      if (e.op !== 'add') oldLines++;
      if (e.op !== 'del') newLines++;
    }
    const first = edits[from]!;
    hunks.push({
      oldStart: oldLines === 0 ? first.a : first.a + 1,
      oldLines,
      newStart: newLines === 0 ? first.b : first.b + 1,
      newLines,
      lines,
    });
    c = next;
  }
  return { hunks, added, removed, approximate };
}
