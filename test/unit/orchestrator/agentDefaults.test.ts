/**
 * README claims about every agent start: the sandbox is on by default where it works (no setting
 * needed), and resuming a paused agent reconciles its worktree (a full comparison, which is what
 * catches a change the watch missed meanwhile).
 */
import * as assert from 'node:assert/strict';
import { isLive } from '../../../src/core/agents';
import { detectSandbox } from '../../../src/core/agents/sandbox';
import { waitFor } from '../../../src/core/util/async';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

describe('orchestrator: what every agent start gets', function () {
  this.timeout(60_000);
  let idle: string;
  // Before the orchestrator's own clean-up (hooks run in the order they are declared).
  afterEach(async () => {
    const s = t.orch.session('f1');
    if (s && isLive(s.state)) await t.orch.stopAgent('f1');
  });
  const t = useTestOrchestrator({ files: { 'README.md': '# r\n', 'src/a.ts': 'a\n' } });

  beforeEach(async () => {
    await t.orch.createFeature({ id: 'f1', baseRef: 'main', spec: 'Work.', planYaml: 'version: 1\nallowed: ["src/**"]\n' });
    idle = t.script('idle.sh', 'while true; do sleep 0.05; done\n');
  });

  it('runs the agent in the sandbox when no setting asks for it, where bubblewrap works', async function () {
    if (!detectSandbox().available) this.skip(); // nothing to prove here: the default is "where it works"
    const session = await t.orch.startAgent('f1', { provider: 'custom', template: `sh ${idle}` });
    await waitFor(() => session.state === 'running', 15_000, 'the agent to run');
    assert.equal(session.sandbox?.state, 'on', session.sandbox?.reason);
    assert.equal(t.orch.summary('f1').sandbox?.state, 'on');
  });

  it('reconciles the worktree when a paused agent is resumed', async () => {
    const session = await t.orch.startAgent('f1', { provider: 'custom', template: `sh ${idle}`, sandbox: false });
    await waitFor(() => session.state === 'running', 15_000, 'the agent to run');
    t.orch.pauseAgent('f1');
    await waitFor(() => session.state === 'paused', 15_000, 'the pause');
    const reconciles = async () => (await t.orch.events('f1')).filter((e) => e.t === 'reconcile' && e.reason === 'resume').length;
    assert.equal(await reconciles(), 0);
    t.orch.resumeAgent('f1');
    await waitFor(async () => (await reconciles()) === 1, 15_000, 'a reconciliation on resume');
  });
});
