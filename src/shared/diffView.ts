/**
 * Turns the two sides of one file into the DiffView the panel renders. Binary files, very
 * large files and submodules are summarised rather than dumped, so one file can never flood
 * the webview.
 */
import { LIMITS } from './limits';
import { buildHunks, splitLines } from './lineDiff';
import type { DiffRange, DiffView, FileChangeView } from './viewModels';
import { formatBytes } from './format';

/** One side of a file, as read by the host: its full size and (up to a bound) its bytes. */
export interface BlobRead {
  size: number;
  /** The content, or only its first bytes when `size` exceeds what was asked for. */
  bytes: Uint8Array;
}

export interface DiffInput {
  path: string;
  status: FileChangeView['status'];
  range: DiffRange;
  mode: FileChangeView['mode'];
  oldMode?: FileChangeView['mode'];
  /** For submodules: the commits recorded on each side. */
  oid?: string;
  oldOid?: string;
  /** Line counts from git, shown when the file is too large to diff here. */
  added?: number;
  removed?: number;
  /** Absent when the file does not exist on that side. */
  old?: BlobRead;
  new?: BlobRead;
}

/** git's heuristic: a NUL byte in the first 8000 bytes means binary. */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8000);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

export function buildDiffView(input: DiffInput, limits: { maxBytes: number; maxLines: number; maxEdits: number } = { maxBytes: LIMITS.diffBytes, maxLines: LIMITS.diffLines, maxEdits: LIMITS.diffMaxEdits }): DiffView {
  const common = {
    path: input.path,
    status: input.status,
    range: input.range,
    ...(input.old ? { oldSize: input.old.size } : {}),
    ...(input.new ? { newSize: input.new.size } : {}),
    ...(input.oldMode && input.oldMode !== input.mode ? { modeChange: { from: input.oldMode, to: input.mode } } : {}),
  };
  if (input.mode === '160000' || input.oldMode === '160000') {
    return {
      ...common,
      kind: 'submodule',
      ...(input.oldOid ? { oldCommit: input.oldOid.slice(0, 64) } : {}),
      ...(input.oid ? { newCommit: input.oid.slice(0, 64) } : {}),
    };
  }
  const sides = [input.old, input.new].filter((s): s is BlobRead => s !== undefined);
  if (sides.some((s) => looksBinary(s.bytes))) return { ...common, kind: 'binary' };
  const counts = { ...(input.added !== undefined ? { added: input.added } : {}), ...(input.removed !== undefined ? { removed: input.removed } : {}) };
  const big = sides.find((s) => s.size > limits.maxBytes || s.bytes.length < s.size);
  if (big) {
    return { ...common, kind: 'tooLarge', reason: `${formatBytes(big.size)} is over the ${formatBytes(limits.maxBytes)} the panel diffs`, ...counts };
  }
  const decoder = new TextDecoder('utf-8');
  const oldText = splitLines(input.old ? decoder.decode(input.old.bytes) : '');
  const newText = splitLines(input.new ? decoder.decode(input.new.bytes) : '');
  const lines = Math.max(oldText.lines.length, newText.lines.length);
  if (lines > limits.maxLines) {
    return { ...common, kind: 'tooLarge', reason: `${lines.toLocaleString('en-US')} lines is over the ${limits.maxLines.toLocaleString('en-US')} the panel diffs`, ...counts };
  }
  const { hunks, added, removed, approximate } = buildHunks(oldText, newText, { maxEdits: limits.maxEdits });
  return { ...common, kind: 'text', hunks, added, removed, approximate };
}
