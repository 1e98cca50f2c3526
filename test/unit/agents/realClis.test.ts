/**
 * Against the real agent CLIs, only when asked (AOP_TEST_REAL_CLIS=1) and only those installed
 * (e.g. `npm install @google/gemini-cli ...` in /tmp/clis, outside the repo). Not part of the
 * required suite: these skip otherwise, and a skip here is not a pass.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { probeProvider } from '../../../src/core/agents/probe';
import type { ProviderConfigInput } from '../../../src/core/agents/config';
import { resolveCommand } from '../../../src/core/agents/resolveCommand';
import { EventRecorder, cleanupTemp, launchSession, stopLiveSessions, tempDir } from './helpers';

const CLI_BIN = process.env.AOP_TEST_CLI_BIN ?? '/tmp/clis/node_modules/.bin';
const PATH = `${CLI_BIN}${path.delimiter}${process.env.PATH ?? ''}`;

describe('agents/real CLIs (AOP_TEST_REAL_CLIS=1)', function () {
  this.timeout(120_000);
  afterEach(async () => {
    await stopLiveSessions();
    cleanupTemp();
  });

  function need(this: Mocha.Context, command: string): void {
    if (process.env.AOP_TEST_REAL_CLIS !== '1' || !resolveCommand(command, { pathEnv: PATH })) this.skip();
  }

  const env = (home: string) => ({ PATH, HOME: home, LANG: 'C.UTF-8' });

  it('gemini --acp answers initialize offline with its capabilities and auth methods', async function () {
    need.call(this, 'gemini');
    const home = tempDir();
    const r = await probeProvider({ provider: 'gemini' }, { cwd: home, parentEnv: env(home) });
    assert.equal(r.capabilities.acp, true);
    assert.equal(r.capabilities.resumeSession, true, 'gemini offers loadSession');
    assert.match(r.capabilities.version ?? '', /^\d+\.\d+/);
    assert.ok(r.capabilities.authMethods?.includes('gemini-api-key'));
    assert.equal(r.approval, '--approval-mode default');
  });

  for (const [provider, command] of [
    ['claude', 'claude-agent-acp'],
    ['codex', 'codex-acp'],
  ] as const) {
    it(`${command} (the ${provider} ACP adapter) answers initialize`, async function () {
      need.call(this, command);
      const home = tempDir();
      const r = await probeProvider({ provider } as ProviderConfigInput, { cwd: home, parentEnv: env(home) });
      assert.equal(r.capabilities.acp, true);
      assert.equal(typeof r.capabilities.resumeSession, 'boolean');
      assert.ok(r.initialize?.agentInfo?.name);
    });
  }

  it('a gemini session without credentials fails at session/new with a way to log in', async function () {
    need.call(this, 'gemini');
    const home = tempDir();
    const wt = path.join(home, 'wt');
    fs.mkdirSync(wt);
    const rec = new EventRecorder();
    const s = await launchSession({ provider: 'gemini', handshakeTimeoutMs: 60_000 }, { log: rec.log }, wt, 'say hi', { parentEnv: env(home) });
    if (s.state === 'running') {
      // Credentials were found after all (a logged-in machine): then the session is real.
      assert.equal(s.capabilities?.acp, true);
      return;
    }
    assert.equal(s.state, 'failed');
    assert.match(String((s.error as Error).message), /log in|auth|API key/i);
  });
});
