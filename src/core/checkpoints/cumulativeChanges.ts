/**
 * Everything a feature's head differs from its base in, by key (a path; `ignored:<path>` for an
 * ignored file on disk), kept up to date from each checkpoint's own changes instead of diffing
 * the base again; built from git's diff when first needed (or after a failed checkpoint).
 */
import type { ObjectStore } from '../git/objectStore';
import type { TreeDiffer } from '../git/treeDiffer';
import type { FileChange } from '../model/types';
import { mapLimit } from '../util/async';
import { SnapshotTree, TREE_MODE, byPath, fileChange, parentOf } from './snapshotTree';
import type { IgnoredFile } from './snapshotter';
import { parseDiffTreeZ } from './treeDiff';

export interface CumulativeChangesOptions {
  store: ObjectStore;
  differ: TreeDiffer;
  baseTree: string;
}

export class CumulativeChanges {
  private map: Map<string, FileChange> | undefined;
  private readonly sizes = new Map<string, number>();
  /** Ignored files on disk: checked like changes, never snapshotted. */
  private readonly ignored = new Map<string, IgnoredFile>();
  /** The base tree, for looking up what a changed path held there. */
  private readonly baseView: SnapshotTree;

  constructor(private readonly o: CumulativeChangesOptions) {
    this.baseView = new SnapshotTree(o.store, o.baseTree);
  }

  /** The head's changes, tracked first (by path), then ignored files. */
  async list(headTree: string): Promise<FileChange[]> {
    const all = [...(await this.ensure(headTree)).values()].map((c) => ({ ...c }));
    return all.sort((a, b) => Number(a.ignored === true) - Number(b.ignored === true) || (a.ignored ? 0 : byPath(a.path, b.path)));
  }

  /** Another tree's changes (not kept), with the ignored files on disk. */
  async at(tree: string): Promise<FileChange[]> {
    const changes = await this.diffFromBase(tree);
    for (const f of this.ignored.values()) changes.push(ignoredChange(f));
    return changes;
  }

  /** True when `rel` is an ignored file on disk (never snapshotted). */
  isIgnored(rel: string): boolean {
    return this.ignored.has(rel);
  }

  /** Ignored files that appeared (or changed) and went; returns their keys, to judge again. */
  noteIgnored(present: readonly IgnoredFile[], gone: readonly string[]): string[] {
    const dirty: string[] = [];
    for (const f of present) {
      this.ignored.set(f.path, f);
      this.map?.set(ignoredKey(f.path), ignoredChange(f));
      dirty.push(ignoredKey(f.path));
    }
    for (const g of gone) {
      this.ignored.delete(g);
      this.map?.delete(ignoredKey(g));
      dirty.push(ignoredKey(g));
    }
    return dirty;
  }

  /** Forgets the map (it is rebuilt from git's diff when next needed). */
  drop(): void {
    this.map = undefined;
  }

  /** Tracked changes from the base to `tree`, with sizes, from git's tree diff. */
  async diffFromBase(tree: string): Promise<FileChange[]> {
    const changes = parseDiffTreeZ(await this.o.differ.diff(this.o.baseTree, tree, false));
    // Many requests in flight on the one cat-file process (its replies come in order): after a
    // restart, when no size is remembered, a feature that touched 2,000 files no longer waits
    // for 2,000 round trips one after the other.
    await mapLimit(changes, 64, async (c) => {
      if (c.oid && c.mode !== '160000' && c.size === undefined) c.size = await this.sizeOf(c.oid);
    });
    return changes;
  }

  /** The cumulative map as of `tree` (the head), built from git's diff when not kept yet. */
  async ensure(tree: string): Promise<Map<string, FileChange>> {
    if (this.map) return this.map;
    const map = new Map<string, FileChange>();
    for (const c of await this.diffFromBase(tree)) map.set(c.path, c);
    for (const f of this.ignored.values()) map.set(ignoredKey(f.path), ignoredChange(f));
    this.map = map;
    return map;
  }

  /**
   * Moves the cumulative map from the old head's tree to the new one along this checkpoint's own
   * changes: each changed path is compared with what the base held there. Returns the keys that
   * changed, or undefined when the map was (re)built whole.
   */
  async advance(newTree: string, own: readonly FileChange[]): Promise<string[] | undefined> {
    if (!this.map) {
      await this.ensure(newTree);
      return undefined;
    }
    const map = this.map;
    await this.baseView.prefetch(new Set(own.map((c) => parentOf(c.path))));
    for (const c of own) {
      const b = await this.baseView.get(c.path);
      const base = b && b.mode !== TREE_MODE ? b : undefined;
      const now = c.status === 'D' ? undefined : { mode: c.mode, oid: c.oid! };
      if (!base && !now) map.delete(c.path);
      else if (base && now && base.mode === now.mode && base.oid === now.oid) map.delete(c.path);
      else map.set(c.path, await this.changeFromBase(c.path, base, now));
    }
    return own.map((c) => c.path);
  }

  private async changeFromBase(p: string, base: { mode: string; oid: string } | undefined, now: { mode: string; oid: string } | undefined): Promise<FileChange> {
    const c = fileChange(p, base, now);
    if (now && now.mode !== '160000') c.size = await this.sizeOf(now.oid);
    return c;
  }

  /** The blob sizes of the changes against the base, once the map is built (kept across a clean stop). */
  knownSizes(): [string, number][] | undefined {
    if (!this.map) return undefined;
    const sizes: [string, number][] = [];
    for (const c of this.map.values()) if (c.oid && c.size !== undefined) sizes.push([c.oid, c.size]);
    return sizes;
  }

  /** Blob sizes never change for an id: remember them (bounded) instead of asking git each checkpoint. */
  async sizeOf(oid: string): Promise<number | undefined> {
    const known = this.sizes.get(oid);
    if (known !== undefined) return known;
    const size = (await this.o.store.info(oid))?.size;
    if (size !== undefined) this.rememberSize(oid, size);
    return size;
  }

  /** A blob's size when already known (no git call). */
  knownSize(oid: string): number | undefined {
    return this.sizes.get(oid);
  }

  rememberSize(oid: string, size: number): void {
    if (this.sizes.size >= 200_000) this.sizes.clear();
    this.sizes.set(oid, size);
  }
}

export const ignoredKey = (p: string): string => `ignored:${p}`;

function ignoredChange(f: IgnoredFile): FileChange {
  return { path: f.path, status: 'A', mode: f.mode, size: f.size, ignored: true };
}
