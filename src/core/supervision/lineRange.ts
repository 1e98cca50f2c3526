/**
 * Following commented lines through an edit: did the change from one version of a file to the
 * next touch lines [start, end] (1-based, inclusive), and where are they now? Lines inserted
 * between them, or any of them deleted or rewritten, is a change; lines added just before or
 * after are not (the range only moves). Pure, on the shared line diff.
 */
import { diffLines, splitLines } from '../../shared/lineDiff';

export interface RangeAfterEdit {
  changed: boolean;
  /** The range in the new version (its surviving or replacing lines; where it stood when all were deleted). */
  startLine: number;
  endLine: number;
}

export function rangeAfterEdit(oldText: string, newText: string, startLine: number, endLine: number): RangeAfterEdit {
  const a = splitLines(oldText).lines;
  const b = splitLines(newText).lines;
  const lo = startLine - 1;
  const hi = Math.min(endLine, a.length) - 1;
  const { edits } = diffLines(a, b);
  let changed = false;
  let first: number | undefined;
  let last: number | undefined;
  const note = (j: number) => {
    first = first === undefined ? j : Math.min(first, j);
    last = last === undefined ? j : Math.max(last, j);
  };
  let insertAt: number | undefined;
  const deleted = new Set(edits.filter((e) => e.op === 'del').map((e) => e.a));
  for (const e of edits) {
    if (e.op === 'eq') {
      if (e.a >= lo && e.a <= hi) note(e.b);
    } else if (e.op === 'del') {
      if (e.a >= lo && e.a <= hi) {
        changed = true;
        insertAt ??= e.b;
      }
    } else if (e.a > lo && e.a <= hi) {
      // Inserted before old line e.a, which lies inside the range: between its lines.
      changed = true;
      note(e.b);
    } else if ((e.a === hi + 1 && deleted.has(hi)) || (e.a === lo && deleted.has(lo))) {
      // Lines written where the range's last (or first) line was deleted: its replacement.
      note(e.b);
    }
  }
  if (first === undefined || last === undefined) {
    const at = (insertAt ?? 0) + 1;
    return { changed: changed || hi < lo, startLine: at, endLine: at };
  }
  return { changed, startLine: first + 1, endLine: last + 1 };
}
