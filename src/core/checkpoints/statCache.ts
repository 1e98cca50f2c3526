/**
 * Remembers, per path, the stat data a file had when it was last hashed, so a full
 * reconciliation scan only re-hashes files whose stat changed (git's own index trick, kept
 * privately so the agent's index is never read or written).
 *
 * Only full scans read it, so it is held in memory only while one runs (on a 100,000-file
 * worktree it is tens of megabytes); between scans, what checkpoints learn is appended to a
 * journal beside the file (a few lines per checkpoint) and folded in at the next load, so the
 * cache is saved incrementally and never rewritten whole for a watch batch.
 */
import * as fs from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { writeFileAtomic } from '../util/atomicFile';

export function statKey(st: Stats): string {
  return statKeyOf(st);
}

/** The key of stat data from anywhere (statCacheSeed.ts builds it from a git index). */
export function statKeyOf(st: Pick<Stats, 'mtimeMs' | 'ctimeMs' | 'size' | 'ino' | 'mode'>): string {
  return `${st.mtimeMs}:${st.ctimeMs}:${st.size}:${st.ino}:${st.mode}`;
}

type Entry = { key: string; oid: string };
/** A journal line: put, delete, delete everything under a folder. */
type Op = ['p', string, string, string] | ['d', string] | ['D', string];

/** Journal lines beyond which a load rewrites the file whole. */
const COMPACT_AFTER = 20_000;

export class StatCache {
  private map: Map<string, Entry> | undefined;
  /** Changes not written anywhere yet. */
  private ops: Op[] = [];
  /** The in-memory map differs from the file (a full save is due). */
  private changed = false;

  constructor(private readonly file: string | undefined) {}

  private get journal(): string {
    return `${this.file}.journal`;
  }

  /** True while the cache is in memory (during and right after a full scan). */
  get loaded(): boolean {
    return this.map !== undefined;
  }

  /** Reads the file and its journal (a no-op when already loaded). */
  async load(): Promise<void> {
    if (this.map) return;
    const map = new Map<string, Entry>();
    let journalLines = 0;
    if (this.file) {
      try {
        const data = JSON.parse(await fs.readFile(this.file, 'utf8')) as unknown;
        if (Array.isArray(data)) {
          for (const row of data) {
            if (Array.isArray(row) && row.length === 3) map.set(String(row[0]), { key: String(row[1]), oid: String(row[2]) });
          }
        }
      } catch {
        // Missing or unreadable: start empty; the next scan re-hashes and rebuilds it.
      }
      let text = '';
      try {
        text = await fs.readFile(this.journal, 'utf8');
      } catch {
        // no journal yet
      }
      for (const line of text.split('\n')) {
        if (!line) continue;
        journalLines++;
        try {
          apply(map, JSON.parse(line) as Op);
        } catch {
          // A torn last line (a kill mid-append): the entry is simply not cached.
        }
      }
    }
    for (const op of this.ops) apply(map, op);
    this.ops = [];
    this.map = map;
    if (journalLines > COMPACT_AFTER) this.changed = true;
  }

  /** Forgets the in-memory copy (after saving it): the next full scan loads it again. */
  async release(): Promise<void> {
    await this.save();
    this.map = undefined;
  }

  /** The oid recorded for this exact stat, if any (only while loaded). */
  lookup(relPath: string, st: Stats): string | undefined {
    const e = this.map?.get(relPath);
    return e && e.key === statKey(st) ? e.oid : undefined;
  }

  put(relPath: string, st: Stats, oid: string): void {
    // A file changed within the last second may change again without its mtime moving
    // ("racily clean" in git's words): do not trust its stat, hash it again next time.
    if (Date.now() - st.mtimeMs < 1000) {
      this.delete(relPath);
      return;
    }
    this.record(['p', relPath, statKey(st), oid]);
  }

  delete(relPath: string): void {
    if (this.map && !this.map.has(relPath)) return;
    this.record(['d', relPath]);
  }

  deleteUnder(dirPath: string): void {
    this.record(['D', dirPath]);
  }

  private record(op: Op): void {
    if (this.map) {
      apply(this.map, op);
      this.changed = true;
    } else {
      this.ops.push(op);
    }
  }

  /** Writes what changed: the whole file when loaded and changed, else the journal lines. */
  async save(): Promise<void> {
    if (!this.file) {
      this.ops = [];
      return;
    }
    if (this.map && this.changed) {
      this.changed = false;
      await writeFileAtomic(this.file, JSON.stringify([...this.map].map(([p, e]) => [p, e.key, e.oid])));
      await fs.rm(this.journal, { force: true });
    } else if (this.ops.length > 0) {
      const lines = this.ops.map((op) => JSON.stringify(op)).join('\n') + '\n';
      this.ops = [];
      await fs.appendFile(this.journal, lines);
    }
  }
}

function apply(map: Map<string, Entry>, op: Op): void {
  if (op[0] === 'p') map.set(op[1], { key: op[2], oid: op[3] });
  else if (op[0] === 'd') map.delete(op[1]);
  else {
    const prefix = op[1] + '/';
    for (const k of map.keys()) if (k.startsWith(prefix)) map.delete(k);
  }
}
