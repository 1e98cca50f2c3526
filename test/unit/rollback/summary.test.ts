import * as assert from 'node:assert/strict';
import { describeLeftInPlace } from '../../../src/core/rollback/summary';

describe('rollback summary', () => {
  it('names what was left in place and why, bounded; says nothing when nothing was', () => {
    assert.equal(describeLeftInPlace({ skipped: [] }), '');
    const one = describeLeftInPlace({ skipped: [{ path: 'nested', reason: 'not rolled back: nested: a nested git repository' }] });
    assert.equal(one, '1 path(s) left in place, as no checkpoint holds them: nested (nested: a nested git repository)');
    const many = describeLeftInPlace({ skipped: Array.from({ length: 5 }, (_, i) => ({ path: `p${i}`, reason: 'big' })) });
    assert.match(many, /^5 path\(s\) left in place/);
    assert.match(many, /p2 \(big\); \.\.\.$/);
    assert.doesNotMatch(many, /p3/);
  });
});
