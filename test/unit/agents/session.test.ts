import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseProviderConfig } from '../../../src/core/agents/config';
import { AgentManager } from '../../../src/core/agents/manager';
import { PROVIDERS } from '../../../src/core/agents/providers';
import type { ProviderDefinition } from '../../../src/core/agents/providers';
import { cmdShimArgs } from '../../../src/core/agents/resolveCommand';
import { AgentSession } from '../../../src/core/agents/session';
import { interruptionFor, lastAgentState } from '../../../src/core/agents/states';
import { AopError } from '../../../src/core/util/errors';
import { waitFor } from '../../../src/core/util/async';
import type { AopEvent } from '../../../src/core/events/schema';
import { EventRecorder, cleanupTemp, launchSession, liveSessions, scriptedConfig, stopLiveSessions, tempDir, writeScript } from './helpers';

/** A provider whose "ACP agent" is a node process that never answers. */
const silent: ProviderDefinition = {
  ...PROVIDERS.custom,
  transports: ['acp'],
  defaultTransport: 'acp',
  launch: () => ({
    command: process.execPath,
    args: ['-e', 'setInterval(() => {}, 1000)'],
    transport: 'acp',
    promptVia: 'acp',
    messageChannel: 'acp',
    approval: 'n/a',
  }),
};
const providers = { ...PROVIDERS, custom: silent };

describe('agents/session', () => {
  afterEach(async () => {
    await stopLiveSessions();
    cleanupTemp();
  });

  it('an agent that never answers initialize fails after the handshake timeout, saying what to check', async () => {
    const rec = new EventRecorder();
    const s = await launchSession({ provider: 'custom', handshakeTimeoutMs: 300, stopTimeoutMs: 500 }, { log: rec.log }, tempDir(), 'go', { providers });
    assert.equal(s.state, 'failed');
    assert.ok(AopError.is(s.error, 'AGENT_FAILED'));
    assert.match(rec.of('agent.state').at(-1)!.reason!, /did not answer ACP initialize within 300 ms\. .*Check aop\.providers\.custom\.command/);
  });

  it('stopping during the handshake ends in exited (the stop decides), not failed', async () => {
    const rec = new EventRecorder();
    const s = new AgentSession({
      featureId: 'feat-1',
      worktree: tempDir(),
      config: parseProviderConfig({ provider: 'custom', stopTimeoutMs: 500 }),
      prompt: 'go',
      host: { log: rec.log },
      providers,
    });
    liveSessions.push(s);
    s.preflight();
    const launching = s.launch();
    await waitFor(() => rec.of('agent.update').some((e) => e.kind === 'launch') && s.pid !== undefined, 10_000, 'spawned');
    await s.stop('user changed their mind');
    await launching;
    assert.equal(s.state, 'exited');
    assert.deepEqual(rec.states(), ['queued', 'starting', 'stopping', 'exited']);
  });

  it('a session stopped directly while queued never starts and frees nothing it did not hold', async () => {
    const dir = tempDir();
    const script = writeScript(dir, 'stayAlive: true\nsteps: []\n');
    const manager = new AgentManager({ maxRunning: 1, hostFor: () => ({ log: () => undefined }) });
    try {
      const a = manager.start('a', tempDir(), scriptedConfig(script, 'plain'), 'go');
      const b = manager.start('b', tempDir(), scriptedConfig(script, 'plain'), 'go');
      const c = manager.start('c', tempDir(), scriptedConfig(script, 'plain'), 'go');
      await waitFor(() => a.state === 'running', 10_000, 'a running');
      await b.stop('not needed');
      assert.equal(b.state, 'exited');
      assert.equal(manager.queuePosition('c'), 1, 'b left the queue');
      await a.stop();
      await waitFor(() => c.state === 'running', 10_000, 'c runs next');
      assert.equal(b.state, 'exited', 'b never started');
    } finally {
      await manager.dispose();
    }
  });

  it('a pause asked while starting takes effect as soon as the agent runs', async () => {
    const dir = tempDir();
    const rec = new EventRecorder();
    const script = writeScript(dir, 'steps:\n  - write: { path: early.txt, content: "too early" }\n');
    const s = new AgentSession({ featureId: 'feat-1', worktree: dir, config: parseProviderConfig(scriptedConfig(script, 'acp')), prompt: 'go', host: { log: rec.log } });
    liveSessions.push(s);
    s.preflight();
    const launching = s.launch();
    assert.equal(s.state, 'starting');
    s.pause('critical violation');
    await launching;
    assert.equal(s.state, 'paused');
    assert.deepEqual(rec.states(), ['queued', 'starting', 'running', 'paused']);
    assert.equal(rec.of('agent.state').at(-1)!.reason, 'critical violation');
    // Held: the first turn cannot write while paused; a clock of event-loop turns, not time.
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    assert.equal(fs.existsSync(path.join(dir, 'early.txt')), false);
    s.resume();
    await waitFor(() => fs.existsSync(path.join(dir, 'early.txt')), 10_000, 'writes after resume');
  });

  it('interruptionFor closes a session lost with the editor', () => {
    const ev = (to: string): AopEvent => ({ t: 'agent.state', ts: '', feature: 'f', from: 'x', to });
    assert.deepEqual(interruptionFor([ev('queued'), ev('starting'), ev('running')]), { t: 'agent.state', from: 'running', to: 'interrupted', reason: 'the editor restarted while the agent ran' });
    assert.equal(interruptionFor([ev('running'), ev('exited')]), undefined);
  });

  it('lastAgentState finds a session that did not survive a restart', () => {
    const ev = (to: string): AopEvent => ({ t: 'agent.state', ts: '', feature: 'f', from: 'x', to });
    assert.equal(lastAgentState([ev('queued'), ev('starting'), ev('running'), { t: 'warning', ts: '', feature: 'f', message: 'm' }]), 'running');
    assert.equal(lastAgentState([]), undefined);
  });

  it('quotes a Windows .cmd shim command line so arguments cannot become commands', () => {
    const [d, s, c, line] = cmdShimArgs('C:\\tools\\gemini.cmd', ['--acp', 'two words', 'a&b|c', 'say "hi"']);
    assert.deepEqual([d, s, c], ['/d', '/s', '/c']);
    assert.equal(line, '"^"C:\\tools\\gemini.cmd^" ^"--acp^" ^"two words^" ^"a^&b^|c^" ^"say \\^"hi\\^"^""');
  });
});
