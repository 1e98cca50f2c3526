/**
 * The review panel's header says whether the agent is sandboxed and, where bubblewrap cannot run,
 * that it is not, and why (README, "The sandbox"): from what the core says on such a machine,
 * through the view model the panel is sent, to the pill.
 */
import { strict as assert } from 'node:assert';
import { detectSandbox } from '../../../src/core/agents/sandbox';
import { sandboxStatusOf } from '../../../src/core/orchestrator/sandboxStatus';
import { featureView } from '../../../src/shared/featureView';
import type { FeatureSummary } from '../../../src/core/orchestrator';
import { sandboxPill } from '../../../webview-ui/src/header';

describe('webview/header: the sandbox pill', () => {
  const sent = (sandbox: FeatureSummary['sandbox']) =>
    featureView({ id: 'f1', status: 'active', breaker: { open: false, failures: 0, errors: [] }, violations: [], sandbox } as unknown as FeatureSummary).sandbox!;

  it('says "Not sandboxed" with the reason where bubblewrap cannot run', () => {
    const missing = sandboxStatusOf(undefined, undefined, undefined, () => detectSandbox('/nonexistent', true));
    detectSandbox(process.env.PATH, true);
    assert.equal(missing.state, 'unavailable');
    const pill = sandboxPill(sent(missing));
    assert.equal(pill.on, false);
    assert.equal(pill.label, 'Not sandboxed');
    assert.equal(pill.title, `${missing.reason}\n${missing.detail}`);
    assert.match(pill.title, /^bubblewrap \(bwrap\) is not installed/);
  });

  it('says "Sandboxed" or "Sandbox off" otherwise', () => {
    assert.equal(sandboxPill(sent(sandboxStatusOf(undefined, undefined, undefined, () => ({ available: true, reason: 'bubblewrap at /usr/bin/bwrap', bwrap: '/usr/bin/bwrap' })))).label, 'Sandboxed');
    assert.equal(sandboxPill(sent(sandboxStatusOf('off', undefined, undefined, () => ({ available: true, reason: 'x' })))).label, 'Sandbox off');
  });
});
