/** Shows what changed in a git-folder file: a unified diff for text, a summary otherwise. */
import { buildHunks, splitLines } from '../../shared/lineDiff';
import type { FileState } from './snapshot';

const MAX_DIFF_BYTES = 256 * 1024;

function isText(s: FileState | undefined): boolean {
  return !s || (s.type === 'file' && s.data !== undefined && s.data.length <= MAX_DIFF_BYTES && !s.data.includes(0));
}

function summary(s: FileState | undefined): string {
  if (!s) return 'absent';
  const kind = s.type === 'link' ? `symlink to ${s.data?.toString('utf8') ?? '?'}` : `${s.size} bytes`;
  return `${kind}, mode ${s.mode.toString(8).padStart(3, '0')}`;
}

/** A unified diff (label is the path to show, e.g. `.git/config`). */
export function describeChange(label: string, before: FileState | undefined, after: FileState | undefined): string {
  const head = `--- ${before ? `a/${label}` : '/dev/null'} (before: ${summary(before)})\n+++ ${after ? `b/${label}` : '/dev/null'} (now: ${summary(after)})\n`;
  if (!isText(before) || !isText(after)) return `${head}(binary or large content: not shown)\n`;
  const { hunks } = buildHunks(splitLines(before?.data?.toString('utf8') ?? ''), splitLines(after?.data?.toString('utf8') ?? ''));
  let out = head;
  for (const h of hunks) {
    out += `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@\n`;
    for (const l of h.lines) {
      out += `${l.k === 'add' ? '+' : l.k === 'del' ? '-' : ' '}${l.text}\n`;
      if (l.noEol) out += '\\ No newline at end of file\n';
    }
  }
  if (hunks.length === 0) out += '(same content; only the mode or type changed)\n';
  return out;
}
