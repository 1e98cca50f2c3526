/**
 * A feature's worktree with its checkpoints, event log and rollback, without an orchestrator:
 * for the tests of those services and of what they record.
 */
import * as path from 'node:path';
import { CheckpointService } from '../../../src/core/checkpoints/checkpointService';
import { EventLog } from '../../../src/core/events/eventLog';
import type { Plan } from '../../../src/core/plan';
import { RollbackService } from '../../../src/core/rollback/rollbackService';
import { Validator } from '../../../src/core/validation';
import { gitIn, makeTempRepo, type TempRepo } from './tempRepo';

export interface CheckpointedWorktree {
  readonly repo: TempRepo;
  /** Feature f1's worktree (branch aop/f1 at the repository's first commit), beside the repository. */
  readonly wt: string;
  readonly log: EventLog;
  readonly svc: CheckpointService;
  readonly rb: RollbackService;
}

/**
 * Declares the hooks (call it inside `describe`): before each test a repository holding `files`,
 * feature f1's worktree, its log, a validator of `plan`, its checkpoints and its rollback; after
 * each, all closed and removed.
 */
export function useCheckpointedWorktree(files: Record<string, string>, plan: () => Plan): CheckpointedWorktree {
  let open: CheckpointedWorktree | undefined;
  const get = <K extends keyof CheckpointedWorktree>(k: K): CheckpointedWorktree[K] => {
    if (!open) throw new Error('the checkpointed worktree exists only while a test runs');
    return open[k];
  };
  beforeEach(async () => {
    const repo = makeTempRepo(files);
    const base = repo.git('rev-parse', 'HEAD');
    const wt = path.join(repo.dir, '..', 'wt');
    repo.git('worktree', 'add', '-q', '-b', 'aop/f1', wt, base);
    const log = new EventLog(path.join(repo.dir, '..', 'events.jsonl'), 'f1');
    const validator = new Validator(plan(), { worktree: wt, readBlob: async (oid) => Buffer.from(gitIn(wt, 'cat-file', 'blob', oid)) });
    const svc = await CheckpointService.open({ featureId: 'f1', worktree: wt, baseCommit: base, log, validator });
    const rb = new RollbackService({ worktree: wt, checkpoints: svc, log, journalFile: path.join(repo.dir, '..', 'rollback.json') });
    open = { repo, wt, log, svc, rb };
  });
  afterEach(async () => {
    if (!open) return;
    const { repo, svc, log } = open;
    open = undefined;
    await svc.dispose();
    await log.close();
    repo.cleanup();
  });
  return {
    get repo() {
      return get('repo');
    },
    get wt() {
      return get('wt');
    },
    get log() {
      return get('log');
    },
    get svc() {
      return get('svc');
    },
    get rb() {
      return get('rb');
    },
  };
}
