import { strict as assert } from 'node:assert';
import { buildTimeline } from '../../../src/shared/timeline';
import { checkpoint, message, rollback } from './fixtures';

describe('shared/timeline', () => {
  it('interleaves checkpoints, messages and rollbacks newest first', () => {
    const items = buildTimeline(
      [checkpoint(1, '2025-01-01T10:00:00Z'), checkpoint(2, '2025-01-01T10:10:00Z'), checkpoint(3, '2025-01-01T10:20:00Z')],
      [message('m1', '2025-01-01T10:05:00Z'), message('m2', '2025-01-01T10:15:00Z', { from: 'agent' })],
      [rollback('2025-01-01T10:12:00Z')],
    );
    assert.deepEqual(
      items.map((i) => i.key),
      ['c:3', 'm:m2', 'r:0:3', 'c:2', 'm:m1', 'c:1'],
    );
  });

  it('orders by instant, not by string, across time zone offsets', () => {
    const items = buildTimeline([checkpoint(1, '2025-01-01T12:00:00+02:00'), checkpoint(2, '2025-01-01T11:00:00Z')], [], []);
    assert.deepEqual(items.map((i) => i.key), ['c:2', 'c:1']);
  });

  it('puts a rollback above the pre-rollback checkpoint taken at the same instant, and breaks checkpoint ties by seq', () => {
    const t = '2025-01-01T10:00:00.000Z';
    const items = buildTimeline([checkpoint(4, t), checkpoint(5, t)], [message('m', t)], [rollback(t, { preRollbackSeq: 5 })]);
    assert.deepEqual(items.map((i) => i.key), ['r:0:5', 'm:m', 'c:5', 'c:4']);
  });

  it('keeps items with unreadable times, at the end', () => {
    const items = buildTimeline([checkpoint(1, 'not a time'), checkpoint(2, '2025-01-01T10:00:00Z')], [], []);
    assert.deepEqual(items.map((i) => i.key), ['c:2', 'c:1']);
  });

  it('handles 1,000 checkpoints with messages in between', () => {
    const base = Date.parse('2025-01-01T00:00:00Z');
    const cps = Array.from({ length: 1000 }, (_, i) => checkpoint(i + 1, new Date(base + i * 60_000).toISOString()));
    const msgs = Array.from({ length: 100 }, (_, i) => message(`m${i}`, new Date(base + i * 600_000 + 30_000).toISOString()));
    const items = buildTimeline(cps, msgs, []);
    assert.equal(items.length, 1100);
    assert.equal(items[0]!.key, 'c:1000');
    for (let i = 1; i < items.length; i++) assert.ok(Date.parse(items[i - 1]!.time) >= Date.parse(items[i]!.time));
  });
});
