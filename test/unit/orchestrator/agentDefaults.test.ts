/**
 * README claims about every agent start: the sandbox is on by default where it works (no setting
 * needed), and resuming a paused agent reconciles its worktree (a full comparison, which is what
 * catches a change the watch missed meanwhile).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isLive } from '../../../src/core/agents';
import { detectSandbox } from '../../../src/core/agents/sandbox';
import type { Orchestrator } from '../../../src/core/orchestrator';
import { waitFor } from '../../../src/core/util/async';
import { makeTempRepo, type TempRepo } from '../helpers/tempRepo';
import { testOrchestrator } from '../helpers/testOrchestrator';

describe('orchestrator: what every agent start gets', function () {
  this.timeout(60_000);
  let repo: TempRepo;
  let orch: Orchestrator;
  let idle: string;

  beforeEach(async () => {
    repo = makeTempRepo({ 'README.md': '# r\n', 'src/a.ts': 'a\n' });
    orch = await testOrchestrator(repo.dir);
    await orch.createFeature({ id: 'f1', baseRef: 'main', spec: 'Work.', planYaml: 'version: 1\nallowed: ["src/**"]\n' });
    idle = path.join(path.dirname(repo.dir), 'idle.sh');
    fs.writeFileSync(idle, 'while true; do sleep 0.05; done\n');
  });

  afterEach(async () => {
    const s = orch.session('f1');
    if (s && isLive(s.state)) await orch.stopAgent('f1');
    await orch.dispose();
    repo.cleanup();
  });

  it('runs the agent in the sandbox when no setting asks for it, where bubblewrap works', async function () {
    if (!detectSandbox().available) this.skip(); // nothing to prove here: the default is "where it works"
    const session = await orch.startAgent('f1', { provider: 'custom', template: `sh ${idle}` });
    await waitFor(() => session.state === 'running', 15_000, 'the agent to run');
    assert.equal(session.sandbox?.state, 'on', session.sandbox?.reason);
    assert.equal(orch.summary('f1').sandbox?.state, 'on');
  });

  it('reconciles the worktree when a paused agent is resumed', async () => {
    const session = await orch.startAgent('f1', { provider: 'custom', template: `sh ${idle}`, sandbox: false });
    await waitFor(() => session.state === 'running', 15_000, 'the agent to run');
    orch.pauseAgent('f1');
    await waitFor(() => session.state === 'paused', 15_000, 'the pause');
    const reconciles = async () => (await orch.events('f1')).filter((e) => e.t === 'reconcile' && e.reason === 'resume').length;
    assert.equal(await reconciles(), 0);
    orch.resumeAgent('f1');
    await waitFor(async () => (await reconciles()) === 1, 15_000, 'a reconciliation on resume');
  });
});
