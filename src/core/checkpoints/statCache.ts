/**
 * Remembers, per path, the stat data a file had when it was last hashed, so a full
 * reconciliation scan only re-hashes files whose stat changed (git's own index trick, kept
 * privately so the agent's index is never read or written).
 */
import * as fs from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { writeFileAtomic } from '../util/atomicFile';

export function statKey(st: Stats): string {
  return `${st.mtimeMs}:${st.ctimeMs}:${st.size}:${st.ino}:${st.mode}`;
}

export class StatCache {
  private map = new Map<string, { key: string; oid: string }>();
  private changed = false;

  constructor(private readonly file: string | undefined) {}

  async load(): Promise<void> {
    if (!this.file) return;
    try {
      const data = JSON.parse(await fs.readFile(this.file, 'utf8')) as unknown;
      if (Array.isArray(data)) {
        for (const row of data) {
          if (Array.isArray(row) && row.length === 3) this.map.set(String(row[0]), { key: String(row[1]), oid: String(row[2]) });
        }
      }
    } catch {
      // Missing or unreadable: start empty; the next scan re-hashes and rebuilds it.
    }
  }

  /** The oid recorded for this exact stat, if any. */
  lookup(relPath: string, st: Stats): string | undefined {
    const e = this.map.get(relPath);
    return e && e.key === statKey(st) ? e.oid : undefined;
  }

  put(relPath: string, st: Stats, oid: string): void {
    // A file changed within the last second may change again without its mtime moving
    // ("racily clean" in git's words): do not trust its stat, hash it again next time.
    if (Date.now() - st.mtimeMs < 1000) {
      this.delete(relPath);
      return;
    }
    this.map.set(relPath, { key: statKey(st), oid });
    this.changed = true;
  }

  delete(relPath: string): void {
    if (this.map.delete(relPath)) this.changed = true;
  }

  deleteUnder(dirPath: string): void {
    const prefix = dirPath + '/';
    for (const k of this.map.keys()) if (k.startsWith(prefix)) this.map.delete(k);
    this.changed = true;
  }

  async save(): Promise<void> {
    if (!this.file || !this.changed) return;
    this.changed = false;
    await writeFileAtomic(this.file, JSON.stringify([...this.map].map(([p, e]) => [p, e.key, e.oid])));
  }
}
