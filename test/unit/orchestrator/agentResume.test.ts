/** Which earlier conversation a new session takes up (the real agents do it in realAgents.test.ts). */
import * as assert from 'node:assert/strict';
import { RESUME_PROMPT, resumeRequest } from '../../../src/core/orchestrator/agentResume';

describe('orchestrator/agentResume: taking up a conversation after a restart', () => {
  const last = { provider: 'claude', transport: 'acp' as const, id: 'conv-1' };

  it('by default, only when the last agent was interrupted by a restart', () => {
    assert.deepEqual(resumeRequest({ agentSession: last, agentState: 'interrupted' }, { provider: 'claude' }), { sessionId: 'conv-1', prompt: RESUME_PROMPT });
    assert.equal(resumeRequest({ agentSession: last, agentState: 'exited' }, { provider: 'claude' }), undefined);
    assert.equal(resumeRequest({ agentState: 'interrupted' }, { provider: 'claude' }), undefined, 'no conversation known');
  });

  it('asked for, or refused, explicitly', () => {
    assert.equal(resumeRequest({ agentSession: last, agentState: 'exited' }, { provider: 'claude' }, true)?.sessionId, 'conv-1');
    assert.equal(resumeRequest({ agentSession: last, agentState: 'interrupted' }, { provider: 'claude' }, false), undefined);
  });

  it('never across agents or transports (the default transport counts)', () => {
    assert.equal(resumeRequest({ agentSession: last, agentState: 'interrupted' }, { provider: 'gemini' }), undefined);
    assert.equal(resumeRequest({ agentSession: last, agentState: 'interrupted' }, { provider: 'claude', transport: 'plain' }), undefined);
    assert.equal(resumeRequest({ agentSession: last, agentState: 'interrupted' }, { provider: 'claude', transport: 'acp' })?.sessionId, 'conv-1');
  });
});
