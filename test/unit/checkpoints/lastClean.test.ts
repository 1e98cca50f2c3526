import * as assert from 'node:assert/strict';
import { lastCleanSeq } from '../../../src/core/checkpoints/lastClean';

describe('lastCleanSeq', () => {
  const v = (p: string) => ({ kind: 'out_of_scope' as const, severity: 'error' as const, path: p, message: '' });

  it('picks the newest checkpoint where the file had no violation standing', () => {
    const records = [
      { seq: 1, violations: [] },
      { seq: 2, violations: [v('other.txt')] },
      { seq: 3, violations: [v('docs/a.md'), v('other.txt')] },
      { seq: 4, violations: [v('docs/a.md')] },
    ];
    assert.equal(lastCleanSeq(records, 'docs/a.md'), 2);
    assert.equal(lastCleanSeq(records, 'other.txt'), 4);
  });

  it('falls back to the base (0) when every checkpoint had the violation', () => {
    assert.equal(lastCleanSeq([{ seq: 1, violations: [v('x')] }, { seq: 2, violations: [v('x')] }], 'x'), 0);
    assert.equal(lastCleanSeq([], 'x'), 0);
  });
});
