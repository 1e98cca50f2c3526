import { strict as assert } from 'node:assert';
import type { Update } from '../../../src/shared/protocol';
import type { Snapshot } from '../../../src/shared/viewModels';
import { HostClient, RequestError } from '../../../webview-ui/src/hostClient';
import { snapshot } from '../shared/fixtures';

describe('webview/HostClient: the webview end of the protocol', () => {
  let posted: Record<string, unknown>[];
  let got: { snapshots: Snapshot[]; updates: Update[]; unavailable: string[]; stale: string[] };
  let warnings: string[];
  let client: HostClient;

  beforeEach(() => {
    posted = [];
    got = { snapshots: [], updates: [], unavailable: [], stale: [] };
    warnings = [];
    client = new HostClient(
      (m) => posted.push(m as Record<string, unknown>),
      { snapshot: (s) => got.snapshots.push(s), update: (u) => got.updates.push(u), unavailable: (m) => got.unavailable.push(m), stale: (m) => got.stale.push(m) },
      (w) => warnings.push(w),
    );
  });

  it('announces itself with the protocol version', () => {
    client.ready();
    assert.deepEqual(posted, [{ type: 'ready', protocol: 1 }]);
  });

  it('matches replies to requests by id and validates the result against the request type', async () => {
    const a = client.request('getChanges', { range: { from: 1, to: 2 } });
    const b = client.request('pause', {});
    assert.deepEqual(posted.map((p) => [p.type, p.requestId]), [['getChanges', 1], ['pause', 2]]);
    client.receive({ type: 'reply', requestId: 2, ok: true, result: { status: 'done' } });
    client.receive({ type: 'reply', requestId: 1, ok: true, result: { range: { from: 1, to: 2 }, files: [], violations: [] } });
    assert.deepEqual(await b, { status: 'done' });
    assert.deepEqual((await a).files, []);
    assert.equal(client.inFlight, 0);
  });

  it('rejects with the host error, and refuses a result of the wrong shape', async () => {
    const a = client.request('rollbackToCheckpoint', { seq: 3 });
    client.receive({ type: 'reply', requestId: 1, ok: false, error: { code: 'ROLLBACK_FAILED', message: 'gone' } });
    await assert.rejects(a, (e: unknown) => e instanceof RequestError && e.info.code === 'ROLLBACK_FAILED');
    const b = client.request('getDiff', { range: { from: 1, to: 2 }, path: 'a.ts' });
    client.receive({ type: 'reply', requestId: 2, ok: true, result: { status: 'done' } });
    await assert.rejects(b, (e: unknown) => e instanceof RequestError && e.info.code === 'INVALID_REPLY');
    assert.ok(posted.some((p) => p.type === 'log' && String(p.message).includes('getDiff')), 'reported to the host log');
  });

  it('refuses to send what the host would refuse, without posting', async () => {
    await assert.rejects(client.request('rollbackFiles', { seq: 1, paths: ['../../etc/passwd'] }), (e: unknown) => e instanceof RequestError && e.info.code === 'INVALID_INPUT');
    await assert.rejects(client.request('sendMessage', { text: 'x'.repeat(70_000) }), RequestError);
    assert.equal(posted.length, 0);
  });

  it('hands snapshots, updates and unavailability to the app', () => {
    client.receive({ type: 'snapshot', protocol: 1, snapshot });
    client.receive({ type: 'update', log: [] });
    client.receive({ type: 'unavailable', message: 'deleted' });
    assert.equal(got.snapshots.length, 1);
    assert.equal(got.updates.length, 1);
    assert.deepEqual(got.unavailable, ['deleted']);
  });

  it('refuses unknown or malformed host messages and stray replies, and reports them', () => {
    client.receive({ type: 'eval', code: 'alert(1)' });
    client.receive({ type: 'snapshot', protocol: 1, snapshot: { ...snapshot, checkpoints: 'lots' } });
    client.receive({ type: 'reply', requestId: 42, ok: true, result: {} });
    client.receive(undefined);
    assert.equal(got.snapshots.length, 0);
    assert.equal(warnings.length, 4);
    assert.equal(posted.filter((p) => p.type === 'log').length, 4);
    for (const p of posted) assert.ok(String(p.message).length <= 2000);
  });

  it('says the view is stale when it refuses an update or a snapshot, never silently keeping old state', () => {
    client.receive({ type: 'snapshot', protocol: 1, snapshot });
    client.receive({ type: 'update', rollbacks: [{ bogus: true }] });
    assert.equal(got.updates.length, 0);
    assert.equal(got.stale.length, 1);
    assert.match(got.stale[0]!, /out of date/);
    client.receive({ type: 'snapshot', protocol: 1, snapshot: { ...snapshot, checkpoints: 'lots' } });
    assert.equal(got.stale.length, 2);
    // The host's own word that the panel missed a change.
    client.receive({ type: 'error', message: 'The panel missed a change. Reload.' });
    assert.deepEqual(got.stale.at(-1), 'The panel missed a change. Reload.');
  });

  it('fails the request of a refused reply instead of leaving it waiting', async () => {
    const a = client.request('pause', {});
    client.receive({ type: 'reply', requestId: 1, ok: 'maybe' });
    await assert.rejects(a, (e: unknown) => e instanceof RequestError && e.info.code === 'INVALID_REPLY');
    assert.equal(client.inFlight, 0);
    assert.equal(got.stale.length, 0);
  });

  it('accepts the update of a smart rollback (target -1), which once froze the panel', () => {
    client.receive({ type: 'snapshot', protocol: 1, snapshot });
    client.receive({ type: 'update', rollbacks: [{ time: 't', kind: 'smart', targetSeq: -1, preRollbackSeq: 3, resultSeq: 4, ok: true, paths: ['docs/x.md'], pathCount: 1, mismatchCount: 0 }] });
    assert.equal(got.updates.length, 1);
    assert.equal(got.stale.length, 0);
  });
});
