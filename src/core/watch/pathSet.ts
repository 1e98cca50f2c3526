/**
 * Helpers the watcher backends share: "is this path one of these folders or under one", and a
 * walk that lists a freshly created folder so that files written into it before the OS watch
 * was in place are still reported.
 */
import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** A set of absolute folders; `has(p)` is true for a folder itself and everything under it. */
export class SubtreeSet {
  private readonly roots: string[];
  constructor(roots: readonly string[] = []) {
    this.roots = roots.map((r) => path.resolve(r));
  }
  get size(): number {
    return this.roots.length;
  }
  has(p: string): boolean {
    for (const r of this.roots) {
      if (p === r || (p.startsWith(r) && p.charAt(r.length) === path.sep)) return true;
    }
    return false;
  }
}

export interface WalkEntry {
  path: string;
  isDir: boolean;
}

export interface WalkOptions {
  /** Descend into sub-folders (default true). */
  recursive?: boolean;
  isCancelled?: () => boolean;
  /** A folder that exists but cannot be read: changes inside it will go unseen. */
  onUnreadable(dir: string, err: unknown): void;
}

/**
 * Lists what is under `dir` (not `dir` itself), skipping ignored subtrees and never following
 * symlinks. Folders that vanish mid-walk are skipped silently.
 */
export async function walkTree(dir: string, ignored: SubtreeSet, opts: WalkOptions): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  const stack = [dir];
  const recursive = opts.recursive ?? true;
  while (stack.length > 0 && !opts.isCancelled?.()) {
    const current = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = await fs.readdir(current, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') opts.onUnreadable(current, err);
      continue;
    }
    for (const e of entries) {
      const full = path.join(current, e.name);
      if (ignored.has(full)) continue;
      const isDir = e.isDirectory();
      out.push({ path: full, isDir });
      if (isDir && recursive) stack.push(full);
    }
  }
  return out;
}

/** True when `p` is a directory right now (no symlink following); false if it vanished. */
export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.lstat(p)).isDirectory();
  } catch {
    return false;
  }
}
