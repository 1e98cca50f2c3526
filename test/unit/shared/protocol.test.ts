import { strict as assert } from 'node:assert';
import { LIMITS } from '../../../src/shared/limits';
import {
  hostToWebviewSchema,
  peekEnvelope,
  persistedStateSchema,
  REQUEST_TYPES,
  requestSchemas,
  resultSchemas,
  webviewToHostSchema,
  type WebviewRequest,
} from '../../../src/shared/protocol';
import { checkpoint, feature, gates, message, rollback, snapshot } from './fixtures';

const range = { from: 1, to: 2 } as const;

/** One valid example of every request type. */
const validRequests: WebviewRequest[] = [
  { type: 'getChanges', requestId: 1, range },
  { type: 'getChanges', requestId: 1, range: { from: 'base', to: 'worktree' } },
  { type: 'getDiff', requestId: 2, range, path: 'src/a.ts' },
  { type: 'getLog', requestId: 3, types: ['checkpoint', 'rollback'] },
  { type: 'getLog', requestId: 3, types: [] },
  { type: 'rollbackToCheckpoint', requestId: 4, seq: 0 },
  { type: 'rollbackFiles', requestId: 5, seq: 3, paths: ['a', 'b/c.txt'] },
  { type: 'rollbackFiles', requestId: 5, seq: 'base', paths: ['a'] },
  { type: 'smartRollback', requestId: 6 },
  { type: 'undoRollback', requestId: 7 },
  { type: 'start', requestId: 8 },
  { type: 'pause', requestId: 9 },
  { type: 'resume', requestId: 10 },
  { type: 'stop', requestId: 11 },
  { type: 'sendMessage', requestId: 12, text: 'please fix the tests ✓' },
  { type: 'checkpointNow', requestId: 13 },
  { type: 'openNativeDiff', requestId: 14, range: { from: 'base', to: 5 }, path: 'README.md' },
  { type: 'openFile', requestId: 15, path: 'src/a.ts', line: 3 },
  { type: 'openFile', requestId: 15, path: 'src/a.ts' },
  { type: 'runGates', requestId: 16, names: [] },
  { type: 'runGates', requestId: 16, names: ['lint', 'unit-tests', 'e2e.v2'] },
  { type: 'openGateOutput', requestId: 17, name: 'unit_tests' },
  { type: 'acceptFeature', requestId: 18 },
  { type: 'reviewOutside', requestId: 19, path: '.git/config', area: 'git' },
  { type: 'addComment', requestId: 20, path: 'src/a.ts', startLine: 2, endLine: 4, at: 3, body: 'rename this' },
  { type: 'addComment', requestId: 20, path: 'src/a.ts', startLine: 1, endLine: 1, at: 'worktree', body: 'and this ✓' },
  { type: 'replyComment', requestId: 21, threadId: 't-m1abc-0a1b2c', body: 'still wrong' },
  { type: 'sendReview', requestId: 21 },
  { type: 'sendReview', requestId: 22, threadIds: ['t-m1abc-0a1b2c'] },
  { type: 'resolveThread', requestId: 23, threadId: 't-m1abc-0a1b2c', resolved: true },
];


function rejects(msg: unknown, why?: RegExp): void {
  const r = webviewToHostSchema.safeParse(msg);
  assert.equal(r.success, false, `expected rejection of ${JSON.stringify(msg).slice(0, 200)}`);
  if (why) assert.match(JSON.stringify(r.error.issues), why);
}

describe('shared/protocol: webview -> host', () => {
  it('accepts every valid message, covering every request type', () => {
    for (const m of [{ type: 'ready', protocol: 1 }, { type: 'log', level: 'warn', message: 'x' }, ...validRequests]) {
      const r = webviewToHostSchema.safeParse(m);
      assert.ok(r.success, `${JSON.stringify(m)}: ${r.error?.message}`);
    }
    assert.deepEqual(new Set(validRequests.map((r) => r.type)), new Set(REQUEST_TYPES));
    assert.deepEqual(Object.keys(resultSchemas).sort(), [...REQUEST_TYPES].sort());
  });

  it('rejects unknown types and non-objects', () => {
    rejects({ type: 'deleteEverything', requestId: 1 });
    rejects({ type: 'ready', protocol: 2 });
    rejects(null);
    rejects('ready');
    rejects([{ type: 'ready', protocol: 1 }]);
    rejects({});
  });

  it('rejects missing fields, wrong types and unknown keys', () => {
    rejects({ type: 'getDiff', requestId: 1, range }, /path/);
    rejects({ type: 'getDiff', range, path: 'a' }, /requestId/);
    rejects({ type: 'reviewOutside', requestId: 1, path: '.git/config', area: 'elsewhere' }, /area/);
    rejects({ type: 'rollbackToCheckpoint', requestId: 1, seq: '3' });
    rejects({ type: 'rollbackToCheckpoint', requestId: 1, seq: -1 });
    rejects({ type: 'rollbackToCheckpoint', requestId: 1, seq: 1.5 });
    rejects({ type: 'rollbackToCheckpoint', requestId: 0, seq: 1 });
    rejects({ type: 'getChanges', requestId: 1, range: { from: 5, to: 2 } }, /before/);
    rejects({ type: 'getChanges', requestId: 1, range: { from: 'worktree', to: 2 } });
    rejects({ type: 'getLog', requestId: 1, types: ['nope'] });
    rejects({ type: 'pause', requestId: 1, featureId: 'other' }, /unrecognized/i);
    rejects({ type: 'sendMessage', requestId: 1, text: 42 });
    rejects({ type: 'sendMessage', requestId: 1, text: '   ' }, /blank/);
    rejects({ type: 'rollbackFiles', requestId: 1, seq: 1, paths: [] });
    rejects({ type: 'runGates', requestId: 1 }, /names/);
    rejects({ type: 'openGateOutput', requestId: 1 }, /name/);
    rejects({ type: 'addComment', requestId: 1, path: '../etc/passwd', startLine: 1, endLine: 1, at: 1, body: 'x' });
    rejects({ type: 'addComment', requestId: 1, path: 'src/a.ts', startLine: 0, endLine: 1, at: 1, body: 'x' });
    rejects({ type: 'addComment', requestId: 1, path: 'src/a.ts', startLine: 1, endLine: 1, at: 1, body: '  ' }, /blank/);
    rejects({ type: 'addComment', requestId: 1, path: 'src/a.ts', startLine: 1, endLine: 1, at: 'base', body: 'x' });
    rejects({ type: 'replyComment', requestId: 1, threadId: '../t', body: 'x' }, /thread id/);
    rejects({ type: 'resolveThread', requestId: 1, threadId: 't-m1abc-0a1b2c' }, /resolved/);
  });

  it('refuses gate names the plan could not hold (no paths, no shell)', () => {
    for (const bad of ['', '-lint', '../x', 'a/b', 'rm -rf', 'x'.repeat(65), '$(id)', 'lint;ls']) {
      rejects({ type: 'runGates', requestId: 1, names: ['ok', bad] }, /gate name/);
      rejects({ type: 'openGateOutput', requestId: 1, name: bad }, /gate name/);
    }
    rejects({ type: 'runGates', requestId: 1, names: Array.from({ length: LIMITS.gates + 1 }, (_, i) => `g${i}`) });
  });

  it('rejects oversized payloads', () => {
    rejects({ type: 'sendMessage', requestId: 1, text: 'x'.repeat(LIMITS.messageTextBytes + 1) }, /KiB/);
    // 22,000 three-byte characters: under 64 K characters, over 64 KiB of UTF-8.
    rejects({ type: 'sendMessage', requestId: 1, text: '€'.repeat(22_000) }, /KiB/);
    assert.ok(webviewToHostSchema.safeParse({ type: 'sendMessage', requestId: 1, text: 'x'.repeat(LIMITS.messageTextBytes) }).success);
    const paths = Array.from({ length: LIMITS.paths + 1 }, (_, i) => `f${i}`);
    rejects({ type: 'rollbackFiles', requestId: 1, seq: 1, paths });
    assert.ok(webviewToHostSchema.safeParse({ type: 'rollbackFiles', requestId: 1, seq: 1, paths: paths.slice(1) }).success);
    rejects({ type: 'log', level: 'warn', message: 'x'.repeat(LIMITS.shortText + 1) });
  });

  it('rejects a rollback of a path outside the worktree', () => {
    for (const bad of ['../secrets', '/etc/passwd', 'a/../../b', '.git/config', 'C:\\x', 'a\\..\\..\\b', '']) {
      rejects({ type: 'rollbackFiles', requestId: 1, seq: 1, paths: ['ok.txt', bad] }, /path|too small|empty/i);
      rejects({ type: 'getDiff', requestId: 1, range, path: bad });
      rejects({ type: 'openFile', requestId: 1, path: bad });
    }
  });

  it('peeks at type and requestId of a message it will refuse', () => {
    assert.deepEqual(peekEnvelope({ type: 'getDiff', requestId: 7, path: '../x' }), { type: 'getDiff', requestId: 7 });
    assert.deepEqual(peekEnvelope({ requestId: -1 }), {});
    assert.deepEqual(peekEnvelope('x'), {});
  });

  it('exposes one schema per request type with the literal type', () => {
    for (const t of REQUEST_TYPES) assert.equal(requestSchemas[t].shape.type.value, t);
  });
});

describe('shared/protocol: host -> webview', () => {
  it('accepts snapshot, update and both kinds of reply', () => {
    const ok = [
      { type: 'snapshot', protocol: 1, snapshot },
      { type: 'update', feature },
      { type: 'update', gates },
      { type: 'update', gates: { seq: 0, gates: [] } },
      { type: 'update', checkpoints: [checkpoint(3, '2025-01-01T11:00:00Z')], messages: [message('m2', '2025-01-01T11:00:00Z')], rollbacks: [rollback('2025-01-01T11:00:00Z')], log: [] },
      { type: 'reply', requestId: 1, ok: true, result: { anything: 1 } },
      { type: 'reply', requestId: 1, ok: false, error: { code: 'INVALID_PATH', message: 'no' } },
      { type: 'unavailable', message: 'Feature "x" was deleted.' },
    ];
    for (const m of ok) {
      const r = hostToWebviewSchema.safeParse(m);
      assert.ok(r.success, `${JSON.stringify(m).slice(0, 100)}: ${r.error?.message}`);
    }
  });

  it('rejects malformed host messages', () => {
    const bad = [
      { type: 'snapshot', protocol: 1 },
      { type: 'snapshot', protocol: 1, snapshot: { ...snapshot, feature: { ...feature, id: '../x' } } },
      { type: 'snapshot', protocol: 1, snapshot: { ...snapshot, feature: { ...feature, agentState: 'dancing' } } },
      { type: 'update', checkpoints: [{ ...checkpoint(1, 'x'), seq: -1 }] },
      { type: 'update', extra: true },
      { type: 'snapshot', protocol: 1, snapshot: { ...snapshot, gates: undefined } },
      { type: 'update', gates: { seq: 1, gates: [{ ...gates.gates[0], status: 'flaky' }] } },
      { type: 'update', gates: { seq: 1, gates: [{ ...gates.gates[0], name: '../x' }] } },
      { type: 'update', gates: { seq: 1, gates: [{ ...gates.gates[0], hasOutput: undefined }] } },
      { type: 'update', gates: { seq: -1, gates: [] } },
      { type: 'update', gates: { seq: 1, gates: [], extra: 1 } },
      { type: 'reply', requestId: 1, ok: false },
      { type: 'reply', requestId: 1, ok: true },
      { type: 'eval', code: 'alert(1)' },
    ];
    for (const m of bad) assert.equal(hostToWebviewSchema.safeParse(m).success, false, JSON.stringify(m).slice(0, 200));
  });

  it('checks each reply result against its request type', () => {
    assert.ok(resultSchemas.rollbackFiles.safeParse({ status: 'cancelled' }).success);
    assert.equal(resultSchemas.rollbackFiles.safeParse({ status: 'maybe' }).success, false);
    assert.ok(resultSchemas.getChanges.safeParse({ range, files: [], violations: [] }).success);
    assert.equal(resultSchemas.getChanges.safeParse({ status: 'done' }).success, false);
    assert.ok(resultSchemas.runGates.safeParse({ status: 'done', summary: 'Gates on #3: all 2 passed' }).success);
    assert.equal(resultSchemas.openGateOutput.safeParse({ gates: [] }).success, false);
  });

  it('reads back persisted state with a valid feature id only', () => {
    assert.ok(persistedStateSchema.safeParse({ v: 1, featureId: 'abc', tab: 'log' }).success);
    assert.equal(persistedStateSchema.safeParse({ v: 1, featureId: '../abc' }).success, false);
    assert.equal(persistedStateSchema.safeParse(undefined).success, false);
  });
});
