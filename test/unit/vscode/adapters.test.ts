/** The vscode-free pieces of the adapters: settings parsing. */
import * as assert from 'node:assert/strict';
import { DEFAULT_SETTINGS } from '../../../src/core/orchestrator';
import { SETTINGS, type SettingKey } from '../../../src/vscode/ids';
import { parseSettings } from '../../../src/vscode/settingsModel';

function read(values: Partial<Record<SettingKey, unknown>>) {
  return parseSettings((k) => values[k]);
}

describe('parseSettings', () => {
  it('gives the core defaults when nothing is set', () => {
    const r = read({});
    assert.deepEqual(r.settings, { ...DEFAULT_SETTINGS, worktreesRoot: undefined });
    assert.equal(r.defaultProvider, undefined, 'automatic: one that can run (agentChoice)');
    assert.equal(read({ [SETTINGS.defaultProvider]: 'auto' }).defaultProvider, undefined);
    assert.deepEqual(r.problems, []);
  });

  it('takes the custom agent\'s command line from settings (the key its error message names), and only for it', () => {
    const r = read({ [SETTINGS.providers]: { custom: { template: 'mytool {promptFile}' }, claude: { template: 'x' } } });
    assert.deepEqual(r.settings.providers.custom, { template: 'mytool {promptFile}' });
    assert.equal(r.settings.providers.claude, undefined);
    assert.match(r.problems.join('\n'), /aop\.providers\.claude: .*template/);
  });

  it('reads valid values into OrchestratorSettings', () => {
    const r = read({
      [SETTINGS.watcherBackend]: 'polling',
      [SETTINGS.debounceMs]: 300,
      [SETTINGS.maxWaitMs]: 2000,
      [SETTINGS.maxRunningAgents]: 2,
      [SETTINGS.reconcileIntervalMs]: 0,
      [SETTINGS.worktreesRoot]: '/tmp/wt',
      [SETTINGS.providers]: { claude: { command: '/opt/claude', args: ['--x'], transport: 'plain', approvalMode: 'default' } },
      [SETTINGS.defaultProvider]: 'claude',
    });
    assert.deepEqual(r.problems, []);
    assert.equal(r.settings.watcherBackend, 'polling');
    assert.equal(r.settings.debounceMs, 300);
    assert.equal(r.settings.maxWaitMs, 2000);
    assert.equal(r.settings.maxRunningAgents, 2);
    assert.equal(r.settings.reconcileIntervalMs, 0);
    assert.equal(r.settings.worktreesRoot, '/tmp/wt');
    // Only what the user wrote: no schema defaults that would override a feature's own choices.
    assert.deepEqual(r.settings.providers, { claude: { command: '/opt/claude', args: ['--x'], transport: 'plain', approvalMode: 'default' } });
    assert.equal(r.defaultProvider, 'claude');
  });

  it('rejects invalid values one by one, naming the setting, and keeps the defaults', () => {
    const r = read({
      [SETTINGS.watcherBackend]: 'inotify',
      [SETTINGS.debounceMs]: -5,
      [SETTINGS.maxRunningAgents]: 1.5,
      [SETTINGS.worktreesRoot]: 'relative/dir',
      [SETTINGS.providers]: { claude: { transport: 'smoke' }, nope: {}, codex: { command: 'codex' } },
    });
    assert.equal(r.settings.watcherBackend, 'auto');
    assert.equal(r.settings.debounceMs, DEFAULT_SETTINGS.debounceMs);
    assert.equal(r.settings.maxRunningAgents, DEFAULT_SETTINGS.maxRunningAgents);
    assert.equal(r.settings.worktreesRoot, undefined);
    assert.deepEqual(r.settings.providers, { codex: { command: 'codex' } });
    const text = r.problems.join('\n');
    for (const key of ['aop.watcher.backend', 'aop.watcher.debounceMs', 'aop.agents.maxRunning', 'aop.worktreesRoot', 'aop.providers.claude.transport', 'aop.providers.nope']) {
      assert.ok(text.includes(key), `no problem reported for ${key}:\n${text}`);
    }
  });
});
