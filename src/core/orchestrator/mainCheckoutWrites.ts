/**
 * Files written or deleted in the user's own checkout while agents ran. Each one stands against
 * the features whose agents were running until it is answered, because rolling a feature back
 * rewrites its worktree and never the main checkout:
 * - a file written there stands until it is gone (deleted by the user, or moved out with
 *   `moveOut`, which puts it in the quarantine: never a silent delete) or acknowledged;
 * - a file deleted there stands until it exists again (e.g. `git checkout -- file`) or is
 *   acknowledged.
 * The list is kept in a file so that a restart does not forget it.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicFile';
import { SerialQueue } from '../util/async';
import { Emitter } from '../util/emitter';
import { AopError, errorMessage } from '../util/errors';
import { assertRelPath } from '../util/ids';
import { moveAside } from '../util/quarantine';

export interface MainCheckoutEntry {
  /** Relative to the main checkout, with '/'. */
  path: string;
  change: 'written' | 'deleted';
  /** Features whose agents were running when it was seen. */
  features: string[];
  seenAt: string;
}

export interface MainCheckoutWritesOptions {
  repoRoot: string;
  file: string;
  quarantineDir: string;
}

/** Entries kept at most (an agent writing a million files must not make the list unbounded). */
const MAX_ENTRIES = 500;

export class MainCheckoutWrites {
  private readonly byPath = new Map<string, MainCheckoutEntry>();
  private readonly saves = new SerialQueue();
  private readonly changed = new Emitter<readonly MainCheckoutEntry[]>();
  /** The list changed (entries added, answered). */
  readonly onDidChange = this.changed.event;

  private constructor(private readonly o: MainCheckoutWritesOptions) {}

  static async open(o: MainCheckoutWritesOptions): Promise<MainCheckoutWrites> {
    const w = new MainCheckoutWrites(o);
    try {
      const stored = JSON.parse(await fs.readFile(o.file, 'utf8')) as { entries?: MainCheckoutEntry[] };
      for (const e of stored.entries ?? []) if (typeof e.path === 'string' && (e.change === 'written' || e.change === 'deleted')) w.byPath.set(e.path, e);
    } catch {
      // none yet, or unreadable: start empty
    }
    await w.recheck();
    return w;
  }

  get entries(): MainCheckoutEntry[] {
    return [...this.byPath.values()];
  }

  forFeature(id: string): MainCheckoutEntry[] {
    return this.entries.filter((e) => e.features.includes(id));
  }

  /** Records what the main-checkout watch saw; returns the entries that are new. */
  async record(paths: readonly { path: string; deleted: boolean }[], features: readonly string[]): Promise<MainCheckoutEntry[]> {
    const fresh: MainCheckoutEntry[] = [];
    let changed = false;
    for (const p of paths) {
      const change = p.deleted || !(await this.exists(p.path)) ? 'deleted' : 'written';
      const had = this.byPath.get(p.path);
      if (had && had.change === change) {
        const merged = [...new Set([...had.features, ...features])];
        if (merged.length !== had.features.length) {
          this.byPath.set(p.path, { ...had, features: merged });
          changed = true;
        }
        continue;
      }
      // Written, then deleted again: the file is gone, which answers it.
      if (had?.change === 'written') {
        this.byPath.delete(p.path);
        changed = true;
        continue;
      }
      if (!had && this.byPath.size >= MAX_ENTRIES) break;
      const e: MainCheckoutEntry = { path: p.path, change, features: [...new Set([...(had?.features ?? []), ...features])], seenAt: new Date().toISOString() };
      this.byPath.set(p.path, e);
      fresh.push(e);
      changed = true;
    }
    if (changed) await this.saveAndNotify();
    return fresh;
  }

  /** Drops entries that are answered on disk (a written file gone, a deleted one back). */
  async recheck(): Promise<void> {
    let dropped = false;
    for (const e of this.entries) {
      const there = await this.exists(e.path);
      if ((e.change === 'written' && !there) || (e.change === 'deleted' && there)) {
        this.byPath.delete(e.path);
        dropped = true;
      }
    }
    if (dropped) await this.saveAndNotify();
  }

  /** Moves a file an agent left in the checkout into the quarantine; returns where it went. */
  async moveOut(rel: string): Promise<string> {
    const e = this.byPath.get(rel);
    if (!e) throw new AopError('NOT_FOUND', `${rel} is not listed as written in the main checkout while agents ran.`);
    if (e.change !== 'written') throw new AopError('INVALID_INPUT', `${rel} was deleted, not written; restore it from git (git checkout -- ${rel}) or acknowledge it.`);
    const abs = this.abs(rel);
    let dest: string;
    try {
      dest = await moveAside(abs, this.o.quarantineDir, rel, 'main-checkout');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || !(await this.exists(rel))) {
        await this.recheck();
        throw new AopError('NOT_FOUND', `${rel} is no longer in the main checkout.`, { cause: err });
      }
      throw new AopError('CONFLICT', `Could not move ${rel} out of the main checkout: ${errorMessage(err)}`, { cause: err });
    }
    this.byPath.delete(rel);
    await this.saveAndNotify();
    return dest;
  }

  /** The user says this change was theirs (or is fine). */
  async acknowledge(rel: string): Promise<void> {
    if (!this.byPath.delete(rel)) throw new AopError('NOT_FOUND', `${rel} is not listed as changed in the main checkout.`);
    await this.saveAndNotify();
  }

  dispose(): Promise<void> {
    this.changed.dispose();
    return this.saves.run(async () => undefined);
  }

  private abs(rel: string): string {
    return path.join(this.o.repoRoot, ...assertRelPath(rel).split('/'));
  }

  private async exists(rel: string): Promise<boolean> {
    try {
      await fs.lstat(this.abs(rel));
      return true;
    } catch {
      return false;
    }
  }

  private saveAndNotify(): Promise<void> {
    this.changed.fire(this.entries);
    return this.saves.run(async () => {
      if (this.byPath.size === 0) await fs.rm(this.o.file, { force: true });
      else await writeFileAtomic(this.o.file, JSON.stringify({ version: 1, entries: this.entries }));
    });
  }
}
