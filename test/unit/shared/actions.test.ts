import { strict as assert } from 'node:assert';
import { availableActions } from '../../../src/shared/actions';
import { AGENT_STATES } from '../../../src/shared/viewModels';

describe('shared/actions: availableActions', () => {
  const caps = { pause: true, messages: true };

  it('offers start only when no agent runs, stop only when one does', () => {
    for (const s of AGENT_STATES) {
      const a = availableActions({ agentState: s, capabilities: caps });
      assert.equal(a.start, ['idle', 'exited', 'failed', 'interrupted'].includes(s), `start in ${s}`);
      assert.equal(a.stop, ['queued', 'starting', 'running', 'paused'].includes(s), `stop in ${s}`);
      assert.ok(!(a.start && a.stop), s);
    }
  });

  it('offers pause while running and resume while paused', () => {
    assert.deepEqual(
      AGENT_STATES.filter((s) => availableActions({ agentState: s, capabilities: caps }).pause),
      ['running'],
    );
    assert.deepEqual(
      AGENT_STATES.filter((s) => availableActions({ agentState: s, capabilities: caps }).resume),
      ['paused'],
    );
  });

  it('offers only what the provider supports', () => {
    const a = availableActions({ agentState: 'running', capabilities: { pause: false, messages: false } });
    assert.equal(a.pause, false);
    assert.equal(a.sendMessage, false);
    assert.equal(a.stop, true);
    assert.equal(availableActions({ agentState: 'paused', capabilities: caps }).sendMessage, true);
    assert.equal(availableActions({ agentState: 'exited', capabilities: caps }).sendMessage, false);
  });
});
