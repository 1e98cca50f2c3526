import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { AopEvent } from '../../../../src/core/events/schema';
import { AopError } from '../../../../src/core/util/errors';
import { waitFor } from '../../../../src/core/util/async';
import { hostToWebviewSchema, type HostToWebview } from '../../../../src/shared/protocol';
import type { Snapshot } from '../../../../src/shared/viewModels';
import { ReviewController } from '../../../../src/vscode/webview/reviewController';
import { change, FakeActions, FakeData, FakeLogger, FakeUi, FakeWebview, record, REPO, TS } from './fakes';

describe('webview/ReviewController (host side of the panel)', () => {
  let web: FakeWebview;
  let data: FakeData;
  let actions: FakeActions;
  let ui: FakeUi;
  let logger: FakeLogger;
  let controller: ReviewController;
  let nextId = 1;

  beforeEach(() => {
    web = new FakeWebview();
    data = new FakeData();
    actions = new FakeActions();
    ui = new FakeUi();
    logger = new FakeLogger();
    controller = new ReviewController({ repoRoot: REPO, featureId: 'feat' }, web, { data, actions, ui, logger, coalesceMs: 5, confirmListMax: 3 });
  });
  afterEach(() => controller.dispose());

  async function ready(): Promise<Snapshot> {
    web.send({ type: 'ready', protocol: 1 });
    await waitFor(() => web.ofType('snapshot').length > 0 || web.ofType('unavailable').length > 0, 2000, 'snapshot');
    return (web.ofType('snapshot').at(-1) as unknown as { snapshot: Snapshot }).snapshot;
  }

  async function request(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    const requestId = nextId++;
    web.send({ ...msg, requestId });
    await waitFor(() => web.reply(requestId) !== undefined, 2000, `reply to ${String(msg.type)}`);
    return web.reply(requestId)!;
  }

  it('posts nothing before ready, then a valid snapshot', async () => {
    data.log = [
      { t: 'message', ts: TS(1), feature: 'feat', id: 'm1', state: 'queued', text: 'hi', from: 'user' },
      { t: 'message', ts: TS(2), feature: 'feat', id: 'm1', state: 'acknowledged' },
      { t: 'rollback', ts: TS(3), feature: 'feat', kind: 'checkpoint', targetSeq: 1, preRollbackSeq: 2, paths: ['b.ts'], ok: true },
    ];
    data.append({ t: 'warning', ts: TS(4), feature: 'feat', message: 'before ready' });
    await controller.whenIdle();
    assert.equal(web.posted.length, 0);
    const snap = await ready();
    for (const m of web.posted) assert.ok(hostToWebviewSchema.safeParse(m).success);
    assert.deepEqual(snap.checkpoints.map((c) => [c.seq, c.fileCount, c.violations.error]), [[1, 1, 0], [2, 1, 1]]);
    assert.deepEqual(snap.messages.map((m) => [m.id, m.state, m.text]), [['m1', 'acknowledged', 'hi']]);
    assert.equal(snap.rollbacks.length, 1);
    assert.equal(snap.log.length, 4);
    assert.equal(snap.feature.agentState, 'running');
  });

  it('rejects malformed or unknown messages: logs them, answers with an error, never acts', async () => {
    await ready();
    const r = await request({ type: 'rollbackFiles', seq: 1, paths: ['ok.ts', '../../etc/passwd'] });
    assert.equal(r.ok, false);
    assert.equal((r.error as { code: string }).code, 'INVALID_INPUT');
    web.send({ type: 'runShell', command: 'rm -rf /' });
    web.send('ready');
    web.send({ type: 'pause', requestId: 99, extra: 1 });
    await waitFor(() => web.reply(99) !== undefined, 2000, 'reply');
    assert.equal(actions.calls.length, 0);
    assert.equal(ui.confirms.length, 0);
    const rejected = logger.lines.filter((l) => l.startsWith('warn') && l.includes('rejected a webview message'));
    assert.equal(rejected.length, 4);
    assert.ok(rejected.some((l) => l.includes('"runShell"')));
  });

  it('confirms a rollback to a checkpoint, listing what will change, before acting', async () => {
    const back = (path: string) => ({ path, action: 'restore' as const, fromSeq: 1 });
    actions.preview = [{ path: 'new.ts', action: 'delete' }, back('gone.ts'), back('a.ts'), back('x.ts'), back('y.ts')];
    await ready();
    const r = await request({ type: 'rollbackToCheckpoint', seq: 1 });
    assert.deepEqual(r, { type: 'reply', requestId: r.requestId, ok: true, result: { status: 'done', summary: 'rollbackToCheckpoint done' } });
    assert.deepEqual(actions.calls, [['rollbackToCheckpoint', 'feat', 1]]);
    assert.equal(ui.confirms.length, 1);
    assert.match(ui.confirms[0]!.message, /checkpoint #1\? 5 files will change/);
    assert.deepEqual(ui.confirms[0]!.detail.split('\n').slice(0, 4), ['delete new.ts', 'restore gone.ts (from checkpoint #1)', 'restore a.ts (from checkpoint #1)', '…and 2 more']);
    assert.equal(ui.confirms[0]!.label, 'Roll Back');
  });

  it('does nothing when the user declines, and says so', async () => {
    actions.preview = [{ path: 'a.ts', action: 'restore', fromSeq: 1 }];
    ui.answer = false;
    await ready();
    const r = await request({ type: 'rollbackToCheckpoint', seq: 1 });
    assert.deepEqual(r.result, { status: 'cancelled' });
    assert.equal(actions.calls.length, 0);
  });

  it('lists the chosen files for a file rollback, and passes them on once each', async () => {
    await ready();
    const r = await request({ type: 'rollbackFiles', seq: 'base', paths: ['a.ts', 'b.ts', 'a.ts'] });
    assert.equal(r.ok, true);
    assert.match(ui.confirms[0]!.message, /Roll back 2 files .* to the base/);
    assert.deepEqual(actions.calls, [['rollbackFiles', 'feat', 'base', ['a.ts', 'b.ts']]]);
  });

  it('smart rollback lists the files that break the plan; undo lists the last rollback', async () => {
    data.log = [{ t: 'rollback', ts: TS(3), feature: 'feat', kind: 'files', targetSeq: 1, preRollbackSeq: 2, paths: ['z.ts'], ok: true }];
    await ready();
    actions.preview = [{ path: 'b.ts', action: 'restore', fromSeq: 0 }];
    await request({ type: 'smartRollback' });
    assert.match(ui.confirms[0]!.detail, /^restore b\.ts \(from the base\)\n/);
    await request({ type: 'undoRollback' });
    assert.match(ui.confirms[1]!.message, /go back to checkpoint #2/);
    assert.match(ui.confirms[1]!.detail, /^restore z\.ts\n/);
    assert.deepEqual(actions.calls.map((c) => c[0]), ['smartRollback', 'undoRollback']);
  });

  it('answers "nothing to do" without asking when there is nothing to roll back', async () => {
    data.checkpoints = [record(1, [change('a.ts')])];
    await ready();
    const smart = await request({ type: 'smartRollback' });
    assert.equal((smart.result as { status: string }).status, 'cancelled');
    const undo = await request({ type: 'undoRollback' });
    assert.match((undo.result as { summary: string }).summary, /no rollback of "feat" to undo/);
    assert.equal(ui.confirms.length, 0);
  });

  it('refuses a second change while the first awaits confirmation', async () => {
    let release!: () => void;
    ui.hold = new Promise((r) => (release = r));
    await ready();
    const first = nextId++;
    web.send({ type: 'rollbackFiles', requestId: first, seq: 1, paths: ['a.ts'] });
    await waitFor(() => ui.confirms.length === 1, 2000, 'confirmation');
    const second = await request({ type: 'rollbackFiles', seq: 1, paths: ['a.ts'] });
    assert.equal((second.error as { code: string }).code, 'BUSY');
    release();
    await waitFor(() => web.reply(first) !== undefined, 2000, 'first reply');
    assert.equal(actions.calls.length, 1);
    const third = await request({ type: 'checkpointNow' });
    assert.equal(third.ok, true);
  });

  it('allows agent actions only in states that permit them', async () => {
    await ready();
    assert.equal((await request({ type: 'pause' })).ok, true);
    data.feature.agentState = 'paused';
    const again = await request({ type: 'pause' });
    assert.equal((again.error as { code: string }).code, 'CONFLICT');
    assert.match((again.error as { message: string }).message, /Cannot pause now: the agent is paused/);
    assert.equal((await request({ type: 'resume' })).ok, true);
    data.feature.capabilities.messages = false;
    const msg = await request({ type: 'sendMessage', text: 'hello' });
    assert.match((msg.error as { message: string }).message, /takes no messages/);
    assert.deepEqual(actions.calls.map((c) => c[0]), ['pause', 'resume']);
  });

  it('passes AopError codes and messages through to the webview', async () => {
    actions.failWith = new AopError('ROLLBACK_FAILED', 'Checkpoint #9 is gone; pick another.');
    await ready();
    const r = await request({ type: 'rollbackFiles', seq: 9, paths: ['a.ts'] });
    assert.deepEqual(r.error, { code: 'ROLLBACK_FAILED', message: 'Checkpoint #9 is gone; pick another.' });
    actions.failWith = new Error('boom');
    const r2 = await request({ type: 'stop' });
    assert.equal((r2.error as { code: string }).code, 'INTERNAL');
    assert.ok(logger.lines.some((l) => l.startsWith('error') && l.includes('boom')));
  });

  it('streams live changes as coalesced updates, and refreshes the header on agent state', async () => {
    await ready();
    web.posted.length = 0;
    data.feature.agentState = 'paused';
    data.append({ t: 'checkpoint', ts: TS(10), feature: 'feat', seq: 3, commit: 'c3', tree: 't', parent: 'p', trigger: 'manual', files: [change('c.ts')], durationMs: 2, violations: [] });
    data.append({ t: 'message', ts: TS(11), feature: 'feat', id: 'm9', state: 'queued', text: 'status?', from: 'user' });
    data.append({ t: 'agent.state', ts: TS(12), feature: 'feat', from: 'running', to: 'paused' });
    data.append({ t: 'warning', ts: TS(12), feature: 'other-feature', message: 'not ours' });
    // The same feature id in another repository is another feature.
    data.changed.fire({ repoRoot: '/another-repo', featureId: 'feat', event: { t: 'warning', ts: TS(12), feature: 'feat', message: 'not ours either' } });
    await controller.whenIdle();
    const updates = web.ofType('update') as unknown as HostToWebview[];
    assert.equal(updates.length, 1);
    const u = updates[0]! as Extract<HostToWebview, { type: 'update' }>;
    assert.deepEqual(u.checkpoints?.map((c) => c.seq), [3]);
    assert.deepEqual(u.messages?.map((m) => [m.id, m.text]), [['m9', 'status?']]);
    assert.equal(u.feature?.agentState, 'paused');
    assert.equal(u.log?.length, 3);
    assert.ok(hostToWebviewSchema.safeParse(u).success);
  });

  it('holds changes that race the snapshot and delivers each exactly once', async () => {
    let open!: () => void;
    data.gate = new Promise((r) => (open = r));
    const raced: AopEvent = { t: 'warning', ts: TS(20), feature: 'feat', message: 'raced and in the snapshot' };
    const after: AopEvent = { t: 'warning', ts: TS(21), feature: 'feat', message: 'raced, not in the snapshot' };
    web.send({ type: 'ready', protocol: 1 }); // the reads start now and wait on the gate
    data.append(raced); // lands in the log before the reads finish: the snapshot holds it
    data.changed.fire({ repoRoot: REPO, featureId: 'feat', event: after }); // announced but read after: must be streamed
    open();
    await waitFor(() => web.ofType('snapshot').length === 1, 2000, 'snapshot');
    await controller.whenIdle();
    const snap = (web.ofType('snapshot')[0] as unknown as { snapshot: Snapshot }).snapshot;
    const streamed = web.ofType('update').flatMap((u) => (u.log as { summary: string }[] | undefined) ?? []);
    const all = [...snap.log, ...streamed].map((e) => e.summary);
    assert.deepEqual(all.filter((s) => s.startsWith('raced')).sort(), ['raced and in the snapshot', 'raced, not in the snapshot']);
  });

  it('tells the panel it missed a change when an update cannot be sent, stops streaming onto stale state, and reloads on ready', async () => {
    await ready();
    web.posted.length = 0;
    data.feature.provider = 'x'.repeat(500); // a header the schema refuses
    data.append({ t: 'agent.state', ts: TS(40), feature: 'feat', from: 'running', to: 'paused' });
    await controller.whenIdle();
    assert.deepEqual(web.posted.map((m) => (m as { type: string }).type), ['error']);
    assert.match(String(web.ofType('error')[0]!.message), /missed a change.*Reload/);
    assert.ok(logger.lines.some((l) => l.startsWith('error') && l.includes('refused to post an invalid update')));
    data.append({ t: 'warning', ts: TS(41), feature: 'feat', message: 'after the loss' });
    await controller.whenIdle();
    assert.equal(web.posted.length, 1, 'no more deltas onto a state the panel does not have');
    data.feature.provider = 'scripted';
    const snap = await ready();
    assert.equal(snap.feature.provider, 'scripted');
    assert.ok(snap.log.some((e) => e.summary === 'after the loss'));
  });

  it('stops streaming while hidden and sends a fresh snapshot on the next ready', async () => {
    await ready();
    controller.setVisible(false);
    web.posted.length = 0;
    data.append({ t: 'warning', ts: TS(30), feature: 'feat', message: 'while hidden' });
    await controller.whenIdle();
    assert.equal(web.posted.length, 0);
    const snap = await ready();
    assert.ok(snap.log.some((e) => e.summary === 'while hidden'));
  });

  it('serves change sets and diffs, summarising binary files', async () => {
    data.changeSets.set('1..2', {
      files: [change('b.ts', 'A'), change('img.png', 'M', { binary: true }), change('sub', 'M', { mode: '160000', oid: 'n'.repeat(40), oldOid: 'o'.repeat(40) })],
      violations: [{ kind: 'out_of_scope', severity: 'error', path: 'b.ts', message: 'no' }],
    });
    data.blobs.set('2:b.ts', 'one\ntwo\n');
    data.blobs.set('1:img.png', new Uint8Array([1, 0, 2]));
    data.blobs.set('2:img.png', new Uint8Array([1, 0, 3]));
    await ready();
    const cs = await request({ type: 'getChanges', range: { from: 1, to: 2 } });
    const files = (cs.result as { files: { path: string; violationCount: number }[] }).files;
    assert.deepEqual(files.map((f) => [f.path, f.violationCount]), [['b.ts', 1], ['img.png', 0], ['sub', 0]]);
    const text = await request({ type: 'getDiff', range: { from: 1, to: 2 }, path: 'b.ts' });
    assert.equal((text.result as { kind: string; added: number }).kind, 'text');
    assert.equal((text.result as { added: number }).added, 2);
    assert.ok(!data.calls.includes('readBlob 1 b.ts'), 'an added file has no old side to read');
    const bin = await request({ type: 'getDiff', range: { from: 1, to: 2 }, path: 'img.png' });
    assert.equal((bin.result as { kind: string }).kind, 'binary');
    const sub = await request({ type: 'getDiff', range: { from: 1, to: 2 }, path: 'sub' });
    assert.equal((sub.result as { kind: string }).kind, 'submodule');
    const missing = await request({ type: 'getDiff', range: { from: 1, to: 2 }, path: 'nope.ts' });
    assert.equal((missing.error as { code: string }).code, 'NOT_FOUND');
  });

  it('opens files inside the worktree and native diffs through the actions', async () => {
    await ready();
    await request({ type: 'openFile', path: 'src/a.ts', line: 7 });
    assert.deepEqual(ui.opened, [[path.resolve(data.worktree, 'src/a.ts'), 7]]);
    await request({ type: 'openNativeDiff', range: { from: 'base', to: 2 }, path: 'src/a.ts' });
    assert.deepEqual(actions.calls.at(-1), ['openNativeDiff', 'feat', 'src/a.ts', 'base', 2]);
  });

  it('filters the log by type on request', async () => {
    data.log = [
      { t: 'warning', ts: TS(1), feature: 'feat', message: 'w' },
      { t: 'gate', ts: TS(2), feature: 'feat', name: 'test', seq: 1, exitCode: 0, durationMs: 1, output: '', passed: true },
    ];
    await ready();
    const r = await request({ type: 'getLog', types: ['gate'] });
    assert.deepEqual((r.result as { t: string }[]).map((e) => e.t), ['gate']);
  });

  it('says why when the feature cannot be read', async () => {
    data.featureError = new AopError('NOT_FOUND', 'Feature "feat" does not exist.');
    web.send({ type: 'ready', protocol: 1 });
    await waitFor(() => web.ofType('unavailable').length === 1, 2000, 'unavailable');
    assert.match(String(web.ofType('unavailable')[0]!.message), /does not exist/);
  });

  it('logs what the webview reports, and releases its listeners on dispose', async () => {
    web.send({ type: 'log', level: 'error', message: 'refused a host message' });
    assert.ok(logger.lines.some((l) => l.startsWith('error') && l.includes('refused a host message')));
    assert.equal(data.listeners, 1);
    assert.equal(web.listeners, 1);
    controller.dispose();
    assert.equal(data.listeners, 0);
    assert.equal(web.listeners, 0);
    data.append({ t: 'warning', ts: TS(40), feature: 'feat', message: 'after dispose' });
    await controller.whenIdle();
    assert.equal(web.posted.length, 0);
  });
  it('sends the gates in the snapshot, and again when a gate ran or a checkpoint moved what they judge', async () => {
    data.gatesView = { seq: 2, gates: [{ name: 'lint', command: 'npm run lint', required: true, status: 'missing', hasOutput: false }] };
    const snap = await ready();
    assert.deepEqual(snap.gates.gates.map((g) => [g.name, g.status]), [['lint', 'missing']]);
    web.posted.length = 0;
    data.gatesView = { seq: 2, gates: [{ name: 'lint', command: 'npm run lint', required: true, status: 'failed', exitCode: 1, durationMs: 40, hasOutput: true }] };
    data.append({ t: 'gate', ts: TS(30), feature: 'feat', name: 'lint', seq: 2, exitCode: 1, durationMs: 40, output: 'x', passed: false });
    await controller.whenIdle();
    const u = web.ofType('update').at(-1) as unknown as Extract<HostToWebview, { type: 'update' }>;
    assert.deepEqual(u.gates?.gates.map((g) => [g.name, g.status, g.exitCode]), [['lint', 'failed', 1]]);
    assert.ok(hostToWebviewSchema.safeParse(u).success);
    // A run starting (no event yet) is announced as a gates change.
    web.posted.length = 0;
    data.gatesView = { seq: 2, gates: [{ ...data.gatesView.gates[0]!, status: 'running' }] };
    data.changed.fire({ repoRoot: REPO, featureId: 'feat', gates: true });
    await controller.whenIdle();
    assert.equal((web.ofType('update').at(-1) as unknown as { gates: { gates: { status: string }[] } }).gates.gates[0]!.status, 'running');
    // Other changes do not re-read the gates.
    web.posted.length = 0;
    data.calls.length = 0;
    data.append({ t: 'warning', ts: TS(31), feature: 'feat', message: 'unrelated' });
    await controller.whenIdle();
    assert.equal(data.calls.filter((c) => c === 'gates').length, 0);
    assert.equal((web.ofType('update').at(-1) as unknown as { gates?: unknown }).gates, undefined);
  });

  it('still shows the feature when its gates cannot be read', async () => {
    data.gatesError = new AopError('NOT_FOUND', 'the log is unreadable');
    const snap = await ready();
    assert.deepEqual(snap.gates, { seq: 0, gates: [] });
    assert.ok(logger.lines.some((l) => l.startsWith('warn') && l.includes('the log is unreadable')));
  });

  it('runs gates and opens a gate output through the actions; refusals reach the panel', async () => {
    await ready();
    const r = await request({ type: 'runGates', names: ['lint'] });
    assert.deepEqual(r.result, { status: 'done', summary: 'runGates done' });
    const o = await request({ type: 'openGateOutput', name: 'lint' });
    assert.deepEqual(o.result, { status: 'done' });
    assert.deepEqual(actions.calls, [
      ['runGates', 'feat', ['lint']],
      ['openGateOutput', 'feat', 'lint'],
    ]);
    actions.failWith = new AopError('UNTRUSTED', 'Gates do not run in an untrusted workspace.');
    const refused = await request({ type: 'runGates', names: [] });
    assert.deepEqual(refused.error, { code: 'UNTRUSTED', message: 'Gates do not run in an untrusted workspace.' });
    const bad = await request({ type: 'runGates', names: ['rm -rf'] });
    assert.equal((bad.error as { code: string }).code, 'INVALID_INPUT');
    assert.equal(actions.calls.length, 3, 'the refused name never reached the actions');
  });

  it('hands accept to the host, whose dialogs ask; says whether it was done or cancelled', async () => {
    await ready();
    const r = await request({ type: 'acceptFeature' });
    assert.deepEqual(r.result, { status: 'done', summary: 'Feature "feat" landed on main as 1234abcd (squash of checkpoint #2).' });
    actions.acceptResult = { cancelled: true, summary: 'Accept cancelled.' };
    const c = await request({ type: 'acceptFeature' });
    assert.deepEqual(c.result, { status: 'cancelled', summary: 'Accept cancelled.' });
    assert.equal(ui.confirms.length, 0, 'the panel does not ask: the accept dialog is the host\'s');
    const extra = await request({ type: 'acceptFeature', strategy: 'rebase' });
    assert.equal((extra.error as { code: string }).code, 'INVALID_INPUT', 'the strategy is chosen in the host, never sent by the webview');
  });
});
