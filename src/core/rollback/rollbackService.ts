/**
 * Rollback that never loses work. Every rollback runs in the feature's checkpoint lane, first
 * takes a `pre-rollback` checkpoint of the whole worktree (so it can be undone), leaves in place
 * whatever that checkpoint could not hold (reported, with the reason), writes only the paths
 * that differ from the target, verifies each one by hashing it again and by the checkpoint that
 * records the result. A mismatch is reported as a failed rollback, never as success. A journal
 * lets an interrupted rollback be completed after a crash.
 */
import * as fs from 'node:fs/promises';
import type { CheckpointService } from '../checkpoints/checkpointService';
import { SnapshotTree } from '../checkpoints/snapshotTree';
import type { EventLog } from '../events/eventLog';
import { writeFileAtomic } from '../util/atomicFile';
import { AopError } from '../util/errors';
import { mapLimit } from '../util/async';
import { assertRelPath } from '../util/ids';
import { SMART_ROLLBACK_TARGET, type RollbackKind } from '../../shared/vocabulary';
import { RecoverableCheck } from './recoverable';
import { RollbackPlanner, type RollbackItem, type RollbackPlan, type Skipped } from './rollbackPlanner';
import { entryOnDisk, removeRestoreTemps, worktreeWriter, type WorktreeWriter } from './worktreeWriter';

/** Paths written or verified at once: enough to hide file-system latency, few enough to stay gentle. */
const ROLLBACK_CONCURRENCY = 16;

export type { RollbackKind } from '../../shared/vocabulary';
export type { RollbackItem, RollbackPlan, Skipped } from './rollbackPlanner';

export interface RollbackResult {
  ok: boolean;
  kind: RollbackKind;
  targetSeq: number;
  preRollbackSeq: number;
  paths: string[];
  mismatches: string[];
  /** The checkpoint that records the state after the rollback (absent when nothing changed). */
  resultSeq?: number;
  /** Paths left as they are, and why: no checkpoint holds what is there (ignored files, nested repositories, ...). */
  skipped: Skipped[];
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
  /** Builds the writer for one rollback (tests inject one that fails quietly). */
  writer?: (root: string) => WorktreeWriter;
}

interface Journal {
  kind: RollbackKind;
  targetSeq: number;
  preRollbackSeq: number;
  items: RollbackItem[];
}

export class RollbackService {
  private readonly planner: RollbackPlanner;

  constructor(private readonly o: RollbackOptions) {
    this.planner = new RollbackPlanner(o);
  }

  private get svc(): CheckpointService {
    return this.o.checkpoints;
  }

  /** What a whole-worktree rollback to `seq` would change (for the confirmation). */
  previewCheckpoint(seq: number): Promise<RollbackItem[]> {
    return this.svc.exclusive(async () => {
      await this.refreshHead();
      return (await this.planner.planCheckpoint(seq, this.svc.head.commit)).items;
    });
  }

  previewFiles(seq: number, paths: string[]): Promise<RollbackItem[]> {
    return this.svc.exclusive(async () => {
      await this.refreshHead();
      return (await this.planner.planFiles([{ seq, paths: paths.map((p) => assertRelPath(p)) }], this.svc.head.tree)).items;
    });
  }

  previewSmart(): Promise<RollbackPlan> {
    return this.svc.exclusive(async () => {
      await this.refreshHead();
      return this.planner.planSmart();
    });
  }

  /** Brings the head up to date before a preview: a full scan, unless a live watcher keeps it current. */
  private async refreshHead(): Promise<void> {
    if (this.o.watched?.() !== true) await this.svc.takeNow({ full: true, trigger: 'reconcile' });
  }

  toCheckpoint(seq: number): Promise<RollbackResult> {
    return this.run('checkpoint', seq, (pre) => this.planner.planCheckpoint(seq, pre));
  }

  async files(seq: number, paths: string[]): Promise<RollbackResult> {
    const clean = paths.map((p) => assertRelPath(p));
    if (clean.length === 0) throw new AopError('INVALID_INPUT', 'Choose at least one file to roll back.');
    return this.run('files', seq, () => this.planner.planFiles([{ seq, paths: clean }], this.svc.head.tree));
  }

  smart(): Promise<RollbackResult> {
    return this.run('smart', SMART_ROLLBACK_TARGET, () => this.planner.planSmart());
  }

  /** Undoes the most recent rollback by rolling back to its pre-rollback checkpoint. */
  async undo(): Promise<RollbackResult> {
    const last = await this.lastRollback();
    if (!last) throw new AopError('NOT_FOUND', 'There is no rollback to undo for this feature.');
    const seq = last.preRollbackSeq;
    return this.run('undo', seq, (pre) => this.planner.planCheckpoint(seq, pre));
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
      // What was written before the crash already equals its target; the rest must still be held by the safety checkpoint.
      const preTree = (await this.svc.store.read(`${await this.svc.commitOf(journal.preRollbackSeq)}^{tree}`))!.oid;
      const { items, skipped } = await this.keepRecoverable({ items: journal.items, skipped: [] }, preTree);
      return this.apply({ ...journal, items }, skipped);
    });
  }

  private run(kind: RollbackKind, targetSeq: number, plan: (preCommit: string) => Promise<RollbackPlan>): Promise<RollbackResult> {
    return this.svc.exclusive(async () => {
      if (targetSeq >= 0) await this.svc.commitOf(targetSeq); // refuses an unknown checkpoint before anything is written
      const watched = this.o.watched?.() === true;
      const touched = watched ? (await plan(this.svc.head.commit)).items.map((i) => i.path) : [];
      const pre = await this.svc.takeNow({ full: !watched, paths: touched, force: true, trigger: 'pre-rollback' });
      const preSeq = pre?.seq ?? this.svc.head.seq;
      const { items, skipped } = await this.keepRecoverable(await plan(this.svc.head.commit), this.svc.head.tree);
      return this.apply({ kind, targetSeq, preRollbackSeq: preSeq, items }, skipped);
    });
  }

  /** Moves to `skipped` every item whose path holds something the safety checkpoint (`preTree`) cannot bring back. */
  private async keepRecoverable(plan: RollbackPlan, preTree: string): Promise<RollbackPlan> {
    const check = new RecoverableCheck(this.o.worktree, new SnapshotTree(this.svc.store, preTree), this.svc.store, (p) => this.svc.whyNotSnapshotted(p));
    const why = await mapLimit(plan.items, ROLLBACK_CONCURRENCY, (item) => check.whyNot(item));
    const items = plan.items.filter((_, i) => why[i] === undefined);
    const skipped = [...plan.skipped, ...plan.items.flatMap((item, i) => (why[i] === undefined ? [] : [{ path: item.path, reason: `not rolled back: ${why[i]}` }]))];
    return { items, skipped };
  }

  private async apply(j: Journal, skipped: Skipped[]): Promise<RollbackResult> {
    if (this.o.journalFile) await writeFileAtomic(this.o.journalFile, JSON.stringify(j));
    const failed = new Set<string>();
    const writer = (this.o.writer ?? worktreeWriter)(this.o.worktree);
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
    // Verify on disk: hash every touched path again and compare with the target.
    const onDisk = await mapLimit(j.items, ROLLBACK_CONCURRENCY, async (item) => {
      if (failed.has(item.path)) return false;
      return sameEntry(await entryOnDisk(this.o.worktree, item.path, this.svc.store.algo), item.to);
    });
    const paths = j.items.map((i) => i.path);
    const after = await this.svc.afterWorktreeRewrite(paths, 'rollback');
    // ...and in the checkpoint that records the result: what the history will say is there.
    const recorded = new SnapshotTree(this.svc.store, this.svc.head.tree);
    const inRecord = await mapLimit(j.items, ROLLBACK_CONCURRENCY, async (item) => sameEntry(await recorded.get(item.path), item.to));
    const mismatches = j.items.filter((_, i) => !onDisk[i] || !inRecord[i]).map((i) => i.path);
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
      ...(skipped.length ? { skipped } : {}),
      ...(result.resultSeq !== undefined ? { resultSeq: result.resultSeq } : {}),
    });
    await this.o.log.sync();
    if (!result.ok) {
      throw new AopError(
        'ROLLBACK_FAILED',
        `Rollback did not restore ${mismatches.length} path(s): ${mismatches.slice(0, 5).join(', ')}${mismatches.length > 5 ? ', ...' : ''}. Your work before the rollback is in checkpoint ${j.preRollbackSeq}: roll back to it to restore.`,
        { details: { result } },
      );
    }
    return result;
  }
}

function sameEntry(have: { mode: string; oid: string } | undefined, want: { mode: string; oid: string } | undefined): boolean {
  return want ? have?.mode === want.mode && have.oid === want.oid : have === undefined;
}
