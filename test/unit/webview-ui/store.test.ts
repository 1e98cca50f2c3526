import { strict as assert } from 'node:assert';
import type { EventView } from '../../../src/shared/viewModels';
import { appendLog, applySnapshot, applyUpdate, currentRange, describeRange, filterLog, focusSeq, initialState, mergeCheckpoints, mergeMessages, mergeRollbacks } from '../../../webview-ui/src/store';
import { defaultUiState, restoreUiState } from '../../../webview-ui/src/uiState';
import { checkpoint, message, rollback, snapshot } from '../shared/fixtures';

const ev = (n: number, t: EventView['t'] = 'warning'): EventView => ({ n, t, ts: '2025-01-01T00:00:00Z', summary: `e${n}`, detail: '{}', level: 'info' });

describe('webview/store: merging live updates', () => {
  it('upserts checkpoints by seq, keeping them in order', () => {
    const a = [checkpoint(1, 't1'), checkpoint(3, 't3')];
    const merged = mergeCheckpoints(a, [checkpoint(2, 't2'), checkpoint(3, 't3b')]);
    assert.deepEqual(merged.map((c) => [c.seq, c.time]), [[1, 't1'], [2, 't2'], [3, 't3b']]);
    assert.equal(mergeCheckpoints(a, []), a, 'unchanged input keeps its identity (no re-render)');
  });

  it('upserts messages by id and appends new ones', () => {
    const merged = mergeMessages([message('a', 't1'), message('b', 't2')], [message('a', 't1', { state: 'acknowledged' }), message('c', 't3')]);
    assert.deepEqual(merged.map((m) => [m.id, m.state]), [['a', 'acknowledged'], ['b', 'delivered'], ['c', 'delivered']]);
  });

  it('ignores a rollback it already has', () => {
    const r = rollback('t1');
    assert.equal(mergeRollbacks([r], [{ ...r }]).length, 1);
    assert.equal(mergeRollbacks([r], [rollback('t2')]).length, 2);
  });

  it('appends log rows once, in order, bounded', () => {
    const log = appendLog([ev(1), ev(2)], [ev(2), ev(3), ev(4)], 3);
    assert.deepEqual(log.map((e) => e.n), [2, 3, 4]);
    assert.deepEqual(filterLog([ev(1, 'gate'), ev(2, 'warning')], ['gate']).map((e) => e.n), [1]);
    assert.equal(filterLog([ev(1)], []).length, 1);
  });

  it('applies a snapshot, then an update', () => {
    let s = applySnapshot(initialState(defaultUiState('login-form')), snapshot);
    assert.equal(s.checkpoints.length, 2);
    s = applyUpdate(s, { type: 'update', checkpoints: [checkpoint(3, '2025-01-01T10:10:00Z')], log: [ev(5, 'gate')], feature: { ...snapshot.feature, agentState: 'paused' } });
    assert.deepEqual(s.checkpoints.map((c) => c.seq), [1, 2, 3]);
    assert.equal(s.feature?.agentState, 'paused');
    assert.deepEqual(s.log.map((e) => e.n), [0, 5]);
  });

  it('a snapshot clears the stale notice (the reload worked)', () => {
    const s = applySnapshot({ ...initialState(defaultUiState('login-form')), stale: 'missed an update' }, snapshot);
    assert.equal(s.stale, undefined);
  });

  it('takes the gates from the snapshot and replaces them only when an update carries them', () => {
    let s = applySnapshot(initialState(defaultUiState('login-form')), snapshot);
    assert.deepEqual(s.gates?.gates.map((g) => g.status), ['passed', 'failed', 'missing']);
    s = applyUpdate(s, { type: 'update', log: [ev(6, 'warning')] });
    assert.equal(s.gates, snapshot.gates, 'an update without gates keeps them');
    s = applyUpdate(s, { type: 'update', gates: { seq: 3, gates: [] } });
    assert.deepEqual(s.gates, { seq: 3, gates: [] });
  });

  it('streams only log rows the type filter lets through', () => {
    const ui = { ...defaultUiState('login-form'), logTypes: ['gate' as const] };
    const s = applyUpdate(initialState(ui), { type: 'update', log: [ev(1, 'warning'), ev(2, 'gate')] });
    assert.deepEqual(s.log.map((e) => e.n), [2]);
  });
});

describe('webview/store: what the Changes tab compares', () => {
  const base = applySnapshot(initialState(defaultUiState('login-form')), {
    ...snapshot,
    checkpoints: [checkpoint(1, 't'), checkpoint(2, 't'), checkpoint(5, 't')],
  });
  const withUi = (patch: object) => ({ ...base, ui: { ...base.ui, ...patch } });

  it('follows the newest checkpoint, against the one before it', () => {
    assert.equal(focusSeq(base), 5);
    assert.deepEqual(currentRange(base), { from: 2, to: 5 });
  });

  it('shows the first checkpoint against the base', () => {
    assert.deepEqual(currentRange(withUi({ selectedSeq: 1 })), { from: 'base', to: 1 });
  });

  it('compares two checkpoints in either order', () => {
    assert.deepEqual(currentRange(withUi({ selectedSeq: 5, compareSeq: 1 })), { from: 1, to: 5 });
    assert.deepEqual(currentRange(withUi({ selectedSeq: 1, compareSeq: 5 })), { from: 1, to: 5 });
    assert.deepEqual(currentRange(withUi({ selectedSeq: 2, compareSeq: 2 })), { from: 1, to: 2 }, 'the same one twice is just that one');
  });

  it('shows everything since the base up to the selection', () => {
    assert.deepEqual(currentRange(withUi({ scope: 'base' })), { from: 'base', to: 5 });
    assert.deepEqual(currentRange(withUi({ scope: 'base', selectedSeq: 2, compareSeq: 1 })), { from: 'base', to: 2 });
  });

  it('falls back to the newest when the chosen checkpoint is gone, and to nothing without checkpoints', () => {
    assert.equal(focusSeq(withUi({ selectedSeq: 99 })), 5);
    assert.equal(currentRange({ ...base, checkpoints: [] }), undefined);
    assert.equal(describeRange({ from: 'base', to: 7 }), 'base → #7');
  });
});

describe('webview/uiState: restoring after a reload', () => {
  it('restores valid state for the same feature', () => {
    const ui = { ...defaultUiState('login-form'), tab: 'log' as const, selectedSeq: 3, selectedPath: 'src/a.ts' };
    assert.deepEqual(restoreUiState(JSON.parse(JSON.stringify(ui)), 'login-form'), ui);
    assert.ok(restoreUiState(ui));
  });

  it('drops state that is invalid or for another feature', () => {
    const ui = defaultUiState('login-form');
    assert.equal(restoreUiState(ui, 'other'), undefined);
    assert.equal(restoreUiState({ ...ui, tab: 'secrets' }), undefined);
    assert.equal(restoreUiState({ ...ui, selectedPath: '../../etc/passwd' }), undefined);
    assert.equal(restoreUiState({ ...ui, featureId: '../x' }), undefined);
    assert.equal(restoreUiState(null), undefined);
  });
});
