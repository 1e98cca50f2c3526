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
import { makePlan } from '../../../src/core/plan';
import { checkpointSummaryFromEvent, conversationFromEvents, eventView, rollbackView } from '../../../src/shared/buildViews';
import { describeIssues, hostToWebviewSchema, PROTOCOL_VERSION } from '../../../src/shared/protocol';
import { SMART_ROLLBACK_TARGET } from '../../../src/shared/vocabulary';
import { feature, gates } from './fixtures';
import { useCheckpointedWorktree } from '../helpers/checkpointedWorktree';

describe('shared: what the core records, the panel accepts', () => {
  const t = useCheckpointedWorktree({ 'README.md': '# r\n', 'src/a.ts': 'a1\n' }, () => makePlan({ version: 1, allowed: ['src/**'] }));

  const write = (rel: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(t.wt, rel)), { recursive: true });
    fs.writeFileSync(path.join(t.wt, rel), content);
  };

  const accepted = (msg: unknown, what: string) => {
    const r = hostToWebviewSchema.safeParse(msg);
    assert.ok(r.success, `the panel refuses ${what}: ${r.success ? '' : describeIssues(r.error)}`);
  };

  it('accepts the snapshot and the live updates of every rollback kind, smart included', async () => {
    write('src/a.ts', 'a2\n');
    const first = await t.svc.request({ full: true, trigger: 'manual' });
    write('src/a.ts', 'a3\n');
    write('docs/out.md', 'out of scope\n');
    await t.svc.request({ full: true, trigger: 'watch' });
    assert.equal((await t.rb.smart()).targetSeq, SMART_ROLLBACK_TARGET);
    await t.rb.undo();
    await t.rb.files(0, ['src/a.ts']);
    await t.rb.toCheckpoint(first!.seq);

    const { events } = await t.log.read();
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
