import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as acp from '@agentclientprotocol/sdk';
import { AcpClient } from '../../../src/core/agents/acpClient';
import type { AgentHost, PermissionQuery } from '../../../src/core/agents/types';
import { waitFor } from '../../../src/core/util/async';
import { EventRecorder, cleanupTemp, launchSession, readIfExists, scriptedConfig, stopLiveSessions, tempDir, writeScript } from './helpers';

describe('agents/ACP client with the scripted agent', () => {
  afterEach(async () => {
    await stopLiveSessions();
    cleanupTemp();
  });

  function setup() {
    const dir = tempDir();
    const worktree = path.join(dir, 'wt');
    fs.mkdirSync(worktree);
    const rec = new EventRecorder();
    return { dir, worktree, rec };
  }

  it('detects capabilities from initialize and goes queued → starting → running', async () => {
    const { dir, worktree, rec } = setup();
    const script = writeScript(dir, 'steps:\n  - print: hello from the script\n');
    const s = await launchSession(scriptedConfig(script, 'acp'), { log: rec.log }, worktree);
    assert.equal(s.state, 'running');
    assert.deepEqual(rec.states(), ['queued', 'starting', 'running']);
    assert.equal(s.capabilities?.acp, true);
    assert.equal(s.capabilities?.messageChannel, 'acp');
    assert.equal(s.capabilities?.version, '1.0.0', 'version from the agent\'s initialize answer');
    assert.equal(s.capabilities?.resumeSession, false, 'the scripted agent does not offer loadSession');
    const turn = await new Promise((r) => s.onTurnEnd(r));
    assert.deepEqual(turn, { turn: 1, stopReason: 'end_turn' });
    await waitFor(() => s.recentOutput().some((l) => l.text === 'hello from the script'), 5000, 'agent text as output');
    const launch = rec.of('agent.update').find((e) => e.kind === 'launch')!.data as { args: string[]; approval: string };
    assert.ok(!launch.args.includes('Do the work.'), 'the prompt is not in argv');
    await s.stop();
    assert.deepEqual(rec.states(), ['queued', 'starting', 'running', 'stopping', 'exited']);
  });

  it('refuses an out-of-plan write before it reaches disk, and the agent gets the error', async () => {
    const { dir, worktree, rec } = setup();
    const script = writeScript(
      dir,
      `steps:
  - write: { path: src/ok.ts, content: "fine" }
  - write: { path: secrets/key.pem, content: "nope" }
  - write: { path: ../outside.txt, content: "escape" }
  - write: { path: .git/config, content: "hook" }
  - write: { path: linked/x.txt, content: "through a link" }
  - print: finished
`,
    );
    fs.mkdirSync(path.join(dir, 'elsewhere'));
    fs.symlinkSync(path.join(dir, 'elsewhere'), path.join(worktree, 'linked'));
    const guarded: string[] = [];
    const host: AgentHost = {
      log: rec.log,
      guardWrite: (rel) => {
        guarded.push(rel);
        return rel.startsWith('src/') || rel.startsWith('linked/') ? { allow: true } : { allow: false, reason: `${rel} is outside the plan` };
      },
    };
    const s = await launchSession(scriptedConfig(script, 'acp'), host, worktree);
    await new Promise((r) => s.onTurnEnd(r));
    assert.equal(readIfExists(path.join(worktree, 'src/ok.ts')), 'fine');
    assert.equal(fs.existsSync(path.join(worktree, 'secrets/key.pem')), false, 'denied write never lands');
    assert.equal(fs.existsSync(path.join(worktree, 'secrets')), false, 'not even its folder');
    assert.equal(fs.existsSync(path.join(dir, 'outside.txt')), false);
    assert.equal(fs.existsSync(path.join(worktree, '.git')), false);
    assert.equal(fs.existsSync(path.join(dir, 'elsewhere/x.txt')), false, 'a symlinked folder does not lead out');
    assert.deepEqual(guarded, ['src/ok.ts', 'secrets/key.pem', 'linked/x.txt'], 'paths outside the worktree are refused before the guard');
    const writes = rec.of('agent.update').filter((e) => e.kind === 'fs.write').map((e) => e.data as { path: string; allowed: boolean });
    assert.deepEqual(writes.map((w) => w.allowed), [true, false, false, false, false]);
    // The agent saw the refusal: its tool call failed with our reason.
    const failed = rec.of('agent.update').filter((e) => e.kind === 'tool_call_update' && (e.data as { status?: string }).status === 'failed');
    assert.equal(failed.length, 4);
    assert.match(JSON.stringify(failed[0].data), /secrets\/key.pem is outside the plan/);
    assert.ok(s.recentOutput().some((l) => l.text === 'finished'), 'the agent carried on after the refusals');
  });

  it('answers permission requests with the policy, asks the human on "ask", and denies on silence', async () => {
    const { dir, worktree, rec } = setup();
    const script = writeScript(
      dir,
      `steps:
  - run: "echo allowed > allowed.txt"
  - run: "echo denied > denied.txt"
  - run: "echo human > human.txt"
  - run: "echo silent > silent.txt"
`,
    );
    const asked: PermissionQuery[] = [];
    const host: AgentHost = {
      log: rec.log,
      decidePermission: (q) => (q.title.includes('allowed') ? 'allow' : q.title.includes('denied') ? 'deny' : 'ask'),
      askHuman: async (q, signal) => {
        asked.push(q);
        if (q.title.includes('human')) return 'allow';
        // Never answers: the session's timeout must decide.
        await new Promise((r) => signal.addEventListener('abort', r));
        return 'allow';
      },
    };
    const s = await launchSession(scriptedConfig(script, 'acp', { askTimeoutMs: 300 }), host, worktree);
    await new Promise((r) => s.onTurnEnd(r));
    assert.ok(fs.existsSync(path.join(worktree, 'allowed.txt')));
    assert.ok(!fs.existsSync(path.join(worktree, 'denied.txt')));
    assert.ok(fs.existsSync(path.join(worktree, 'human.txt')));
    assert.ok(!fs.existsSync(path.join(worktree, 'silent.txt')), 'no answer means deny');
    assert.deepEqual(asked.map((q) => q.title), ['Run echo human > human.txt', 'Run echo silent > silent.txt']);
    const decisions = rec.of('agent.permission').map((e) => `${e.decision}:${e.reason}`);
    assert.deepEqual(decisions, ['allow:plan policy', 'deny:plan policy', 'ask:plan policy', 'allow:asked the human', 'ask:plan policy', 'deny:no answer within 300 ms: denied']);
  });

  it('records tool calls and usage, and pauses the agent when the budget is reached', async () => {
    const { dir, worktree, rec } = setup();
    const script = writeScript(
      dir,
      `steps:
  - usage: { inputTokens: 100, outputTokens: 50, costUsd: 0.4 }
  - usage: { inputTokens: 100, outputTokens: 50, costUsd: 0.4 }
  - tick: { path: after-budget.txt, everyMs: 20, times: 100000 }
`,
    );
    const s = await launchSession(scriptedConfig(script, 'acp', { budget: { maxCostUsd: 0.75 } }), { log: rec.log }, worktree);
    await waitFor(() => s.state === 'paused', 10000, 'paused by the budget');
    assert.equal(s.usage.costUsd, 0.8);
    assert.ok(rec.of('agent.usage').some((e) => e.costUsd === 0.8));
    assert.ok(rec.of('warning').some((e) => /budget reached/.test(e.message)));
    assert.match(rec.of('agent.state').at(-1)!.reason ?? '', /budget reached: cost \$0.8/);
    assert.ok(rec.of('agent.update').some((e) => e.kind === 'usage_update'));
  });

  it('pause holds the agent (no writes through the client), resume continues', async () => {
    const { dir, worktree, rec } = setup();
    const script = writeScript(dir, 'steps:\n  - tick: { path: counter.txt, everyMs: 10, times: 100000 }\n', 'a.yaml');
    const clockScript = writeScript(dir, 'steps:\n  - tick: { path: clock.txt, everyMs: 10, times: 100000 }\n', 'b.yaml');
    const clockWt = path.join(dir, 'clock');
    fs.mkdirSync(clockWt);
    const s = await launchSession(scriptedConfig(script, 'acp'), { log: rec.log }, worktree);
    await launchSession(scriptedConfig(clockScript, 'acp'), { log: () => undefined }, clockWt);
    const count = (f: string) => Number(readIfExists(f) || 0);
    const counter = path.join(worktree, 'counter.txt');
    const clock = path.join(clockWt, 'clock.txt');
    await waitFor(() => count(counter) >= 3 && count(clock) >= 3, 15000, 'ticking');
    s.pause();
    const c0 = count(clock);
    await waitFor(() => count(clock) >= c0 + 3, 10000, 'settle');
    const frozen = count(counter);
    const c1 = count(clock);
    await waitFor(() => count(clock) >= c1 + 10, 10000, 'ten clock ticks');
    assert.equal(count(counter), frozen, 'no write while paused');
    s.resume();
    await waitFor(() => count(counter) > frozen, 10000, 'writes resume');
    assert.deepEqual(rec.states().slice(-2), ['paused', 'running']);
  });

  it('cancelTurn ends the running turn as cancelled', async () => {
    const { dir, worktree, rec } = setup();
    const script = writeScript(dir, 'steps:\n  - tick: { path: t.txt, everyMs: 20, times: 100000 }\n  - print: never\n');
    const s = await launchSession(scriptedConfig(script, 'acp'), { log: rec.log }, worktree);
    await waitFor(() => fs.existsSync(path.join(worktree, 't.txt')), 10000, 'ticking');
    const ended = new Promise((r) => s.onTurnEnd(r));
    await s.cancelTurn();
    assert.deepEqual(await ended, { turn: 1, stopReason: 'cancelled' });
  });

  it('holds requests the agent makes while paused until resume (in-process pair)', async () => {
    const { worktree, rec } = setup();
    const toAgent = new TransformStream<acp.AnyMessage, acp.AnyMessage>();
    const toClient = new TransformStream<acp.AnyMessage, acp.AnyMessage>();
    let wrote = false;
    acp
      .agent({ name: 'fake' })
      .onRequest(acp.methods.agent.initialize, () => ({ protocolVersion: acp.PROTOCOL_VERSION, agentCapabilities: {} }))
      .onRequest(acp.methods.agent.session.new, () => ({ sessionId: 's1' }))
      .onRequest(acp.methods.agent.session.prompt, async ({ params, client }) => {
        await client.request(acp.methods.client.fs.writeTextFile, { sessionId: params.sessionId, path: path.join(worktree, 'held.txt'), content: 'x' });
        wrote = true;
        return { stopReason: 'end_turn' as const };
      })
      .connect({ writable: toClient.writable, readable: toAgent.readable });
    const client = new AcpClient(
      { writable: toAgent.writable, readable: toClient.readable },
      { featureId: 'feat-1', worktree, host: { log: rec.log }, onText: () => undefined, onUsage: () => undefined },
    );
    await client.initialize();
    await client.startSession();
    client.setPaused(true);
    const turn = client.prompt('go');
    // Let the request arrive and sit: a fixed number of event-loop turns, not a duration.
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    assert.equal(fs.existsSync(path.join(worktree, 'held.txt')), false, 'held while paused');
    assert.equal(wrote, false);
    client.setPaused(false);
    assert.deepEqual(await turn, { stopReason: 'end_turn' });
    assert.equal(readIfExists(path.join(worktree, 'held.txt')), 'x');
    client.close();
  });
});
