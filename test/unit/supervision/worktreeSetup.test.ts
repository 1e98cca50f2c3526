/** The repository's set-up command in a new worktree: progress, output kept, a failure that blocks the start. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventInput } from '../../../src/core/events/schema';
import { runWorktreeSetup, setupDone, setupFailed, type SetupHost } from '../../../src/core/supervision/worktreeSetup';
import { AopError } from '../../../src/core/util/errors';
import { makeTempDir } from '../helpers/tempRepo';
import { clock } from './events';

describe('Worktree set-up', () => {
  let dir: string;
  let did: string[];
  let log: EventInput[];
  const host = (): SetupHost => ({
    worktree: path.join(dir, 'wt'),
    outputFile: path.join(dir, 'setup.log'),
    log: async (e) => void log.push(e),
    stopWatching: async () => void did.push('stop watching'),
    // What the checkpoint sees: whether the command's file is there yet.
    checkpoint: async () => {
      did.push(`checkpoint (deps ${fs.existsSync(path.join(dir, 'wt', 'deps', 'lib.js')) ? 'present' : 'absent'})`);
      return 4;
    },
    startWatching: async () => void did.push('start watching'),
  });

  beforeEach(() => {
    dir = makeTempDir();
    fs.mkdirSync(path.join(dir, 'wt'));
    did = [];
    log = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs with the watcher stopped, then records its changes in a checkpoint of their own before watching again', async () => {
    const lines: string[] = [];
    const command = 'mkdir -p deps && echo "installing" && echo "module.exports = 1" > deps/lib.js && echo "added 1 package"';
    const r = await runWorktreeSetup(host(), { command, timeoutMs: 30_000, featureId: 'f', onProgress: (l) => lines.push(l) });
    assert.equal(r.passed, true);
    assert.equal(r.seq, 4);
    assert.deepEqual(did, ['stop watching', 'checkpoint (deps present)', 'start watching']);
    assert.ok(lines.includes('added 1 package'), `progress lines: ${JSON.stringify(lines)}`);
    assert.match(fs.readFileSync(path.join(dir, 'setup.log'), 'utf8'), /\[aop\] set-up: mkdir[\s\S]*installing\nadded 1 package\n$/);
    assert.deepEqual(
      log.map((e) => (e.t === 'setup' ? `${e.state}${e.seq !== undefined ? ` #${e.seq}` : ''}` : e.t)),
      ['started', 'passed #4'],
    );
  });

  it('a failing command reports its exit code and last lines; the worktree is still checkpointed and watched', async () => {
    const r = await runWorktreeSetup(host(), { command: 'echo "npm ERR! missing lock file" >&2; exit 3', timeoutMs: 30_000, featureId: 'f' });
    assert.equal(r.passed, false);
    assert.equal(r.exitCode, 3);
    assert.deepEqual(did, ['stop watching', 'checkpoint (deps absent)', 'start watching']);
    const err = setupFailed('npm ci', r, path.join(dir, 'setup.log'));
    assert.ok(AopError.is(err, 'SETUP_FAILED'));
    assert.match(err.message, /`npm ci` exited with code 3, so the agent was not started[\s\S]*npm ERR! missing lock file[\s\S]*Full output: /);
    const last = log[log.length - 1]!;
    assert.ok(last.t === 'setup' && last.state === 'failed' && last.exitCode === 3 && last.seq === undefined);
  });

  it('kills a set-up that runs over its time', async () => {
    const r = await runWorktreeSetup(host(), { command: 'sleep 30', timeoutMs: 300, featureId: 'f' });
    assert.equal(r.passed, false);
    assert.match(fs.readFileSync(path.join(dir, 'setup.log'), 'utf8'), /timed out after 300 ms; its process group was killed/);
  });

  it('knows from the log whether the set-up passed for this command (the last run counts)', () => {
    const c = clock();
    const events = [c.ev({ t: 'setup', state: 'started', command: 'npm ci' }), c.ev({ t: 'setup', state: 'passed', command: 'npm ci', seq: 1 })];
    assert.equal(setupDone(events, 'npm ci'), true);
    assert.equal(setupDone(events, 'npm install'), false, 'another command has not run');
    assert.equal(setupDone([...events, c.ev({ t: 'setup', state: 'failed', command: 'npm ci', exitCode: 1 })], 'npm ci'), false);
    assert.equal(setupDone([], 'npm ci'), false);
  });
});
