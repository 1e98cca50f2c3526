/**
 * Line counts of a checkpoint's changed files, as `git diff --numstat` gives them, computed in
 * place from bytes the checkpoint already holds (what it just hashed, what recent checkpoints
 * hashed). git's own numstat would read every changed blob twice more, in a second process;
 * for a 2,000-file checkpoint that was the slowest stage. The counts are git's: a file is
 * binary when either side has a NUL in its first 8,000 bytes; a missing final newline makes the
 * last line differ; a gitlink counts as one "Subproject commit" line. Where an exact minimal
 * diff would cost too much (more than MAX_EDITS changed lines), the caller asks git instead.
 */
import { diffLines, splitLines } from '../../shared/lineDiff';
import type { FileChange } from '../model/types';

/** git's FIRST_FEW_BYTES: how far it looks for a NUL to call content binary. */
const BINARY_SNIFF_BYTES = 8000;
/** Below this many changed lines, git's diff is the minimal one: ours then agrees with it exactly. */
export const MAX_EDITS = 200;

export type LineCounts = { added: number; removed: number } | { binary: true };

export function isBinary(buf: Buffer): boolean {
  const end = Math.min(buf.length, BINARY_SNIFF_BYTES);
  for (let i = 0; i < end; i++) if (buf[i] === 0) return true;
  return false;
}

function sharesLine(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const [small, big] = a.length <= b.length ? [a, b] : [b, a];
  const seen = new Set(small);
  return big.some((l) => seen.has(l));
}

function lines(buf: Buffer): string[] {
  // latin1 keeps one character per byte: lines compare byte for byte.
  const t = splitLines(buf.toString('latin1'));
  if (t.noEol && t.lines.length > 0) t.lines[t.lines.length - 1] += '\u0000noeol';
  return t.lines;
}

/**
 * Counts for one change, from the old and new bytes (undefined: that side does not exist), or
 * undefined when only git can say (a diff too large to be sure of git's exact answer).
 */
export function countLines(change: Pick<FileChange, 'status' | 'mode' | 'oldMode' | 'oid' | 'oldOid'>, before: Buffer | undefined, after: Buffer | undefined): LineCounts | undefined {
  const gitlink = change.mode === '160000' || change.oldMode === '160000';
  if (gitlink) {
    if (change.status === 'T') return undefined;
    return { added: change.status === 'D' ? 0 : 1, removed: change.status === 'A' ? 0 : 1 };
  }
  if ((before && isBinary(before)) || (after && isBinary(after))) return { binary: true };
  const a = before ? lines(before) : [];
  const b = after ? lines(after) : [];
  if (change.oid !== undefined && change.oid === change.oldOid) return { added: 0, removed: 0 };
  // A file rewritten whole (the common agent write) shares no line with its old self: then any
  // diff, git's included, removes every old line and adds every new one. No edit script needed,
  // and none capped: a long file rewritten whole would otherwise go to git.
  if (!sharesLine(a, b)) return { added: b.length, removed: a.length };
  const { edits, approximate } = diffLines(a, b, MAX_EDITS);
  if (approximate) return undefined;
  let added = 0;
  let removed = 0;
  for (const e of edits) {
    if (e.op === 'add') added++;
    else if (e.op === 'del') removed++;
  }
  // Past the cap the stretch was replaced whole: exact only if git would not find a shorter script either.
  if (added + removed > MAX_EDITS && Math.min(added, removed) > 0) return undefined;
  return { added, removed };
}
