/**
 * One feature's checkpoint lane, log and rollback on a real worktree, with nothing else loaded:
 * the crash worker imports this, so a child process starts fast.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointService } from '../../../src/core/checkpoints/checkpointService';
import { EventLog } from '../../../src/core/events/eventLog';
import { makePlan, type Plan } from '../../../src/core/plan';
import { RollbackService } from '../../../src/core/rollback/rollbackService';
import { Validator } from '../../../src/core/validation';

export interface FeatureFiles {
  wt: string;
  events: string;
  statCache: string;
  journal: string;
}

/** Where a test feature keeps its worktree and runtime files (beside the repository, never in it). */
export function featureFiles(repoDir: string, id: string): FeatureFiles {
  const dir = path.join(repoDir, '..', `state-${id}`);
  return {
    wt: path.join(repoDir, '..', `wt-${id}`),
    events: path.join(dir, 'events.jsonl'),
    statCache: path.join(dir, 'stat-cache.json'),
    journal: path.join(dir, 'rollback-journal.json'),
  };
}

/** Adds the feature's worktree on branch aop/<id> from `base` (once). */
export function addWorktree(repoDir: string, id: string, base: string): string {
  const { wt } = featureFiles(repoDir, id);
  if (!fs.existsSync(wt)) execFileSync('git', ['worktree', 'add', '-q', '-b', `aop/${id}`, wt, base], { cwd: repoDir, stdio: 'pipe' });
  return wt;
}

export interface Lane extends FeatureFiles {
  id: string;
  base: string;
  log: EventLog;
  svc: CheckpointService;
  rb: RollbackService;
  close(): Promise<void>;
}

/** Opens (or re-opens, as after a restart) one feature's checkpoint lane, log and rollback. */
export async function openLane(repoDir: string, id: string, base: string, plan: Plan = makePlan({ version: 1 })): Promise<Lane> {
  const files = featureFiles(repoDir, id);
  addWorktree(repoDir, id, base);
  fs.mkdirSync(path.dirname(files.events), { recursive: true });
  const log = new EventLog(files.events, id);
  const late: { svc?: CheckpointService } = {};
  const validator = new Validator(plan, {
    worktree: files.wt,
    readBlob: async (oid) => {
      const obj = await late.svc!.store.read(oid);
      if (!obj) throw new Error(`blob ${oid} missing`);
      return obj.data;
    },
  });
  const s = await CheckpointService.open({ featureId: id, worktree: files.wt, baseCommit: base, log, validator, statCacheFile: files.statCache });
  late.svc = s;
  const rb = new RollbackService({ worktree: files.wt, checkpoints: s, log, journalFile: files.journal });
  return {
    ...files,
    id,
    base,
    log,
    svc: s,
    rb,
    async close() {
      await s.dispose();
      await log.close();
    },
  };
}

export function write(root: string, rel: string, content: string | Buffer, mode?: number): void {
  const abs = path.join(root, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, content);
  if (mode !== undefined) fs.chmodSync(abs, mode);
}

/** Small deterministic pseudo-random numbers, so a failing run can be replayed from its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}
