/**
 * A fingerprint of the watched part of a git folder (see ./scope.ts): for each guarded file and
 * ref, its type, mode, size, SHA-256 and, up to a cap, its exact bytes (so a change can be shown
 * as a diff and undone byte for byte). Read with plain file reads: no git process, so nothing
 * planted in the folder runs while we look at it.
 */
import { createHash } from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { gitPathRole, mayHoldWatched } from './scope';

export interface FileState {
  type: 'file' | 'link';
  /** Permission bits (0o7777). */
  mode: number;
  size: number;
  sha256: string;
  /** The bytes (a link's target for links); absent past the size cap. */
  data?: Buffer;
}

/** Relative path (with '/') to state; a path that is absent has no entry. */
export type GitDirSnapshot = Map<string, FileState>;

export interface SnapshotLimits {
  /** Files larger than this keep only their hash (they cannot be restored). */
  maxFileBytes: number;
  /** Entries beyond this are not read (a hostile folder of a million hooks must not exhaust us). */
  maxEntries: number;
}

const PACKED_REFS_MAX_BYTES = 64 * 1024 * 1024;

export const DEFAULT_LIMITS: SnapshotLimits = { maxFileBytes: 1024 * 1024, maxEntries: 20_000 };

/** Reads every watched path under the git folder. */
export async function snapshotGitDir(gitDir: string, limits: SnapshotLimits = DEFAULT_LIMITS): Promise<GitDirSnapshot> {
  const out: GitDirSnapshot = new Map();
  await readInto(gitDir, '', out, limits);
  return out;
}

/**
 * Re-reads `rels` (files or folders, present or gone) into `snap`, replacing what it held for
 * them and everything under them. Returns every path whose entry may have changed.
 */
export async function refreshPaths(gitDir: string, rels: Iterable<string>, snap: GitDirSnapshot, limits: SnapshotLimits = DEFAULT_LIMITS): Promise<Set<string>> {
  const touched = new Set<string>();
  for (const rel of rels) {
    const prefix = `${rel}/`;
    for (const k of snap.keys()) {
      if (k === rel || k.startsWith(prefix)) {
        touched.add(k);
        snap.delete(k);
      }
    }
    const fresh: GitDirSnapshot = new Map();
    await readInto(gitDir, rel, fresh, limits);
    for (const [k, v] of fresh) {
      if (snap.size >= limits.maxEntries) break;
      snap.set(k, v);
      touched.add(k);
    }
  }
  return touched;
}

async function readInto(gitDir: string, rel: string, out: GitDirSnapshot, limits: SnapshotLimits): Promise<void> {
  const stack = [rel];
  while (stack.length > 0 && out.size < limits.maxEntries) {
    const current = stack.pop()!;
    const abs = current === '' ? gitDir : path.join(gitDir, ...current.split('/'));
    let st;
    try {
      st = await fs.lstat(abs);
    } catch {
      continue; // gone: its absence is the news
    }
    if (st.isDirectory()) {
      if (!mayHoldWatched(current)) continue;
      let entries: Dirent[];
      try {
        entries = await fs.readdir(abs, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) stack.push(current === '' ? e.name : `${current}/${e.name}`);
      continue;
    }
    if (gitPathRole(current) === 'inert') continue;
    // packed-refs is judged ref by ref, so it is always kept whole (up to a far larger cap).
    const state = await readState(abs, st, current === 'packed-refs' ? PACKED_REFS_MAX_BYTES : limits.maxFileBytes);
    if (state) out.set(current, state);
  }
}

async function readState(abs: string, st: Stats, maxBytes: number): Promise<FileState | undefined> {
  try {
    if (st.isSymbolicLink()) {
      const data = Buffer.from(await fs.readlink(abs), 'utf8');
      return { type: 'link', mode: st.mode & 0o7777, size: data.length, sha256: sha256(data), data };
    }
    if (!st.isFile()) return undefined;
    const data = await fs.readFile(abs);
    return { type: 'file', mode: st.mode & 0o7777, size: data.length, sha256: sha256(data), data: data.length <= maxBytes ? data : undefined };
  } catch {
    return undefined; // vanished between lstat and read: the next event reports it
  }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Same type, permission bits and bytes. */
/** Sets a path's state in a snapshot (undefined: the path is absent). */
export function setEntry(snap: GitDirSnapshot, rel: string, state: FileState | undefined): void {
  if (state) snap.set(rel, state);
  else snap.delete(rel);
}

export function sameState(a: FileState | undefined, b: FileState | undefined): boolean {
  if (!a || !b) return a === b;
  return a.type === b.type && a.mode === b.mode && a.sha256 === b.sha256;
}

/** Serialised form (for the findings file): bytes as base64. */
export interface StoredFileState {
  type: 'file' | 'link';
  mode: number;
  size: number;
  sha256: string;
  data?: string;
}

export function storeState(s: FileState): StoredFileState {
  return { type: s.type, mode: s.mode, size: s.size, sha256: s.sha256, data: s.data?.toString('base64') };
}

export function loadState(s: StoredFileState): FileState {
  const data = s.data === undefined ? undefined : Buffer.from(s.data, 'base64');
  // A stored copy whose bytes do not match its hash is not trusted as restorable.
  return { type: s.type, mode: s.mode, size: s.size, sha256: s.sha256, data: data && sha256(data) === s.sha256 ? data : undefined };
}
