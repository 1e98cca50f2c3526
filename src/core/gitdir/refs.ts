/** Reading ref values out of fingerprinted ref files (no git process involved). */
import type { FileState } from './snapshot';

/** `packed-refs` as name -> object id (peeled `^` lines and the header are not refs). */
export function parsePackedRefs(data: Buffer | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!data) return out;
  for (const line of data.toString('utf8').split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const sp = line.indexOf(' ');
    if (sp > 0) out.set(line.slice(sp + 1).trim(), line.slice(0, sp));
  }
  return out;
}

/** Names whose packed value differs between two versions of `packed-refs`. */
export function movedPackedRefs(before: FileState | undefined, after: FileState | undefined): string[] {
  const a = parsePackedRefs(before?.data);
  const b = parsePackedRefs(after?.data);
  const moved: string[] = [];
  for (const [name, oid] of a) if (b.get(name) !== oid) moved.push(name);
  for (const name of b.keys()) if (!a.has(name)) moved.push(name);
  return moved.sort();
}

/** A loose ref's value as written (`<oid>` or `ref: <target>`), for messages. */
export function looseValue(s: FileState | undefined): string {
  if (!s) return '(absent)';
  if (s.type === 'link') return `symlink to ${s.data?.toString('utf8') ?? '?'}`;
  return s.data ? s.data.toString('utf8').trim().slice(0, 200) : `${s.size} bytes`;
}
