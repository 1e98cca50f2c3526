/**
 * Flat rows for rendering hunks, unified or side by side. Every row has the same height, so
 * the webview can virtualise a 20,000-line diff.
 */
import type { DiffLine, Hunk } from './viewModels';

export type UnifiedRow =
  | { kind: 'hunk'; text: string }
  | { kind: 'line'; k: DiffLine['k']; oldNo?: number; newNo?: number; text: string; noEol?: boolean };

export interface SplitCell {
  k: DiffLine['k'];
  no: number;
  text: string;
  noEol?: boolean;
}

export type SplitRow = { kind: 'hunk'; text: string } | { kind: 'pair'; left?: SplitCell; right?: SplitCell };

export function hunkHeader(h: Hunk): string {
  return `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`;
}

export function unifiedRows(hunks: readonly Hunk[]): UnifiedRow[] {
  const rows: UnifiedRow[] = [];
  for (const h of hunks) {
    rows.push({ kind: 'hunk', text: hunkHeader(h) });
    let o = h.oldLines === 0 ? h.oldStart + 1 : h.oldStart;
    let n = h.newLines === 0 ? h.newStart + 1 : h.newStart;
    for (const l of h.lines) {
      const row: UnifiedRow = { kind: 'line', k: l.k, text: l.text };
      if (l.k !== 'add') row.oldNo = o++;
      if (l.k !== 'del') row.newNo = n++;
      if (l.noEol) row.noEol = true;
      rows.push(row);
    }
  }
  return rows;
}

/** Side by side: context on both sides; a run of deletions is paired line by line with the additions after it. */
export function splitRows(hunks: readonly Hunk[]): SplitRow[] {
  const rows: SplitRow[] = [];
  const cell = (l: DiffLine, no: number): SplitCell => (l.noEol ? { k: l.k, no, text: l.text, noEol: true } : { k: l.k, no, text: l.text });
  for (const h of hunks) {
    rows.push({ kind: 'hunk', text: hunkHeader(h) });
    let o = h.oldLines === 0 ? h.oldStart + 1 : h.oldStart;
    let n = h.newLines === 0 ? h.newStart + 1 : h.newStart;
    let i = 0;
    while (i < h.lines.length) {
      const l = h.lines[i]!;
      if (l.k === 'ctx') {
        rows.push({ kind: 'pair', left: cell(l, o++), right: cell(l, n++) });
        i++;
        continue;
      }
      const dels: SplitCell[] = [];
      const adds: SplitCell[] = [];
      while (i < h.lines.length && h.lines[i]!.k === 'del') dels.push(cell(h.lines[i++]!, o++));
      while (i < h.lines.length && h.lines[i]!.k === 'add') adds.push(cell(h.lines[i++]!, n++));
      for (let j = 0; j < Math.max(dels.length, adds.length); j++) {
        const row: SplitRow = { kind: 'pair' };
        if (dels[j]) row.left = dels[j];
        if (adds[j]) row.right = adds[j];
        rows.push(row);
      }
    }
  }
  return rows;
}
