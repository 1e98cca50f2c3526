/**
 * What the worktree on disk says of a path, for the files that have no blob to read (ignored
 * ones) and for link targets not among the changes: lstat facts, link text and a file's first
 * bytes. Apart from the Validator so its rules read as rules, not as file calls.
 */
import type { Stats } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { GitMode } from '../model/types';
import { isGone } from '../util/fsErrors';
import { hasGitComponent } from '../../shared/paths';
import { outsideReason } from './pathRules';

/** What lstat says about an ignored file, which exists only on disk. */
export interface DiskFacts {
  kind: 'file' | 'link' | 'other' | 'missing';
  size: number;
  executable: boolean;
  abs: string;
  /** Changes whenever the file might have: part of the cache key. */
  stamp: string;
}

/** The link text of `rel` in the worktree, or undefined when it is not a link (or is gone). */
export async function diskLink(worktree: string, rel: string): Promise<string | undefined> {
  const abs = nodePath.join(worktree, ...rel.split('/'));
  try {
    const st = await lstat(abs);
    return st.isSymbolicLink() ? await readlink(abs, 'utf8') : undefined;
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
}

export async function diskFacts(worktree: string, path: string, mode: GitMode): Promise<DiskFacts | undefined> {
  if (outsideReason(path) || hasGitComponent(path)) return undefined;
  const abs = nodePath.join(worktree, ...path.split('/'));
  let st: Stats;
  try {
    st = await lstat(abs);
  } catch (err) {
    if (isGone(err)) return { kind: 'missing', size: 0, executable: false, abs, stamp: 'missing' };
    throw err;
  }
  const kind = st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : 'other';
  // Windows has no executable bit; there the mode the caller reported is all we have.
  const executable = process.platform === 'win32' ? mode === '100755' : (st.mode & 0o111) !== 0;
  return { kind, size: st.size, executable, abs, stamp: `${kind}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}:${st.mode}` };
}

/** Up to `max` bytes from the start of `file`; undefined when it is gone. */
export async function readHead(file: string, max: number): Promise<Buffer | undefined> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
  try {
    if (max <= 0) return Buffer.alloc(0);
    const buf = Buffer.alloc(max);
    let filled = 0;
    while (filled < max) {
      const { bytesRead } = await fh.read(buf, filled, max - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buf.subarray(0, filled);
  } finally {
    await fh.close();
  }
}
