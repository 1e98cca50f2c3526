import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultProvider, detectProviders, type ProviderAvailability } from '../../../src/core/agents';

/** A PATH folder holding fake executables with these names. */
function binDir(names: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aop-bin-'));
  for (const n of names) {
    fs.writeFileSync(path.join(dir, n), '#!/bin/sh\nexit 0\n');
    fs.chmodSync(path.join(dir, n), 0o755);
  }
  return dir;
}

const byId = (list: ProviderAvailability[]) => Object.fromEntries(list.map((a) => [a.id, a]));

describe('agents/installed: which agents can run here', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const pathWith = (names: string[]) => {
    const d = binDir(names);
    dirs.push(d);
    return d;
  };

  it('finds each CLI on the PATH and says where, trying its other transport when the default is missing', () => {
    const bin = pathWith(['claude', 'aider', 'gemini']);
    const got = byId(detectProviders({ env: { PATH: bin } }));
    assert.deepEqual([got.claude!.status, got.claude!.transport, got.claude!.path], ['installed', 'plain', path.join(bin, 'claude')], 'no claude-agent-acp: the plain CLI');
    assert.match(got.claude!.note, /plain CLI/);
    assert.equal(got.gemini!.transport, 'acp');
    assert.equal(got.aider!.status, 'installed');
    assert.equal(got.codex!.status, 'missing');
    assert.match(got.codex!.note, /looked for "codex-acp" and "codex"/);
  });

  it('honours the command and transport settings', () => {
    const bin = pathWith(['my-claude']);
    const got = byId(detectProviders({ env: { PATH: bin }, settings: { claude: { command: 'my-claude', transport: 'acp' } } }));
    assert.deepEqual([got.claude!.status, got.claude!.command, got.claude!.transport], ['installed', 'my-claude', 'acp']);
    const pinned = byId(detectProviders({ env: { PATH: pathWith(['claude']) }, settings: { claude: { transport: 'acp' } } }));
    assert.equal(pinned.claude!.status, 'missing', 'a pinned transport is not swapped for the other');
  });

  it('asks the custom agent for a command line, then checks its executable', () => {
    const bin = pathWith(['mytool']);
    assert.equal(byId(detectProviders({ env: { PATH: bin } })).custom!.status, 'setup');
    const set = byId(detectProviders({ env: { PATH: bin }, feature: { provider: 'custom', template: 'mytool --prompt {promptFile}' } }));
    assert.deepEqual([set.custom!.status, set.custom!.path], ['installed', path.join(bin, 'mytool')]);
    const gone = byId(detectProviders({ env: { PATH: bin }, settings: { custom: { template: 'othertool {promptFile}' } } }));
    assert.equal(gone.custom!.status, 'missing');
  });

  it('offers the scripted agent only to a feature with a script', () => {
    assert.equal(byId(detectProviders({ env: { PATH: '' } })).scripted!.status, 'setup');
    assert.equal(byId(detectProviders({ env: { PATH: '' }, hasScript: true })).scripted!.status, 'installed');
  });

  it('defaults to one that can run: the setting, the feature script, an installed CLI, else the custom command', () => {
    const none = detectProviders({ env: { PATH: '' } });
    assert.equal(defaultProvider(none), 'custom', 'never the scripted agent without a script (it would fail at once)');
    assert.equal(defaultProvider(none, 'gemini'), 'gemini');
    assert.equal(defaultProvider(detectProviders({ env: { PATH: '' }, hasScript: true })), 'scripted');
    assert.equal(defaultProvider(detectProviders({ env: { PATH: pathWith(['aider', 'codex']) } })), 'codex');
  });
});
