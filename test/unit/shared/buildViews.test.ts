import { strict as assert } from 'node:assert';
import type { AopEvent } from '../../../src/core/events/schema';
import type { CheckpointRecord, FileChange, Violation } from '../../../src/core/model/types';
import {
  applyMessageEvent,
  checkpointSummary,
  checkpointSummaryFromEvent,
  clip,
  clipBytes,
  conversationFromEvents,
  eventView,
  fileChangeViews,
  gatesView,
  rollbackView,
  violationView,
} from '../../../src/shared/buildViews';
import { agentFailureText } from '../../../src/shared/words';
import { LIMITS, utf8Length } from '../../../src/shared/limits';
import { checkpointSummarySchema, eventViewSchema, fileChangeViewSchema, gatesViewSchema, messageViewSchema, rollbackViewSchema, type MessageView } from '../../../src/shared/viewModels';

const ts = '2025-01-01T10:00:00.000Z';
const file = (path: string, over: Partial<FileChange> = {}): FileChange => ({ path, status: 'M', mode: '100644', added: 2, removed: 1, ...over });
const violation = (path: string, severity: Violation['severity'], kind: Violation['kind'] = 'out_of_scope'): Violation => ({ path, severity, kind, message: `${kind} on ${path}` });

const record: CheckpointRecord = {
  featureId: 'f',
  seq: 7,
  commit: 'c'.repeat(40),
  tree: 't'.repeat(40),
  parent: 'p'.repeat(40),
  time: ts,
  trigger: 'watch',
  files: [file('a.ts'), file('b.png', { binary: true, added: undefined, removed: undefined }), file('c.ts', { status: 'A', added: 5, removed: 0 }), file('d.ts')],
  durationMs: 30,
  violations: [violation('a.ts', 'warning'), violation('a.ts', 'critical', 'secret_detected'), violation('', 'error', 'too_many_files')],
  notSnapshotted: [{ path: 'big.iso', reason: 'too large' }],
};

/** One event of every type, to check every one turns into a valid view. */
const everyEvent: AopEvent[] = [
  { t: 'feature.created', ts, feature: 'f', baseRef: 'main', baseCommit: 'x', branch: 'aop/f', worktree: '/w' },
  { t: 'feature.deleted', ts, feature: 'f' },
  { t: 'files.changed', ts, feature: 'f', paths: ['a'], count: 1 },
  { t: 'checkpoint', ts, feature: 'f', seq: 1, commit: 'c', tree: 't', parent: 'p', trigger: 'manual', files: [file('a')], durationMs: 3, violations: [] },
  { t: 'checkpoint.failed', ts, feature: 'f', error: 'disk full', code: 'GIT_FAILED' },
  { t: 'checkpoint.degraded', ts, feature: 'f', reason: 'slow', durationMs: 900 },
  { t: 'validation', ts, feature: 'f', seq: 1, durationMs: 2, checked: 3, cacheHits: 1, violations: 0 },
  { t: 'violation.critical', ts, feature: 'f', violations: [violation('.git/x', 'critical', 'git_dir_write')] },
  { t: 'rollback', ts, feature: 'f', kind: 'files', targetSeq: 1, preRollbackSeq: 4, paths: ['a'], ok: false, mismatches: ['a'] },
  { t: 'watcher', ts, feature: 'f', state: 'overflow', backend: 'native' },
  { t: 'reconcile', ts, feature: 'f', reason: 'start', changed: 2, durationMs: 5 },
  { t: 'agent.state', ts, feature: 'f', from: 'running', to: 'paused', reason: 'critical violation' },
  { t: 'agent.output', ts, feature: 'f', stream: 'stderr', text: 'x'.repeat(100_000) },
  { t: 'agent.update', ts, feature: 'f', kind: 'tool_call', data: { deep: { nested: [1, 2, 3] } } },
  { t: 'agent.usage', ts, feature: 'f', inputTokens: 10, outputTokens: 20, costUsd: 0.01 },
  { t: 'agent.permission', ts, feature: 'f', tool: 'write', decision: 'deny', reason: 'forbidden', path: 'x' },
  { t: 'message', ts, feature: 'f', id: 'm1', state: 'queued', text: 'hi', from: 'user' },
  { t: 'breaker', ts, feature: 'f', state: 'open', failures: 3 },
  { t: 'gate', ts, feature: 'f', name: 'tests', seq: 2, exitCode: 1, durationMs: 100, output: 'fail', passed: false },
  { t: 'warning', ts, feature: 'f', message: 'careful' },
  { t: 'feature.accepted', ts, feature: 'f', seq: 4, strategy: 'squash', commit: 'abcdef0123456789', target: 'refs/heads/main', landed: true },
];

describe('shared/buildViews', () => {
  it('summarises a checkpoint: counts, severities, sample paths', () => {
    const s = checkpointSummary(record);
    assert.ok(checkpointSummarySchema.safeParse(s).success);
    assert.deepEqual(
      { files: s.fileCount, added: s.added, removed: s.removed, bin: s.binaryFiles, v: s.violations, sample: s.samplePaths, ns: s.notSnapshotted },
      { files: 4, added: 9, removed: 2, bin: 1, v: { critical: 1, error: 1, warning: 1 }, sample: ['a.ts', 'b.png', 'c.ts'], ns: 1 },
    );
    const fromEvent = checkpointSummaryFromEvent(everyEvent[3] as Extract<AopEvent, { t: 'checkpoint' }>);
    assert.equal(fromEvent.time, ts);
    assert.equal(fromEvent.trigger, 'manual');
  });

  it('marks files with their violation count and worst severity', () => {
    const views = fileChangeViews(record.files, record.violations);
    for (const v of views) assert.ok(fileChangeViewSchema.safeParse(v).success);
    assert.deepEqual(
      views.map((v) => [v.path, v.violationCount, v.worstSeverity ?? '-', v.binary]),
      [
        ['a.ts', 2, 'critical', false],
        ['b.png', 0, '-', true],
        ['c.ts', 0, '-', false],
        ['d.ts', 0, '-', false],
      ],
    );
    assert.equal(fileChangeViews([file('x', { oldMode: '100644', mode: '100755' })], [])[0]!.oldMode, '100644');
    assert.equal(fileChangeViews([file('x', { oldMode: '100644' })], [])[0]!.oldMode, undefined);
  });

  it('turns every event type into a valid, bounded log row', () => {
    everyEvent.forEach((ev, n) => {
      const view = eventView(ev, n);
      const r = eventViewSchema.safeParse(view);
      assert.ok(r.success, `${ev.t}: ${r.error?.message}`);
      assert.ok(view.summary.length > 0 && !view.summary.includes('\n'), ev.t);
    });
    assert.equal(eventView(everyEvent[4]!, 0).level, 'error');
    assert.equal(eventView(everyEvent[9]!, 0).level, 'warning');
    assert.equal(eventView(everyEvent[11]!, 0).summary, 'Agent paused: critical violation');
    const state = (from: string, to: string, exitCode?: number) => eventView({ t: 'agent.state', ts, feature: 'f', from, to, ...(exitCode !== undefined ? { exitCode } : {}) }, 0).summary;
    assert.equal(state('none', 'queued'), 'Agent waiting for a free slot', 'no internal state names');
    assert.equal(state('paused', 'running'), 'Agent resumed');
    assert.equal(state('running', 'exited', 2), 'Agent exited with code 2');
    for (const ev of everyEvent) assert.doesNotMatch(eventView(ev, 0).summary, /Breaker|breaker|→|\(s\)/, `${ev.t}: no jargon`);
    assert.ok(eventView(everyEvent[12]!, 0).detail.endsWith('…'));
  });

  it('a failed rollback reads as an error naming how many paths were not restored; one that left paths in place warns', () => {
    const failed = eventView(everyEvent[8]!, 0);
    assert.equal(failed.level, 'error');
    assert.match(failed.summary, /FAILED \(1 path not restored\)/);
    const partial: AopEvent = { t: 'rollback', ts, feature: 'f', kind: 'smart', targetSeq: -1, preRollbackSeq: 4, paths: ['a'], ok: true, skipped: [{ path: 'nested', reason: 'nested repository' }] };
    const view = eventView(partial, 0);
    assert.equal(view.level, 'warning');
    assert.match(view.summary, /1 path left in place/);
    assert.equal(rollbackView(partial as Extract<AopEvent, { t: 'rollback' }>).skippedCount, 1);
  });

  it('folds message events into one conversation entry per id, keeping the text', () => {
    const events: AopEvent[] = [
      { t: 'message', ts: '2025-01-01T10:00:00Z', feature: 'f', id: 'm1', state: 'queued', text: 'fix it', from: 'user' },
      { t: 'message', ts: '2025-01-01T10:00:01Z', feature: 'f', id: 'm1', state: 'delivered', attempt: 1 },
      { t: 'message', ts: '2025-01-01T10:00:02Z', feature: 'f', id: 'm2', state: 'queued', text: 'done', from: 'agent' },
      { t: 'message', ts: '2025-01-01T10:00:03Z', feature: 'f', id: 'm1', state: 'acknowledged' },
      { t: 'warning', ts, feature: 'f', message: 'unrelated' },
    ];
    const conv = conversationFromEvents(events);
    assert.deepEqual(
      conv.map((m) => [m.id, m.from, m.text, m.state, m.time, m.updated]),
      [
        ['m1', 'user', 'fix it', 'acknowledged', '2025-01-01T10:00:00Z', '2025-01-01T10:00:03Z'],
        ['m2', 'agent', 'done', 'queued', '2025-01-01T10:00:02Z', '2025-01-01T10:00:02Z'],
      ],
    );
    const map = new Map<string, MessageView>();
    applyMessageEvent(map, { t: 'message', ts, feature: 'f', id: 'm3', state: 'queued', text: 'x' });
    const undelivered = applyMessageEvent(map, { t: 'message', ts, feature: 'f', id: 'm3', state: 'undelivered', reason: 'agent exited' });
    assert.equal(undelivered.reason, 'agent exited');
    assert.ok(messageViewSchema.safeParse(undelivered).success);
  });

  it('bounds huge agent messages to the protocol limit', () => {
    const huge = applyMessageEvent(new Map(), { t: 'message', ts, feature: 'f', id: 'big', state: 'delivered', text: '€'.repeat(50_000), from: 'agent' });
    assert.ok(utf8Length(huge.text) <= LIMITS.messageTextBytes);
    assert.ok(messageViewSchema.safeParse(huge).success);
  });

  it('describes rollbacks with at most 50 paths', () => {
    const r = rollbackView({ t: 'rollback', ts, feature: 'f', kind: 'smart', targetSeq: 0, preRollbackSeq: 9, paths: Array.from({ length: 80 }, (_, i) => `p${i}`), ok: true, resultSeq: 10 });
    assert.ok(rollbackViewSchema.safeParse(r).success);
    assert.equal(r.paths.length, 50);
    assert.equal(r.pathCount, 80);
    assert.equal(r.resultSeq, 10);
  });

  it('clips strings and drops invalid line numbers', () => {
    assert.equal(clip('abcdef', 4), 'abc…');
    assert.equal(clip('abc', 4), 'abc');
    assert.equal(clipBytes('ab€', 4), 'a…');
    assert.equal(clipBytes('ab€', 5), 'ab€');
    assert.ok(utf8Length(clipBytes('€€€€', 7)) <= 7);
    assert.equal(violationView({ ...violation('a', 'error'), line: 0 }).line, undefined);
    assert.equal(violationView({ ...violation('a', 'error'), line: 4 }).line, 4);
  });

  it('shows gates as judged at a checkpoint: evidence there, history elsewhere, running ones', () => {
    const ev = (seq: number, passed: boolean) => ({ seq, passed, exitCode: passed ? 0 : 2, durationMs: 31, ts, output: 'out' });
    const view = gatesView(
      4,
      [
        { name: 'lint', command: 'npm run lint', required: true, status: 'passed', evidence: ev(4, true), lastRun: ev(4, true) },
        { name: 'tests', command: 'npm test', required: true, status: 'failed', evidence: ev(4, false), lastRun: ev(4, false) },
        { name: 'e2e', command: 'x'.repeat(LIMITS.shortText + 50), required: false, status: 'missing', lastRun: ev(2, true) },
        { name: 'never', command: 'true', required: false, status: 'missing' },
      ],
      ['never'],
    );
    assert.ok(gatesViewSchema.safeParse(view).success);
    assert.equal(view.seq, 4);
    assert.deepEqual(
      view.gates.map((g) => [g.name, g.status, g.exitCode, g.lastRun, g.hasOutput]),
      [
        ['lint', 'passed', 0, undefined, true],
        ['tests', 'failed', 2, undefined, true],
        ['e2e', 'missing', undefined, { seq: 2, passed: true }, true],
        ['never', 'running', undefined, undefined, false],
      ],
    );
    assert.equal(view.gates[2]!.command.length, LIMITS.shortText);
  });
});

describe('shared/words: a failed agent in one notification', () => {
  it('gives the reason and the last lines it does not already quote, bounded', () => {
    const out = [{ text: 'starting' }, { text: '' }, { text: 'reading spec' }, { text: 'mytool: no API key set' }];
    assert.equal(agentFailureText('f', 'exit code 2: mytool: no API key set', out), 'The agent of f failed: exit code 2: mytool: no API key set. Last output: starting ⏎ reading spec');
    assert.equal(agentFailureText('f', undefined, []), 'The agent of f failed.');
    assert.ok(agentFailureText('f', 'x', [{ text: 'y'.repeat(5000) }]).length <= 400);
  });
});
