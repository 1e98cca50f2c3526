import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAgentEnv } from '../../../src/core/agents/env';
import { EventRecorder, cleanupTemp, launchSession, scriptedConfig, stopLiveSessions, tempDir, writeScript } from './helpers';

describe('agents/env', () => {
  afterEach(async () => {
    await stopLiveSessions();
    cleanupTemp();
  });

  it('keeps allowlisted names and the provider keys, drops everything else', () => {
    const env = buildAgentEnv({
      parent: { PATH: '/bin', HOME: '/h', LC_ALL: 'C', GITHUB_TOKEN: 'ghp_x', AWS_SECRET_ACCESS_KEY: 's', ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o', GOOGLE_CLOUD_PROJECT: 'p' },
      providerKeys: ['ANTHROPIC_*'],
      passEnv: ['MY_TOOL_HOME'],
      set: { EXTRA: '1' },
    });
    assert.deepEqual(Object.keys(env).sort(), ['ANTHROPIC_API_KEY', 'EXTRA', 'HOME', 'LC_ALL', 'PATH']);
  });

  it('matches names case-insensitively on Windows only', () => {
    const parent = { Path: 'C:\\bin', SystemRoot: 'C:\\Windows', secret_token: 'x' };
    assert.deepEqual(Object.keys(buildAgentEnv({ parent, platform: 'win32' })).sort(), ['Path', 'SystemRoot']);
    assert.deepEqual(Object.keys(buildAgentEnv({ parent, platform: 'linux' })).sort(), ['SystemRoot']);
  });

  it('a secret in the editor environment never reaches a real agent; its own keys do', async () => {
    const dir = tempDir();
    const script = writeScript(dir, 'steps:\n  - run: "env > env.txt"\n');
    const parentEnv = { ...process.env, AOP_TEST_SECRET_TOKEN: 'hunter2', GITHUB_TOKEN: 'ghp_secret', ANTHROPIC_API_KEY: 'sk-ant-not-for-scripted' };
    const s = await launchSession(scriptedConfig(script, 'plain', { env: { CHOSEN: 'yes' }, passEnv: ['GITHUB_TOKEN'] }), { log: new EventRecorder().log }, dir, 'go', { parentEnv });
    await s.exited;
    const seen = fs.readFileSync(path.join(dir, 'env.txt'), 'utf8');
    assert.doesNotMatch(seen, /hunter2/);
    assert.doesNotMatch(seen, /AOP_TEST_SECRET_TOKEN/);
    assert.doesNotMatch(seen, /sk-ant-not-for-scripted/, "another provider's key is not passed");
    assert.match(seen, /^GITHUB_TOKEN=ghp_secret$/m, 'passEnv passes what the user chose');
    assert.match(seen, /^CHOSEN=yes$/m);
    assert.match(seen, /^PATH=/m);
  });
});
