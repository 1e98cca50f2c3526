import * as assert from 'node:assert/strict';
import { checkpointCommitText, readCheckpointCommit, reparentCommit } from '../../../src/core/checkpoints/checkpointCommit';

describe('checkpoints/checkpointCommit (the text written and read in one place)', () => {
  const tree = 'a'.repeat(40);
  const parent = 'b'.repeat(40);

  it('reads back the parent and trigger it wrote', () => {
    const text = checkpointCommitText(tree, parent, 'f1', 7, 'pre-rollback', Date.UTC(2026, 0, 1));
    assert.deepEqual(readCheckpointCommit(text), { parent, trigger: 'pre-rollback' });
    assert.match(text, /^tree a{40}\nparent b{40}\nauthor Agent Orchestrator <aop@localhost> 1767225600 \+0000\n/);
  });

  it('re-parents without touching anything else, and says nothing of a foreign commit', () => {
    const text = checkpointCommitText(tree, parent, 'f1', 7, 'watch');
    const moved = reparentCommit(text, 'c'.repeat(40));
    assert.equal(readCheckpointCommit(moved).parent, 'c'.repeat(40));
    assert.equal(moved.replace('c'.repeat(40), parent), text);
    assert.deepEqual(readCheckpointCommit('tree x\n\nsomeone else\n'), { parent: undefined, trigger: undefined });
    assert.equal(readCheckpointCommit(text.replace('(watch)', '(bogus)')).trigger, undefined);
  });
});
