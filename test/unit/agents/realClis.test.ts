/**
 * The real agent CLIs (pinned dev dependencies) as a user meets them on a fresh machine: what
 * they say about themselves, and what happens when they start without credentials. Offline and
 * without keys, on every run: each must end `failed` within a bounded time, in its own words and
 * with that provider's way to sign in, never "running" forever.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { capabilitiesOf, capabilitySummary } from '../../../src/core/agents/capabilities';
import { detectProviders } from '../../../src/core/agents/installed';
import { probeProvider } from '../../../src/core/agents/probe';
import { PROVIDERS } from '../../../src/core/agents/providers';
import { waitFor } from '../../../src/core/util/async';
import { AGENT_BIN, REAL_AGENTS, freshHome, label, realAgentConfig, removeHomes } from '../../support/realAgents';
import { EventRecorder, cleanupTemp, launchSession, stopLiveSessions, tempDir } from './helpers';

/** How long an agent without credentials may look busy before the session gives up on it. */
const STARTUP_MS = 10_000;

describe('agents/real CLIs, as installed', function () {
  this.timeout(120_000);
  afterEach(async () => {
    await stopLiveSessions();
    cleanupTemp();
    removeHomes();
  });

  for (const agent of REAL_AGENTS.filter((a) => a.transport === 'acp')) {
    it(`${label(agent)} answers initialize with its capabilities, kept whole`, async () => {
      const home = freshHome();
      const config = realAgentConfig(agent, undefined, home);
      const r = await probeProvider(config, { cwd: home, parentEnv: {} });
      const caps = r.capabilities;
      assert.equal(caps.acp, true);
      assert.equal(typeof caps.resumeSession, 'boolean');
      assert.ok(caps.agentInfo?.name, 'the agent names itself');
      assert.match(caps.version ?? '', /^\d+\.\d+/);
      assert.ok(caps.promptCapabilities, 'prompt capabilities kept');
      assert.deepEqual(caps.initialize, JSON.parse(JSON.stringify(r.initialize)), 'the whole initialize answer kept');
      if (agent.provider === 'gemini') assert.ok(caps.authMethods?.includes('gemini-api-key'));
    });
  }

  it('the agent pick learns what each installed CLI can do from the CLI itself, once per version', async () => {
    const env = { PATH: `${AGENT_BIN}:/usr/bin:/bin`, HOME: freshHome() };
    const found = detectProviders({ env, settings: { claude: { transport: 'plain' } } });
    const claude = found.find((a) => a.id === 'claude')!;
    const gemini = found.find((a) => a.id === 'gemini')!;
    assert.equal(claude.status, 'installed');
    assert.equal(claude.path, `${AGENT_BIN}/claude`, 'installed, and where');
    const [c, g] = await Promise.all([capabilitiesOf(claude, { settings: { env } }), capabilitiesOf(gemini, { settings: { env } })]);
    assert.match(capabilitySummary(c!), /^v2\.\d+\.\d+ · plain CLI · takes messages while it works · resumes sessions$/);
    assert.match(capabilitySummary(g!), /^v0\.\d+\.\d+ · ACP · takes messages while it works · resumes sessions · prompts with images, audio, embedded context · sign-in: /);
    assert.equal(capabilitiesOf(gemini, { settings: { env } }), capabilitiesOf(gemini, { settings: { env } }), 'asked once per executable version');
  });

  for (const agent of REAL_AGENTS) {
    const def = PROVIDERS[agent.provider];
    it(`${label(agent)} without credentials fails within a bounded time, in its own words, saying how to sign in`, async () => {
      const home = freshHome();
      // A git repository, like a feature's worktree (codex exec refuses to run elsewhere).
      const wt = tempDir();
      fs.writeFileSync(`${wt}/README.md`, '# r\n');
      execFileSync('git', ['init', '-q', wt]);
      const rec = new EventRecorder();
      const started = Date.now();
      // No model double, no keys: the agent's own endpoints are unreachable from here.
      const s = await launchSession(realAgentConfig(agent, undefined, home, { startupTimeoutMs: STARTUP_MS }), { log: rec.log }, wt, 'Say hello.', { parentEnv: {} });
      await waitFor(() => s.state === 'failed' || s.state === 'exited', STARTUP_MS + 60_000, `${label(agent)} to give up`);
      assert.equal(s.state, 'failed', `ended as ${s.state}`);
      const reason = rec.of('agent.state').find((e) => e.to === 'failed')?.reason ?? '';
      assert.ok(reason.includes(def.signIn), `the sign-in guidance of ${def.label}: ${reason}`);
      if (agent.provider === 'gemini') assert.match(reason, /GEMINI_API_KEY/);
      assert.ok(Date.now() - started < STARTUP_MS + 45_000, 'bounded');
    });
  }
});
