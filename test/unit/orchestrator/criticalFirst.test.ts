/**
 * Cheap rules first: a critical violation in a watch batch pauses the agent before the batch's
 * content is hashed, read and checkpointed (a batch with a big file takes seconds for that).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '../../../src/core/util/async';
import { useTestOrchestrator, featureRuntimeOf } from '../helpers/testOrchestrator';

describe('Critical violations before content is read', () => {
  const t = useTestOrchestrator();

  it('a link out in the same batch as a big file: the agent is paused before that batch is checkpointed', async () => {
    const f = await t.orch.createFeature({ id: 'crit', baseRef: 'main', spec: 'x', planYaml: 'version: 1\nallowed: ["src/**"]\n' });
    // One shell step writes a 20 MB file and a link to /etc/passwd at once (one watch batch), then the agent keeps writing.
    const script = t.script(
      'crit.yaml',
      'steps:\n' +
        '  - run: "head -c 20000000 /dev/zero | tr \'\\\\0\' x > src/big.txt && ln -s /etc/passwd src/escape"\n' +
        '  - tick: { path: src/counter.txt, everyMs: 30, times: 100000 }\n',
    );
    const session = await t.orch.startAgent('crit', { provider: 'scripted', transport: 'plain', script });
    await waitFor(() => session.state === 'paused', 30_000, 'the agent to be paused').catch(async (err: Error) => {
      // What the feature saw, so a failure says where the pause went missing.
      const seen = (await t.orch.events('crit')).map((e) => (e.t === 'files.changed' ? `files.changed ${e.paths.join(',')}` : e.t === 'agent.state' ? `agent ${e.to}` : e.t));
      throw new Error(`${err.message}; state ${session.state}; events: ${seen.join(' | ')}`);
    });
    await waitFor(() => t.orch.listCheckpoints('crit').some((c) => c.files.some((x) => x.path === 'src/escape')), 60_000, 'the checkpoint of the batch');
    const events = await t.orch.events('crit');
    const paused = events.findIndex((e) => e.t === 'agent.state' && e.to === 'paused');
    const recorded = events.findIndex((e) => e.t === 'checkpoint' && e.files.some((x) => x.path === 'src/escape'));
    const early = events.findIndex((e) => e.t === 'violation.critical' && e.violations.some((v) => v.path === 'src/escape' && v.kind === 'symlink_escape'));
    assert.ok(early >= 0, 'the cheap rules reported the link');
    assert.ok(paused >= 0 && paused < recorded, `paused (event ${paused}) before the batch was checkpointed (event ${recorded})`);
    assert.ok(fs.statSync(path.join(f.worktree!, 'src/big.txt')).size === 20_000_000);
    await t.orch.stopAgent('crit');
  });

  it('a link out written while the batch before it is being checkpointed: the agent is paused before that checkpoint ends', async () => {
    const f = await t.orch.createFeature({ id: 'next', baseRef: 'main', spec: 'x', planYaml: 'version: 1\nallowed: ["src/**"]\n' });
    const script = t.script('next.yaml', 'steps:\n  - tick: { path: src/counter.txt, everyMs: 30, times: 100000 }\n');
    const session = await t.orch.startAgent('next', { provider: 'scripted', transport: 'plain', script });
    await waitFor(() => session.state === 'running' && fs.existsSync(path.join(f.worktree!, 'src/counter.txt')), 30_000, 'the agent to run');
    const rt = featureRuntimeOf(t.orch, 'next'); // white-box: holds the feature's checkpoint lane
    await rt.flush();
    // Holding the feature's checkpoint lane stands in for a slow checkpoint (a 60 MB file takes seconds).
    let release!: () => void;
    const held = rt.checkpoints.exclusive(() => new Promise<void>((r) => (release = r)));
    const batches = async () => (await t.orch.events('next')).filter((e) => e.t === 'files.changed').length;
    const before = await batches();
    await waitFor(async () => (await batches()) > before, 30_000, 'a batch waiting for the checkpoint lane');
    fs.symlinkSync('/etc/passwd', path.join(f.worktree!, 'src/escape'));
    try {
      await waitFor(() => session.state === 'paused', 30_000, 'the agent to be paused while the batch before is still checkpointed');
    } finally {
      release();
      await held;
    }
    await waitFor(() => rt.listCheckpoints().some((c) => c.violations.some((v) => v.path === 'src/escape' && v.kind === 'symlink_escape')), 60_000, 'the checkpoint that records the link');
    const events = await t.orch.events('next');
    assert.equal(events.filter((e) => e.t === 'violation.critical' && e.violations.some((v) => v.path === 'src/escape')).length, 1, 'the quick check ran once for the link');
    await t.orch.stopAgent('next');
  });

  it('a link out written while an ACP agent is still starting: the agent is paused the moment it runs', async () => {
    const f = await t.orch.createFeature({ id: 'early', baseRef: 'main', spec: 'x', planYaml: 'version: 1\nallowed: ["src/**"]\n' });
    // The agent's process writes before it answers the handshake (a hostile agent can take its time
    // there), and answers only once the link was reported.
    const go = path.join(t.repo.dir, '..', 'early-go');
    const wrapper = t.script('early-agent.sh', `#!/bin/sh\nln -s /etc/passwd src/escape\nwhile [ ! -e '${go}' ]; do sleep 0.05; done\nexec '${process.execPath}' "$@"\n`);
    fs.chmodSync(wrapper, 0o755);
    const script = t.script('early.yaml', 'steps:\n  - tick: { path: src/counter.txt, everyMs: 30, times: 100000 }\n');
    const session = await t.orch.startAgent('early', { provider: 'scripted', transport: 'acp', script, command: wrapper, handshakeTimeoutMs: 60_000 });
    await waitFor(async () => (await t.orch.events('early')).some((e) => e.t === 'violation.critical' && e.violations.some((v) => v.path === 'src/escape')), 30_000, 'the link reported');
    assert.equal(session.state, 'starting', 'still in its handshake when the link was reported');
    fs.writeFileSync(go, '');
    await waitFor(() => session.state === 'paused', 30_000, 'the agent to be paused once it runs').catch((err: Error) => {
      throw new Error(`${err.message}; state ${session.state}`);
    });
    assert.equal(fs.existsSync(path.join(f.worktree!, 'src/counter.txt')) && Number(fs.readFileSync(path.join(f.worktree!, 'src/counter.txt'), 'utf8')) > 3, false, 'it did not work on');
    await t.orch.stopAgent('early');
  });
});
