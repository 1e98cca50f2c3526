/**
 * The panel must accept every value the core records. These drive the real checkpoint and
 * rollback services (every rollback kind, a violation, a smart rollback's target of -1) on a
 * temporary repository, turn the event log into the panel's messages exactly as the host does,
 * and validate them against the protocol the webview applies. A value domain restated more
 * narrowly on the panel's side (the smart rollback target once was) fails here.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointService } from '../../../src/core/checkpoints/checkpointService';
import { EventLog } from '../../../src/core/events/eventLog';
import { makePlan } from '../../../src/core/plan';
import { RollbackService } from '../../../src/core/rollback/rollbackService';
import { Validator } from '../../../src/core/validation';
import { checkpointSummaryFromEvent, conversationFromEvents, eventView, rollbackView } from '../../../src/shared/buildViews';
import { describeIssues, hostToWebviewSchema, PROTOCOL_VERSION } from '../../../src/shared/protocol';
import { SMART_ROLLBACK_TARGET } from '../../../src/shared/vocabulary';
import { gitIn, makeTempRepo, type TempRepo } from '../helpers/tempRepo';
import { feature, gates } from './fixtures';

describe('shared: what the core records, the panel accepts', () => {
  let repo: TempRepo;
  let wt: string;
  let svc: CheckpointService;
  let log: EventLog;
  let rb: RollbackService;

  beforeEach(async () => {
    repo = makeTempRepo({ 'README.md': '# r\n', 'src/a.ts': 'a1\n' });
    const base = repo.git('rev-parse', 'HEAD');
    wt = path.join(repo.dir, '..', 'wt');
    repo.git('worktree', 'add', '-q', '-b', 'aop/f1', wt, base);
    log = new EventLog(path.join(repo.dir, '..', 'events.jsonl'), 'f1');
    const validator = new Validator(makePlan({ version: 1, allowed: ['src/**'] }), { worktree: wt, readBlob: async (oid) => Buffer.from(gitIn(wt, 'cat-file', 'blob', oid)) });
    svc = await CheckpointService.open({ featureId: 'f1', worktree: wt, baseCommit: base, log, validator });
    rb = new RollbackService({ worktree: wt, checkpoints: svc, log, journalFile: path.join(repo.dir, '..', 'rollback.json') });
  });

  afterEach(async () => {
    await svc.dispose();
    await log.close();
    repo.cleanup();
  });

  const write = (rel: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(wt, rel)), { recursive: true });
    fs.writeFileSync(path.join(wt, rel), content);
  };

  const accepted = (msg: unknown, what: string) => {
    const r = hostToWebviewSchema.safeParse(msg);
    assert.ok(r.success, `the panel refuses ${what}: ${r.success ? '' : describeIssues(r.error)}`);
  };

  it('accepts the snapshot and the live updates of every rollback kind, smart included', async () => {
    write('src/a.ts', 'a2\n');
    const first = await svc.request({ full: true, trigger: 'manual' });
    write('src/a.ts', 'a3\n');
    write('docs/out.md', 'out of scope\n');
    await svc.request({ full: true, trigger: 'watch' });
    assert.equal((await rb.smart()).targetSeq, SMART_ROLLBACK_TARGET);
    await rb.undo();
    await rb.files(0, ['src/a.ts']);
    await rb.toCheckpoint(first!.seq);

    const { events } = await log.read();
    const rollbacks = events.filter((e) => e.t === 'rollback');
    assert.deepEqual(rollbacks.map((e) => e.kind), ['smart', 'undo', 'files', 'checkpoint']);
    const checkpoints = events.filter((e) => e.t === 'checkpoint');
    assert.ok(checkpoints.some((e) => e.violations.length > 0), 'a checkpoint with a violation was recorded');

    // Each event as the live stream sends it, one update per event.
    events.forEach((e, n) => {
      accepted(
        {
          type: 'update',
          log: [eventView(e, n)],
          ...(e.t === 'rollback' ? { rollbacks: [rollbackView(e)] } : {}),
          ...(e.t === 'checkpoint' ? { checkpoints: [checkpointSummaryFromEvent(e)] } : {}),
        },
        `the update for a ${e.t} event (${JSON.stringify(e).slice(0, 200)})`,
      );
    });
    const smartRow = eventView(rollbacks[0]!, 0).summary;
    assert.equal(smartRow, 'Smart rollback: 1 file back to its last clean version');
    // And all of it at once, as a snapshot after a reload.
    accepted(
      {
        type: 'snapshot',
        protocol: PROTOCOL_VERSION,
        snapshot: {
          feature,
          gates,
          threads: [],
          checkpoints: checkpoints.map(checkpointSummaryFromEvent),
          messages: conversationFromEvents(events),
          rollbacks: rollbacks.map(rollbackView),
          log: events.map(eventView),
        },
      },
      'the snapshot',
    );
  });
});
