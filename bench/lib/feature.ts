/**
 * One feature's core, wired the way the product wires it: an event log, a validator reading
 * blobs through the checkpoint service's object store, and the checkpoint service itself.
 */
import * as path from 'node:path';
import { CheckpointService } from '../../src/core/checkpoints/checkpointService';
import { EventLog } from '../../src/core/events/eventLog';
import { makePlan, type Plan } from '../../src/core/plan';
import { Validator } from '../../src/core/validation';
import { AopError } from '../../src/core/util/errors';

export interface BenchFeature {
  id: string;
  log: EventLog;
  validator: Validator;
  svc: CheckpointService;
  close(): Promise<void>;
}

export async function openFeature(opts: { worktree: string; scratch: string; baseCommit: string; id?: string; plan?: Plan }): Promise<BenchFeature> {
  const id = opts.id ?? 'bench-feature';
  const log = new EventLog(path.join(opts.scratch, `${id}-events.jsonl`), id);
  // The validator reads blobs through the service's object store, which exists only once the service does.
  const late: { svc?: CheckpointService } = {};
  const validator = new Validator(opts.plan ?? makePlan({ version: 1 }), {
    worktree: opts.worktree,
    readBlob: async (oid) => {
      const obj = await late.svc!.store.read(oid);
      if (!obj) throw new AopError('NOT_FOUND', `blob ${oid} missing`);
      return obj.data;
    },
  });
  const svc = await CheckpointService.open({
    featureId: id,
    worktree: opts.worktree,
    baseCommit: opts.baseCommit,
    log,
    validator,
    statCacheFile: path.join(opts.scratch, `${id}-stat-cache.json`),
  });
  late.svc = svc;
  return {
    id,
    log,
    validator,
    svc,
    async close() {
      await svc.dispose();
      await log.close();
    },
  };
}
