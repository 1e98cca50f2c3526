/**
 * The watcher's snapshot kept between runs (native backend only), so that a start reports what
 * changed while nobody watched instead of needing a full scan. A snapshot counts only once
 * confirmed against a tag (the head checkpoint), and only once. Apart from the Watchdog, whose
 * job is the live events: this is the catch-up for the time it did not run.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicFile';
import { errorMessage } from '../util/errors';
import type { FileWatcher, RawEvent } from './types';

/** How a start caught up with what happened while nobody watched. */
export interface WatchStart {
  /** The changes since the last confirmed snapshot are pending as a batch: no full scan is needed. */
  resumed: boolean;
  /** Paths reported by that catch-up. */
  paths: number;
  /** Why it could not catch up (then the owner must scan everything). */
  why?: string;
}

/** Where the snapshot is kept, and the tag of the state it must be confirmed against. */
export interface SnapshotPlace {
  file: string;
  tag(): string;
}

interface SnapshotMeta {
  version: 1;
  root: string;
  tag: string;
}

export class WatchSnapshot {
  constructor(private readonly snap: SnapshotPlace | undefined) {}

  /** Reports what changed since the confirmed snapshot to `onEvents`, and consumes it (it is valid once). */
  async resume(watcher: FileWatcher, root: string, onEvents: (events: RawEvent[]) => void): Promise<WatchStart> {
    const snap = this.snap;
    if (!snap) return { resumed: false, paths: 0, why: 'no snapshot is kept' };
    let meta: SnapshotMeta | undefined;
    try {
      meta = JSON.parse(await fs.readFile(`${snap.file}.json`, 'utf8')) as SnapshotMeta;
    } catch {
      meta = undefined;
    }
    try {
      if (!meta) return { resumed: false, paths: 0, why: 'no snapshot from a clean stop' };
      if (!watcher.eventsSince) return { resumed: false, paths: 0, why: `the ${watcher.backend} watcher cannot catch up from a snapshot` };
      if (meta.version !== 1 || meta.root !== root || meta.tag !== snap.tag()) return { resumed: false, paths: 0, why: 'the snapshot was taken at another checkpoint' };
      let events: RawEvent[];
      try {
        events = await watcher.eventsSince(snap.file);
      } catch (err) {
        return { resumed: false, paths: 0, why: `the snapshot could not be read (${errorMessage(err)})` };
      }
      onEvents(events);
      return { resumed: true, paths: events.length };
    } finally {
      await this.drop();
    }
  }

  /** Records the tree's state now (unconfirmed); false when none is kept or the backend cannot. */
  async write(watcher: FileWatcher | undefined): Promise<boolean> {
    const snap = this.snap;
    if (!snap || !watcher?.writeSnapshot) return false;
    await this.drop();
    await fs.mkdir(path.dirname(snap.file), { recursive: true });
    await watcher.writeSnapshot(snap.file);
    return true;
  }

  /** Confirms the snapshot written last against the current tag. */
  async confirm(root: string): Promise<void> {
    const snap = this.snap;
    if (!snap) return;
    const meta: SnapshotMeta = { version: 1, root, tag: snap.tag() };
    await writeFileAtomic(`${snap.file}.json`, JSON.stringify(meta));
  }

  /** Forgets any snapshot. */
  async drop(): Promise<void> {
    const snap = this.snap;
    if (!snap) return;
    await fs.rm(`${snap.file}.json`, { force: true });
    await fs.rm(snap.file, { force: true });
  }
}
