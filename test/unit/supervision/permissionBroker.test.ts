/** Permission requests held for the person: answered from the queue or elsewhere, the first answer wins. */
import * as assert from 'node:assert/strict';
import type { PermissionQuery } from '../../../src/core/agents';
import { PermissionBroker } from '../../../src/core/supervision/permissionBroker';

const query = (over: Partial<PermissionQuery> = {}): PermissionQuery & { rule: string } => ({
  featureId: 'f',
  toolCall: { toolCallId: 't1' },
  title: 'Run npm test',
  kind: 'execute',
  paths: ['package.json'],
  outsidePaths: [],
  writes: [],
  rule: 'commands always ask',
  ...over,
});

describe('PermissionBroker', () => {
  it('holds a request until it is answered in place, with its paths and rule', async () => {
    const b = new PermissionBroker();
    const seen: number[] = [];
    b.onDidChange((p) => seen.push(p.length));
    const answer = b.ask(query(), new AbortController().signal);
    const [p] = b.pending();
    assert.equal(p!.title, 'Run npm test');
    assert.deepEqual(p!.paths, ['package.json']);
    assert.equal(p!.rule, 'commands always ask');
    assert.equal(b.answer(p!.id, 'allow'), true);
    assert.equal(await answer, 'allow');
    assert.deepEqual(b.pending(), []);
    assert.equal(b.answer(p!.id, 'deny'), false, 'a settled request cannot be answered again');
    assert.deepEqual(seen, [1, 0]);
  });

  it('withdraws a request when the agent stops waiting (its deadline), as a deny', async () => {
    const b = new PermissionBroker();
    const ctrl = new AbortController();
    const answer = b.ask(query(), ctrl.signal);
    ctrl.abort();
    assert.equal(await answer, 'deny');
    assert.deepEqual(b.pending(), []);
  });

  it('races another asker (a notification): the first answer wins and the other is told to stop asking', async () => {
    const b = new PermissionBroker();
    let otherSignal: AbortSignal | undefined;
    let answerOther!: (a: 'allow' | 'deny') => void;
    const answer = b.ask(query(), new AbortController().signal, (_q, signal) => {
      otherSignal = signal;
      return new Promise((r) => (answerOther = r));
    });
    b.answer(b.pending()[0]!.id, 'deny');
    assert.equal(await answer, 'deny');
    assert.equal(otherSignal?.aborted, true);
    answerOther('allow'); // too late: ignored
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(b.pending(), []);

    const second = b.ask(query(), new AbortController().signal, async () => 'allow');
    assert.equal(await second, 'allow');
    assert.deepEqual(b.pending(), []);
  });

  it('denies what still waits for a feature that goes away', async () => {
    const b = new PermissionBroker();
    const a = b.ask(query({ featureId: 'a' }), new AbortController().signal);
    const c = b.ask(query({ featureId: 'c' }), new AbortController().signal);
    b.denyAll('a');
    assert.equal(await a, 'deny');
    assert.deepEqual(b.pending().map((p) => p.featureId), ['c']);
    b.dispose();
    assert.equal(await c, 'deny');
  });
});
