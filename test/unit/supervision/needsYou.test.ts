/** The "Needs you" queue: what waits, from the log and the standing state, in urgency order. */
import * as assert from 'node:assert/strict';
import { AttentionFold } from '../../../src/core/supervision/attentionFold';
import { dismissalKey, needsYouItems, type FeatureAttention } from '../../../src/core/supervision/needsYou';
import type { PendingPermission } from '../../../src/core/supervision/permissionBroker';
import type { Violation } from '../../../src/core/model/types';
import { NEEDS_YOU_KINDS } from '../../../src/shared/needsYou';
import { clock } from './events';

const R = '/repo';

function feature(featureId: string, fold: AttentionFold, more: Partial<FeatureAttention> = {}): FeatureAttention {
  return { repoRoot: R, featureId, violations: [], breaker: { open: false, errors: [] }, facts: fold.facts(), ...more };
}

describe('Needs you queue', () => {
  it('lists every kind, most urgent first, the longest waiting first within a kind', () => {
    const c = clock();
    const a = new AttentionFold();
    const b = new AttentionFold();
    // b: a message given up on, a failed gate, then a finished turn.
    for (const e of [
      c.ev({ t: 'agent.state', from: 'none', to: 'queued' }),
      c.ev({ t: 'agent.state', from: 'queued', to: 'starting' }),
      c.ev({ t: 'agent.state', from: 'starting', to: 'running' }),
      c.ev({ t: 'message', id: 'm1', state: 'queued', from: 'user', text: 'please also fix the docs' }),
      c.ev({ t: 'message', id: 'm1', state: 'undelivered', from: 'user', reason: 'no acknowledgement' }),
      c.ev({ t: 'gate', name: 'test', seq: 3, exitCode: 1, durationMs: 10, output: 'x', passed: false }),
      c.ev({ t: 'agent.update', kind: 'turn.end', data: { turn: 1, stopReason: 'end_turn' } }),
    ])
      b.apply(e);
    // a: failed earlier than anything in b, and has a budget reached.
    a.apply(c.ev({ t: 'agent.state', from: 'running', to: 'failed', reason: 'exit code 2: bad flag' }, 0.5));
    a.apply(c.ev({ t: 'budget', kind: 'tokens', state: 'reached', used: 1200, limit: 1000 }, 20));
    const critical: Violation = { kind: 'symlink_escape', severity: 'critical', path: 'src/evil', message: 'src/evil points outside' };
    const perm: PendingPermission & { repoRoot: string } = { repoRoot: R, id: 'p1', featureId: 'b', title: 'Run npm test', kind: 'execute', paths: [], rule: 'commands always ask', since: new Date(c.at(30)).toISOString() };
    const items = needsYouItems(
      [
        feature('a', a, { agentState: 'failed', breaker: { open: true, errors: ['git failed'] } }),
        feature('b', b, { agentState: 'running', violations: [critical, { ...critical, severity: 'error', path: 'src/x' }] }),
      ],
      [perm],
    );
    assert.deepEqual(
      items.map((i) => `${i.kind}:${i.featureId}`),
      ['permission:b', 'critical_violation:b', 'budget_reached:a', 'breaker_open:a', 'agent_failed:a', 'gate_failed:b', 'message_undelivered:b', 'turn_ended:b'],
    );
    // Every kind has its place in the urgency order, and the items follow it.
    assert.deepEqual([...new Set(items.map((i) => i.kind))], [...NEEDS_YOU_KINDS]);
    const p = items[0]!;
    assert.match(p.detail, /commands always ask/, 'the rule that made it an ask is shown');
    assert.deepEqual(p.actions, ['allow', 'deny']);
    assert.deepEqual(items[1]!.open, { kind: 'file', path: 'src/evil' });
    assert.deepEqual(items.find((i) => i.kind === 'gate_failed')!.open, { kind: 'gate', gate: 'test' });
    assert.match(items.find((i) => i.kind === 'message_undelivered')!.title, /please also fix the docs/);
    assert.deepEqual(items.find((i) => i.kind === 'budget_reached')!.actions, ['extend', 'accept', 'stop']);
  });

  it('orders two items of one kind by how long they have waited', () => {
    const c = clock();
    const x = new AttentionFold();
    const y = new AttentionFold();
    y.apply(c.ev({ t: 'gate', name: 'lint', seq: 1, exitCode: 1, durationMs: 1, output: '', passed: false }, 5));
    x.apply(c.ev({ t: 'gate', name: 'lint', seq: 1, exitCode: 1, durationMs: 1, output: '', passed: false }, 9));
    const items = needsYouItems([feature('x', x), feature('y', y)], []);
    assert.deepEqual(
      items.map((i) => i.featureId),
      ['y', 'x'],
    );
  });

  it('drops what was dealt with: a gate that passed, a restarted agent, a reply to a finished turn, a dismissal', () => {
    const c = clock();
    const f = new AttentionFold();
    f.apply(c.ev({ t: 'gate', name: 'test', seq: 1, exitCode: 1, durationMs: 1, output: '', passed: false }));
    f.apply(c.ev({ t: 'agent.state', from: 'running', to: 'failed', reason: 'boom' }));
    let kinds = needsYouItems([feature('f', f)], []).map((i) => i.kind);
    assert.deepEqual(kinds, ['agent_failed', 'gate_failed']);

    f.apply(c.ev({ t: 'gate', name: 'test', seq: 2, exitCode: 0, durationMs: 1, output: '', passed: true }));
    f.apply(c.ev({ t: 'agent.state', from: 'none', to: 'queued' }));
    f.apply(c.ev({ t: 'agent.state', from: 'starting', to: 'running' }));
    f.apply(c.ev({ t: 'agent.update', kind: 'turn.end', data: {} }));
    kinds = needsYouItems([feature('f', f, { agentState: 'running' })], []).map((i) => i.kind);
    assert.deepEqual(kinds, ['turn_ended']);

    // The person replied: the turn was looked at.
    f.apply(c.ev({ t: 'message', id: 'm2', state: 'queued', from: 'user', text: 'go on' }));
    assert.deepEqual(needsYouItems([feature('f', f, { agentState: 'running' })], []), []);

    f.apply(c.ev({ t: 'agent.update', kind: 'turn.end', data: {} }));
    const [turn] = needsYouItems([feature('f', f, { agentState: 'running' })], []);
    assert.equal(turn!.kind, 'turn_ended');
    f.apply(c.ev({ t: 'attention', dismissed: dismissalKey(turn!) }));
    assert.deepEqual(needsYouItems([feature('f', f, { agentState: 'running' })], []), []);
  });

  it('keeps a dismissal across a restart: the log folded again gives the same queue', () => {
    const c = clock();
    const events = [
      c.ev({ t: 'message', id: 'm9', state: 'queued', from: 'system', text: 'rolled back 3 files' }),
      c.ev({ t: 'message', id: 'm9', state: 'undelivered', from: 'system', reason: 'the agent exited before acknowledging' }),
      c.ev({ t: 'message', id: 'm10', state: 'queued', from: 'user', text: 'second' }),
      c.ev({ t: 'message', id: 'm10', state: 'undelivered', from: 'user' }),
    ];
    const first = new AttentionFold();
    for (const e of events) first.apply(e);
    const items = needsYouItems([feature('f', first)], []);
    assert.equal(items.length, 2);
    const again = new AttentionFold();
    for (const e of [...events, c.ev({ t: 'attention', dismissed: dismissalKey(items[0]!) })]) again.apply(e);
    assert.deepEqual(
      needsYouItems([feature('f', again)], []).map((i) => i.id),
      [items[1]!.id],
    );
  });

  it('a finished turn of an agent no longer running is not shown, but a completed run is', () => {
    const c = clock();
    const f = new AttentionFold();
    f.apply(c.ev({ t: 'agent.update', kind: 'turn.end', data: {} }));
    assert.deepEqual(needsYouItems([feature('f', f, { agentState: 'exited' })], []), []);
    f.apply(c.ev({ t: 'agent.state', from: 'running', to: 'exited', reason: 'completed', exitCode: 0 }));
    assert.deepEqual(
      needsYouItems([feature('f', f, { agentState: 'exited' })], []).map((i) => i.title),
      ['Agent finished: review its work'],
    );
    // Stopped by the person: nothing to review on its behalf.
    f.apply(c.ev({ t: 'agent.state', from: 'none', to: 'queued' }));
    f.apply(c.ev({ t: 'agent.state', from: 'running', to: 'exited', reason: 'stopped by user (exit code 0)' }));
    assert.deepEqual(needsYouItems([feature('f', f, { agentState: 'exited' })], []), []);
  });
});
