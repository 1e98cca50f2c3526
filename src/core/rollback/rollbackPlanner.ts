/**
 * What a rollback will write: for a whole checkpoint, for chosen files or folders, or "smart"
 * (each violating file back to its last clean checkpoint). Reads trees and the event log only;
 * nested repositories are left in place with the reason. RollbackService writes what this plans.
 */
import { GITLINK_MODE, SnapshotTree, TREE_MODE } from '../checkpoints/snapshotTree';
import { diffTrees } from '../checkpoints/treeDiff';
import type { CheckpointService } from '../checkpoints/checkpointService';
import type { EventLog } from '../events/eventLog';
import { AopError } from '../util/errors';

export interface RollbackItem {
  path: string;
  /** What the path will hold afterwards; undefined means it is removed. */
  to?: { mode: string; oid: string };
  /** The checkpoint the content comes from (0 = base). */
  fromSeq: number;
  action: 'restore' | 'delete' | 'create';
}

export interface Skipped {
  path: string;
  reason: string;
}

/** What a rollback will write, and what it leaves alone (and why). */
export interface RollbackPlan {
  items: RollbackItem[];
  skipped: Skipped[];
}

export class RollbackPlanner {
  constructor(private readonly o: { worktree: string; checkpoints: CheckpointService; log: EventLog }) {}

  private get svc(): CheckpointService {
    return this.o.checkpoints;
  }

  async planCheckpoint(seq: number, currentCommit: string): Promise<RollbackPlan> {
    const target = await this.svc.commitOf(seq);
    const changes = await diffTrees(this.o.worktree, currentCommit, target);
    const skipped: Skipped[] = [];
    const items: RollbackItem[] = [];
    for (const c of changes) {
      if (c.mode === GITLINK_MODE || c.oldMode === GITLINK_MODE) {
        skipped.push({ path: c.path, reason: nestedReason(c.status === 'D' || c.oldMode === GITLINK_MODE) });
        continue;
      }
      items.push({
        path: c.path,
        fromSeq: seq,
        ...(c.status === 'D' ? {} : { to: { mode: c.mode, oid: c.oid! } }),
        action: c.status === 'D' ? 'delete' : c.status === 'A' ? 'create' : 'restore',
      });
    }
    return { items: dropShadowedDeletes(items), skipped };
  }

  /**
   * Each group's paths (files or folders) go back to how checkpoint `seq` has them. One view of
   * the current tree serves every group, and one of each target: folders are read once, so the
   * cost follows the number of files, however many paths are asked for.
   */
  async planFiles(groups: { seq: number; paths: string[] }[], currentTree: string): Promise<RollbackPlan> {
    const current = new SnapshotTree(this.svc.store, currentTree);
    const items = new Map<string, RollbackItem>();
    const skipped = new Map<string, Skipped>();
    for (const { seq, paths } of groups) {
      const targetTree = (await this.svc.store.read(`${await this.svc.commitOf(seq)}^{tree}`))!.oid;
      const target = new SnapshotTree(this.svc.store, targetTree);
      for (const p of paths) {
        const want = await target.listFiles(p);
        const have = new Map((await current.listFiles(p)).map((f) => [f.path, f]));
        const wanted = new Set<string>();
        for (const f of want) {
          wanted.add(f.path);
          const h = have.get(f.path);
          if (h && h.oid === f.oid && h.mode === f.mode) continue;
          if (f.mode === GITLINK_MODE || h?.mode === GITLINK_MODE) skipped.set(f.path, { path: f.path, reason: nestedReason(h?.mode === GITLINK_MODE) });
          else items.set(f.path, { path: f.path, fromSeq: seq, to: { mode: f.mode, oid: f.oid }, action: h ? 'restore' : 'create' });
        }
        for (const h of have.values()) {
          if (wanted.has(h.path)) continue;
          if (h.mode === GITLINK_MODE) skipped.set(h.path, { path: h.path, reason: nestedReason(true) });
          else items.set(h.path, { path: h.path, fromSeq: seq, action: 'delete' });
        }
      }
    }
    return { items: dropShadowedDeletes([...items.values()].filter((i) => i.to?.mode !== TREE_MODE)), skipped: [...skipped.values()] };
  }

  /** Each violating file goes back to the last checkpoint in which it broke no rule (or the base). */
  async planSmart(): Promise<RollbackPlan> {
    const violating = new Set<string>();
    for (const v of this.svc.violations) if (v.path !== '') violating.add(v.path);
    const skipped: Skipped[] = [];
    if (violating.size === 0) return { items: [], skipped };
    const { events } = await this.o.log.read();
    // Newest first; each record's violating paths as a set, so finding a path's last clean checkpoint is a lookup per record.
    const records = events
      .flatMap((e) => (e.t === 'checkpoint' && e.seq < this.svc.head.seq ? [{ seq: e.seq, violations: e.violations }] : []))
      .sort((a, b) => b.seq - a.seq)
      .map((e) => ({ seq: e.seq, dirty: new Set(e.violations.map((v) => v.path)) }));
    const live = new Map<number, boolean>();
    const isLive = async (seq: number): Promise<boolean> => {
      const known = live.get(seq);
      if (known !== undefined) return known;
      let found = true;
      try {
        await this.svc.commitOf(seq);
      } catch (e) {
        if (!AopError.is(e, 'NOT_FOUND')) throw e;
        found = false; // retention dropped this clean checkpoint: look further back
      }
      live.set(seq, found);
      return found;
    };
    const bySeq = new Map<number, string[]>();
    for (const p of violating) {
      const why = this.svc.whyNotSnapshotted(p);
      if (why !== undefined) {
        skipped.push({ path: p, reason: `not rolled back: ${why}` });
        continue;
      }
      let seq = 0;
      for (const r of records) {
        if (!r.dirty.has(p) && (await isLive(r.seq))) {
          seq = r.seq;
          break;
        }
      }
      bySeq.set(seq, [...(bySeq.get(seq) ?? []), p]);
    }
    const planned = await this.planFiles([...bySeq].map(([seq, paths]) => ({ seq, paths })), this.svc.head.tree);
    return { items: planned.items, skipped: [...skipped, ...planned.skipped] };
  }
}

function nestedReason(present: boolean): string {
  return present
    ? 'not rolled back: a nested git repository; no checkpoint holds its history or its files, so it is left as it is (move or delete it yourself if it should go)'
    : 'not rolled back: a nested git repository; checkpoints hold only its commit id, not its files (clone or restore it yourself)';
}

/**
 * A file or link that becomes a folder shows as "delete X" plus "create X/...": the writer
 * replaces X when it makes the folder, so the delete must not be applied or verified on its own.
 */
function dropShadowedDeletes(items: RollbackItem[]): RollbackItem[] {
  const folders = new Set<string>();
  for (const i of items) {
    if (!i.to) continue;
    for (let at = i.path.indexOf('/'); at > 0; at = i.path.indexOf('/', at + 1)) folders.add(i.path.slice(0, at));
  }
  return items.filter((i) => i.to || !folders.has(i.path));
}
