/**
 * A feature's checkpoint history, owned in one place: the refs under `refs/aop/<id>/` (the
 * truth of which checkpoints exist), the records the event log keeps for them, and retention,
 * which drops old checkpoints and re-chains the kept ones. The CheckpointService makes new
 * checkpoints and hands each record here; everyone else reads the list from here.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AopEvent } from '../events/schema';
import type { EventLog } from '../events/eventLog';
import type { ObjectStore } from '../git/objectStore';
import { RefStore, type CheckpointRef } from '../git/refStore';
import { git } from '../git/gitRunner';
import type { CheckpointRecord, Violation } from '../model/types';
import { AopError } from '../util/errors';
import { Emitter } from '../util/emitter';
import { reparentCommit, readCheckpointCommit } from './checkpointCommit';
import { diffTrees } from './treeDiff';

export interface CheckpointHistoryOptions {
  featureId: string;
  worktree: string;
  baseCommit: string;
  store: ObjectStore;
  log: Pick<EventLog, 'append' | 'read' | 'sync'>;
  /** Keep this many recent checkpoints (plus rollback points and those with violations); 0 keeps all. */
  retain?: () => number;
}

export interface RetentionResult {
  pruned: number[];
  /** [seq, old commit, new commit] for each re-chained checkpoint. */
  rewritten: [number, string, string][];
}

export class CheckpointHistory {
  private readonly refStore: RefStore;
  private records: CheckpointRecord[] = [];
  /** Checkpoints in refs/aop that the log has no record of (see recordUnlogged). */
  private unlogged: CheckpointRef[] = [];
  private readonly changed = new Emitter<{ record?: CheckpointRecord }>();
  /** A checkpoint was recorded (`record`), or the list was rewritten (retention: no `record`). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly opts: CheckpointHistoryOptions) {
    this.refStore = new RefStore(opts.worktree);
  }

  get featureId(): string {
    return this.opts.featureId;
  }

  list(): CheckpointRecord[] {
    return [...this.records];
  }

  /** The checkpoints that exist (their refs), oldest first. */
  refs(): Promise<CheckpointRef[]> {
    return this.refStore.list(this.opts.featureId);
  }

  /**
   * Reads the records of the checkpoints that exist, and notes the refs the log has no record
   * of (a kill between update-ref and the log append): see recordUnlogged.
   */
  async load(): Promise<void> {
    const { events } = await this.opts.log.read();
    const refs = await this.refs();
    // Retention re-chains kept checkpoints under new commit ids: follow those renames.
    const renamed = new Map<string, string>();
    for (const e of events) if (e.t === 'retention') for (const [, from, to] of e.rewritten) renamed.set(from, to);
    const current = (c: string): string => {
      for (let i = 0; i < 64 && renamed.has(c); i++) c = renamed.get(c)!;
      return c;
    };
    // Match number AND commit: a feature deleted and recreated with the same id reuses numbers.
    const live = new Map(refs.map((r) => [r.seq, r.commit]));
    const logged = new Set<string>();
    const records: CheckpointRecord[] = [];
    for (const e of events) {
      if (e.t !== 'checkpoint') continue;
      const commit = current(e.commit);
      logged.add(`${e.seq} ${commit}`);
      if (live.get(e.seq) === commit) records.push(toRecord(this.opts.featureId, e, commit));
    }
    this.records = this.rechain(records.sort((a, b) => a.seq - b.seq));
    this.unlogged = refs.filter((r) => !logged.has(`${r.seq} ${r.commit}`));
  }

  /**
   * A kill (or a full disk) between update-ref and the log append leaves a checkpoint without
   * its record, so it would never be listed: write the missing records from the commits, each
   * handed to `publish` (which adds it here) once logged.
   */
  async recordUnlogged(validate: (commit: string) => Promise<Violation[]>, publish: (record: CheckpointRecord) => void): Promise<void> {
    while (this.unlogged.length > 0) {
      const r = this.unlogged[0]!;
      const said = readCheckpointCommit((await this.opts.store.read(r.commit))?.data.toString('utf8') ?? '');
      const parent = said.parent ?? this.opts.baseCommit;
      const tree = (await this.opts.store.read(`${r.commit}^{tree}`))?.oid;
      if (!tree) throw new AopError('NOT_FOUND', `commit ${r.commit} not found in the repository`);
      const record: CheckpointRecord = {
        featureId: this.opts.featureId,
        seq: r.seq,
        commit: r.commit,
        tree,
        parent,
        time: new Date().toISOString(),
        trigger: said.trigger ?? 'reconcile',
        files: await diffTrees(this.opts.worktree, parent, r.commit, { numstat: true }),
        durationMs: 0,
        violations: await validate(r.commit),
      };
      await this.opts.log.append({ t: 'warning', message: `Checkpoint ${r.seq} was made but not logged (the process stopped or the disk was full); recorded now.` });
      const { featureId: _f, ...logged } = record;
      await this.opts.log.append({ t: 'checkpoint', ...logged });
      await this.opts.log.sync();
      this.unlogged.shift();
      publish(record);
    }
  }

  /** Adds a checkpoint's record (the service calls this once its ref and log line exist). */
  add(record: CheckpointRecord): void {
    this.records.push(record);
    this.changed.fire({ record });
  }

  /** Points `refs/aop/<id>/<seq>` at a new checkpoint commit (refuses to move an existing one). */
  createRef(seq: number, commit: string): Promise<void> {
    return this.refStore.create(RefStore.checkpointRef(this.opts.featureId, seq), commit);
  }

  /** Records the feature's base in `refs/aop/<id>/base`, so it stays reachable. */
  markBase(): Promise<void> {
    return this.refStore.set(RefStore.baseRef(this.opts.featureId), this.opts.baseCommit);
  }

  /** Resolves a checkpoint number to its commit; refuses an unknown one. 0 is the base. */
  async commitOf(seq: number): Promise<string> {
    if (seq === 0) return this.opts.baseCommit;
    const ref = RefStore.checkpointRef(this.opts.featureId, seq);
    try {
      return (await git(['rev-parse', '--verify', '-q', '--end-of-options', `${ref}^{commit}`], { cwd: this.opts.worktree })).trim();
    } catch {
      throw new AopError('NOT_FOUND', `Checkpoint ${seq} of feature "${this.opts.featureId}" does not exist (it may have been pruned). Pick one from the list.`);
    }
  }

  /**
   * Only one service writes `refs/aop/<id>/`: a lock file found there at start was left by a
   * process killed mid-update, and would block every checkpoint from now on. Remove it.
   */
  async removeStaleLocks(): Promise<void> {
    const dir = path.join(path.dirname(this.opts.store.objectsDir), RefStore.prefix(this.opts.featureId));
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    for (const n of names.filter((x) => x.endsWith('.lock'))) {
      await fs.rm(path.join(dir, n), { force: true });
      await this.opts.log.append({ t: 'warning', message: `Removed a stale ref lock left by an interrupted checkpoint: ${n}` });
    }
  }

  /** Retention works in batches: only once the surplus is worth a transaction. */
  retentionDue(): boolean {
    const keepLast = this.opts.retain?.() ?? 0;
    return keepLast > 0 && this.records.length > keepLast + Math.max(10, Math.floor(keepLast / 10));
  }

  /**
   * Drops all but the last `retain()` checkpoints, keeping rollback points and those with
   * violations. Each checkpoint is chained to the previous one, so dropping a ref alone would
   * keep every old snapshot reachable: the kept ones are re-chained (same trees, new parents)
   * and their refs moved in one transaction; git's garbage collection reclaims the rest.
   * Call inside the feature's checkpoint lane.
   */
  async applyRetention(keepLast = this.opts.retain?.() ?? 0): Promise<RetentionResult> {
    const keep = new Set<number>();
    for (const r of this.records) if (r.violations.length > 0 || r.trigger === 'pre-rollback' || r.trigger === 'rollback') keep.add(r.seq);
    const refs = await this.refs();
    if (keepLast <= 0 || refs.length <= keepLast) return { pruned: [], rewritten: [] };
    const cut = refs.length - keepLast;
    const kept = refs.filter((r, i) => i >= cut || keep.has(r.seq));
    const pruned = refs.filter((r, i) => !(i >= cut || keep.has(r.seq))).map((r) => r.seq);
    if (pruned.length === 0) return { pruned: [], rewritten: [] };
    const rewritten: [number, string, string][] = [];
    let parent = this.opts.baseCommit;
    for (const r of kept) {
      const text = (await this.opts.store.read(r.commit))?.data.toString('utf8');
      if (!text) throw new AopError('GIT_FAILED', `checkpoint ${r.seq} (${r.commit}) is missing from the object store`);
      let commit = r.commit;
      if (readCheckpointCommit(text).parent !== parent) {
        commit = await this.opts.store.writeObject('commit', Buffer.from(reparentCommit(text, parent), 'utf8'));
        rewritten.push([r.seq, r.commit, commit]);
      }
      parent = commit;
    }
    await this.refStore.updateMany([
      ...pruned.map((seq) => ({ ref: RefStore.checkpointRef(this.opts.featureId, seq), oid: null })),
      ...rewritten.map(([seq, old, next]) => ({ ref: RefStore.checkpointRef(this.opts.featureId, seq), oid: next, old })),
    ]);
    await this.opts.log.append({ t: 'retention', pruned, rewritten });
    await this.opts.log.sync();
    const gone = new Set(pruned);
    const next = new Map(rewritten.map(([, from, to]) => [from, to]));
    this.records = this.rechain(this.records.filter((r) => !gone.has(r.seq)).map((r) => ({ ...r, commit: next.get(r.commit) ?? r.commit })));
    this.changed.fire({});
    return { pruned, rewritten };
  }

  /** Each checkpoint's parent is the previous live checkpoint (or the base): true after retention too. */
  private rechain(records: CheckpointRecord[]): CheckpointRecord[] {
    let parent = this.opts.baseCommit;
    return records.map((r) => {
      const out = { ...r, parent };
      parent = r.commit;
      return out;
    });
  }

  /** Deletes every ref of a feature (its checkpoints and base), e.g. when it is deleted for good. */
  static async deleteAll(repoRoot: string, featureId: string): Promise<void> {
    const refs = new RefStore(repoRoot);
    try {
      await refs.deleteAll(featureId);
    } finally {
      refs.close();
    }
  }

  dispose(): void {
    this.refStore.close();
    this.changed.dispose();
  }
}

function toRecord(featureId: string, e: Extract<AopEvent, { t: 'checkpoint' }>, commit: string): CheckpointRecord {
  const { t: _t, ts, feature: _f, ...rest } = e;
  return { featureId, time: ts, ...rest, commit };
}
