/**
 * Rollback that never loses work. Every rollback runs in the feature's checkpoint lane, first
 * takes a `pre-rollback` checkpoint of the whole worktree (so it can be undone), writes only the
 * paths that differ from the target, verifies each one by hashing it again, and records the
 * result as a new checkpoint. A mismatch is reported as a failed rollback, never as success.
 * A journal lets an interrupted rollback be completed after a crash.
 */
import * as fs from 'node:fs/promises';
import type { CheckpointService } from '../checkpoints/checkpointService';
import { SnapshotTree, TREE_MODE } from '../checkpoints/snapshotTree';
import { diffTrees } from '../checkpoints/treeDiff';
import type { EventLog } from '../events/eventLog';
import type { Violation } from '../model/types';
import { writeFileAtomic } from '../util/atomicFile';
import { AopError } from '../util/errors';
import { mapLimit } from '../util/async';
import { assertRelPath } from '../util/ids';
import { SMART_ROLLBACK_TARGET, type RollbackKind } from '../../shared/vocabulary';
import { entryOnDisk, removeRestoreTemps, worktreeWriter } from './worktreeWriter';

/** Paths written or verified at once: enough to hide file-system latency, few enough to stay gentle. */
const ROLLBACK_CONCURRENCY = 16;

export type { RollbackKind } from '../../shared/vocabulary';

export interface RollbackItem {
  path: string;
  /** What the path will hold afterwards; undefined means it is removed. */
  to?: { mode: string; oid: string };
  /** The checkpoint the content comes from (0 = base). */
  fromSeq: number;
  action: 'restore' | 'delete' | 'create';
}

export interface RollbackResult {
  ok: boolean;
  kind: RollbackKind;
  targetSeq: number;
  preRollbackSeq: number;
  paths: string[];
  mismatches: string[];
  /** The checkpoint that records the state after the rollback (absent when nothing changed). */
  resultSeq?: number;
  /** Paths that could not be rolled back and why (e.g. ignored files, nested repositories). */
  skipped: { path: string; reason: string }[];
}

export interface RollbackOptions {
  worktree: string;
  checkpoints: CheckpointService;
  log: EventLog;
  /** Where an in-flight rollback is journaled (for completion after a crash). */
  journalFile?: string;
  /**
   * True while a live, flushed watchdog keeps the head checkpoint current. Then the safety
   * checkpoint re-reads only the paths the rollback will touch (whatever the watcher saw or
   * missed, every file about to be overwritten is captured as it is on disk) instead of
   * scanning the whole worktree, which costs O(files) on a large repository.
   */
  watched?: () => boolean;
}

interface Journal {
  kind: RollbackKind;
  targetSeq: number;
  preRollbackSeq: number;
  items: RollbackItem[];
}

export class RollbackService {
  constructor(private readonly o: RollbackOptions) {}

  private get svc(): CheckpointService {
    return this.o.checkpoints;
  }

  /** What a whole-worktree rollback to `seq` would change (for the confirmation). */
  previewCheckpoint(seq: number): Promise<RollbackItem[]> {
    return this.svc.exclusive(async () => {
      await this.refreshHead();
      return this.planCheckpoint(seq, this.svc.head.commit);
    });
  }

  previewFiles(seq: number, paths: string[]): Promise<RollbackItem[]> {
    return this.svc.exclusive(async () => {
      await this.refreshHead();
      return this.planFiles(seq, paths.map((p) => assertRelPath(p)), this.svc.head.tree);
    });
  }

  previewSmart(): Promise<{ items: RollbackItem[]; skipped: RollbackResult['skipped'] }> {
    return this.svc.exclusive(async () => {
      await this.refreshHead();
      return this.planSmart();
    });
  }

  /** Brings the head up to date before a preview: a full scan, unless a live watcher keeps it current. */
  private async refreshHead(): Promise<void> {
    if (this.o.watched?.() !== true) await this.svc.takeNow({ full: true, trigger: 'reconcile' });
  }

  toCheckpoint(seq: number): Promise<RollbackResult> {
    return this.run('checkpoint', seq, async (pre) => ({ items: await this.planCheckpoint(seq, pre), skipped: [] }));
  }

  async files(seq: number, paths: string[]): Promise<RollbackResult> {
    const clean = paths.map((p) => assertRelPath(p));
    if (clean.length === 0) throw new AopError('INVALID_INPUT', 'Choose at least one file to roll back.');
    return this.run('files', seq, async () => ({ items: await this.planFiles(seq, clean, this.svc.head.tree), skipped: [] }));
  }

  smart(): Promise<RollbackResult> {
    return this.run('smart', SMART_ROLLBACK_TARGET, () => this.planSmart());
  }

  /** Undoes the most recent rollback by rolling back to its pre-rollback checkpoint. */
  async undo(): Promise<RollbackResult> {
    const last = await this.lastRollback();
    if (!last) throw new AopError('NOT_FOUND', 'There is no rollback to undo for this feature.');
    const seq = last.preRollbackSeq;
    return this.run('undo', seq, async (pre) => ({ items: await this.planCheckpoint(seq, pre), skipped: [] }));
  }

  async lastRollback(): Promise<{ preRollbackSeq: number; kind: string } | undefined> {
    const { events } = await this.o.log.read();
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i]!;
      if (e.t === 'rollback' && e.ok) return { preRollbackSeq: e.preRollbackSeq, kind: e.kind };
    }
    return undefined;
  }

  /** Completes a rollback that a crash interrupted (the journal names every path and its target). */
  async recover(): Promise<RollbackResult | undefined> {
    if (!this.o.journalFile) return undefined;
    let journal: Journal;
    try {
      journal = JSON.parse(await fs.readFile(this.o.journalFile, 'utf8')) as Journal;
    } catch {
      return undefined;
    }
    return this.svc.exclusive(async () => {
      await removeRestoreTemps(this.o.worktree, journal.items.map((i) => i.path));
      return this.apply(journal, []);
    });
  }

  private run(
    kind: RollbackKind,
    targetSeq: number,
    plan: (preCommit: string) => Promise<{ items: RollbackItem[]; skipped: RollbackResult['skipped'] }>,
  ): Promise<RollbackResult> {
    return this.svc.exclusive(async () => {
      if (targetSeq >= 0) await this.svc.commitOf(targetSeq); // refuses an unknown checkpoint before anything is written
      const watched = this.o.watched?.() === true;
      const touched = watched ? (await plan(this.svc.head.commit)).items.map((i) => i.path) : [];
      const pre = await this.svc.takeNow({ full: !watched, paths: touched, force: true, trigger: 'pre-rollback' });
      const preSeq = pre?.seq ?? this.svc.head.seq;
      const { items, skipped } = await plan(this.svc.head.commit);
      return this.apply({ kind, targetSeq, preRollbackSeq: preSeq, items }, skipped);
    });
  }

  private async apply(j: Journal, skipped: RollbackResult['skipped']): Promise<RollbackResult> {
    if (this.o.journalFile) await writeFileAtomic(this.o.journalFile, JSON.stringify(j));
    const failed = new Set<string>();
    const writer = worktreeWriter(this.o.worktree);
    const restore = async (item: RollbackItem): Promise<void> => {
      try {
        if (!item.to) await writer.remove(item.path);
        else {
          const obj = await this.svc.store.read(item.to.oid);
          if (!obj) throw new AopError('NOT_FOUND', `object ${item.to.oid} for ${item.path} is missing`);
          await writer.write(item.path, { mode: item.to.mode, data: obj.data });
        }
      } catch {
        failed.add(item.path); // verification below names it; keep going so the rest is restored
      }
    };
    // Deletions first (they may prune folders), then writes (which make the folders they need);
    // each phase runs several paths at once.
    await mapLimit(j.items.filter((i) => !i.to), ROLLBACK_CONCURRENCY, restore);
    await mapLimit(j.items.filter((i) => i.to), ROLLBACK_CONCURRENCY, restore);
    // Verify: hash every touched path again and compare with the target.
    const verdicts = await mapLimit(j.items, ROLLBACK_CONCURRENCY, async (item) => {
      if (failed.has(item.path)) return false;
      const now = await entryOnDisk(this.o.worktree, item.path, this.svc.store.algo);
      const want = item.to;
      return want ? now?.mode === want.mode && now.oid === want.oid : now === undefined;
    });
    const mismatches = j.items.filter((_, i) => !verdicts[i]).map((i) => i.path);
    const paths = j.items.map((i) => i.path);
    const after = await this.svc.afterWorktreeRewrite(paths, 'rollback');
    if (this.o.journalFile) await fs.rm(this.o.journalFile, { force: true });
    const result: RollbackResult = {
      ok: mismatches.length === 0,
      kind: j.kind,
      targetSeq: j.targetSeq,
      preRollbackSeq: j.preRollbackSeq,
      paths,
      mismatches,
      skipped,
    };
    if (after) result.resultSeq = after.seq;
    await this.o.log.append({
      t: 'rollback',
      kind: j.kind,
      targetSeq: j.targetSeq,
      preRollbackSeq: j.preRollbackSeq,
      paths,
      ok: result.ok,
      ...(mismatches.length ? { mismatches } : {}),
      ...(result.resultSeq !== undefined ? { resultSeq: result.resultSeq } : {}),
    });
    await this.o.log.sync();
    if (!result.ok) {
      throw new AopError(
        'ROLLBACK_FAILED',
        `Rollback did not restore ${mismatches.length} path(s): ${mismatches.slice(0, 5).join(', ')}. Your work before the rollback is in checkpoint ${j.preRollbackSeq}: roll back to it to restore.`,
        { details: { result } },
      );
    }
    return result;
  }

  private async planCheckpoint(seq: number, currentCommit: string): Promise<RollbackItem[]> {
    const target = await this.svc.commitOf(seq);
    const changes = await diffTrees(this.o.worktree, currentCommit, target);
    return dropShadowedDeletes(
      changes
        .filter((c) => c.mode !== '160000' && c.oldMode !== '160000')
        .map((c): RollbackItem => ({
          path: c.path,
          fromSeq: seq,
          ...(c.status === 'D' ? {} : { to: { mode: c.mode, oid: c.oid! } }),
          action: c.status === 'D' ? 'delete' : c.status === 'A' ? 'create' : 'restore',
        })),
    );
  }

  private async planFiles(seq: number, paths: string[], currentTree: string): Promise<RollbackItem[]> {
    const targetTree = (await this.svc.store.read(`${await this.svc.commitOf(seq)}^{tree}`))!.oid;
    const target = new SnapshotTree(this.svc.store, targetTree);
    const current = new SnapshotTree(this.svc.store, currentTree);
    const items = new Map<string, RollbackItem>();
    for (const p of paths) {
      const want = await target.listFiles(p);
      const have = await current.listFiles(p);
      const wantBy = new Map(want.map((f) => [f.path, f]));
      for (const f of want) {
        const h = have.find((x) => x.path === f.path);
        if (!h || h.oid !== f.oid || h.mode !== f.mode) {
          items.set(f.path, { path: f.path, fromSeq: seq, to: { mode: f.mode, oid: f.oid }, action: h ? 'restore' : 'create' });
        }
      }
      for (const h of have) if (!wantBy.has(h.path)) items.set(h.path, { path: h.path, fromSeq: seq, action: 'delete' });
    }
    return [...items.values()].filter((i) => i.to?.mode !== '160000' && i.to?.mode !== TREE_MODE);
  }

  /** Each violating file goes back to the last checkpoint in which it broke no rule (or the base). */
  private async planSmart(): Promise<{ items: RollbackItem[]; skipped: RollbackResult['skipped'] }> {
    const violating = new Map<string, Violation[]>();
    for (const v of this.svc.violations) {
      if (v.path === '') continue;
      violating.set(v.path, [...(violating.get(v.path) ?? []), v]);
    }
    const skipped: RollbackResult['skipped'] = [];
    if (violating.size === 0) return { items: [], skipped };
    const cumulative = await this.svc.cumulativeChanges();
    const ignored = new Set(cumulative.filter((c) => c.ignored).map((c) => c.path));
    const { events } = await this.o.log.read();
    const records = events.filter((e) => e.t === 'checkpoint').sort((a, b) => b.seq - a.seq);
    const items: RollbackItem[] = [];
    for (const p of violating.keys()) {
      if (ignored.has(p)) {
        skipped.push({ path: p, reason: 'ignored by .gitignore, so no checkpoint holds it; delete or move it yourself' });
        continue;
      }
      const clean = records.find((r) => r.seq < this.svc.head.seq && !r.violations.some((v) => v.path === p));
      const seq = clean?.seq ?? 0;
      items.push(...(await this.planFiles(seq, [p], this.svc.head.tree)));
    }
    return { items, skipped };
  }
}

/**
 * A file or link that becomes a folder shows as "delete X" plus "create X/...": the writer
 * replaces X when it makes the folder, so the delete must not be applied or verified on its own.
 */
function dropShadowedDeletes(items: RollbackItem[]): RollbackItem[] {
  const writes = items.filter((i) => i.to).map((i) => i.path);
  return items.filter((i) => i.to || !writes.some((w) => w.startsWith(i.path + '/')));
}
