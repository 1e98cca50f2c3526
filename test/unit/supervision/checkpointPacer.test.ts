/** Batching that coarsens while checkpoints run over budget, and comes back when they recover. */
import * as assert from 'node:assert/strict';
import { CheckpointPacer } from '../../../src/core/supervision/checkpointPacer';

describe('CheckpointPacer', () => {
  const opts = { budgetMs: 100, quietMs: 150, maxWaitMs: 1000 };

  it('doubles the batching waits at each edit checkpoint over budget, up to 8x', () => {
    const p = new CheckpointPacer(opts);
    assert.equal(p.observe('watch', 80), undefined, 'within budget: no change');
    assert.deepEqual(p.observe('watch', 250), { factor: 2, quietMs: 300, maxWaitMs: 2000, reason: 'a checkpoint took 250 ms, over the 100 ms budget' });
    assert.equal(p.observe('watch', 300)?.factor, 4);
    assert.equal(p.observe('watch', 300)?.factor, 8);
    assert.equal(p.observe('watch', 900), undefined, 'already at the coarsest');
    assert.equal(p.factor, 8);
  });

  it('ignores full rescans and other kinds, which are slow by nature', () => {
    const p = new CheckpointPacer(opts);
    for (const t of ['reconcile', 'manual', 'turn-end', 'pre-rollback', 'final'] as const) assert.equal(p.observe(t, 10_000), undefined);
    assert.equal(p.factor, 1);
  });

  it('steps back one level after three fast checkpoints in a row; a slow one in between resets the count', () => {
    const p = new CheckpointPacer(opts);
    p.observe('watch', 200);
    p.observe('watch', 200);
    assert.equal(p.factor, 4);
    assert.equal(p.observe('watch', 40), undefined);
    assert.equal(p.observe('watch', 40), undefined);
    assert.equal(p.observe('watch', 70), undefined, 'under budget but not under half: not yet a recovery');
    assert.equal(p.observe('watch', 40), undefined);
    assert.equal(p.observe('watch', 40), undefined);
    const back = p.observe('watch', 40);
    assert.deepEqual(back, { factor: 2, quietMs: 300, maxWaitMs: 2000, reason: 'checkpoints are back under half the 100 ms budget' });
    for (let i = 0; i < 2; i++) p.observe('watch', 10);
    assert.deepEqual(p.observe('watch', 10), { factor: 1, quietMs: 150, maxWaitMs: 1000, reason: 'checkpoints are back under half the 100 ms budget' });
    assert.equal(p.observe('watch', 10), undefined, 'back at the normal pace');
  });
});
