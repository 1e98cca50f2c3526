import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pidAlive } from '../../../src/core/agents/processGroup';
import { detectSandbox } from '../../../src/core/agents/sandbox';
import { waitFor } from '../../../src/core/util/async';
import { AopError } from '../../../src/core/util/errors';
import { EventRecorder, cleanupTemp, launchSession, scriptedConfig, stopLiveSessions, tempDir, writeScript } from './helpers';

describe('agents/sandbox', () => {
  afterEach(async () => {
    await stopLiveSessions();
    cleanupTemp();
  });

  const script = (dir: string) =>
    writeScript(
      dir,
      `steps:
  - run: "echo inside > inside.txt"
  - run: "echo outside > ../outside.txt"
  - run: "echo tmp > \\"$TMPDIR/tmp.txt\\" && echo tmp-ok > tmp-ok.txt"
`,
    );

  it('confines writes to the worktree when bubblewrap works here, or reports it unavailable', async () => {
    const cap = detectSandbox(process.env.PATH, true);
    const dir = tempDir();
    const wt = path.join(dir, 'wt');
    fs.mkdirSync(wt);
    const rec = new EventRecorder();
    if (!cap.available) {
      // Not a skip: the capability must be reported unavailable, and a sandboxed start must refuse.
      assert.match(cap.reason, /bubblewrap|Linux/);
      await launchSession(scriptedConfig(script(dir), 'plain', { sandbox: true }), { log: rec.log }, wt);
      assert.equal(rec.states().at(-1), 'failed');
      return;
    }
    assert.match(cap.reason, /^bubblewrap at /);
    const s = await launchSession(scriptedConfig(script(dir), 'plain', { sandbox: true }), { log: rec.log }, wt);
    assert.equal(s.capabilities?.sandboxed, true);
    const exit = await s.exited;
    assert.equal(exit.state, 'exited');
    assert.equal(fs.readFileSync(path.join(wt, 'inside.txt'), 'utf8'), 'inside\n', 'the worktree is writable');
    assert.equal(fs.existsSync(path.join(dir, 'outside.txt')), false, 'outside the worktree is read-only');
    assert.ok(fs.existsSync(path.join(wt, 'tmp-ok.txt')), 'a private TMPDIR is writable');
    assert.ok(s.recentOutput().some((l) => /Read-only file system/.test(l.text)), 'the shell saw the refusal');
    const launch = rec.of('agent.update').find((e) => e.kind === 'launch')!.data as { sandbox: boolean };
    assert.equal(launch.sandbox, true);
  });

  it('with no sandbox setting (the default) the agent is confined wherever bubblewrap works', async () => {
    const cap = detectSandbox(process.env.PATH, true);
    const dir = tempDir();
    const wt = path.join(dir, 'wt');
    fs.mkdirSync(wt);
    const rec = new EventRecorder();
    const s = await launchSession(scriptedConfig(script(dir), 'plain'), { log: rec.log }, wt);
    const exit = await s.exited;
    assert.equal(exit.state, 'exited');
    assert.equal(fs.readFileSync(path.join(wt, 'inside.txt'), 'utf8'), 'inside\n');
    // Where bubblewrap cannot run, the default runs unsandboxed and says so (tested in sandboxGit.test.ts).
    assert.equal(s.capabilities?.sandboxed, cap.available, cap.reason);
    assert.equal(fs.existsSync(path.join(dir, 'outside.txt')), !cap.available, 'outside the worktree is read-only by default');
  });

  it('the same agent unsandboxed can write outside (the test above is not vacuous)', async () => {
    const dir = tempDir();
    const wt = path.join(dir, 'wt');
    fs.mkdirSync(wt);
    const s = await launchSession(scriptedConfig(script(dir), 'plain', { sandbox: false }), { log: () => undefined }, wt);
    await s.exited;
    assert.equal(fs.readFileSync(path.join(dir, 'outside.txt'), 'utf8'), 'outside\n');
  });

  it('asking for a sandbox that is unavailable fails the start with the reason, never runs unsandboxed', async () => {
    const dir = tempDir();
    const rec = new EventRecorder();
    const s = await launchSession(scriptedConfig(script(dir), 'plain', { sandbox: true }), { log: rec.log }, dir, 'go', {
      detectSandbox: () => ({ available: false, reason: 'bubblewrap is installed but cannot run here (no user namespaces)' }),
    });
    assert.equal(s.state, 'failed');
    assert.ok(AopError.is(s.error, 'AGENT_FAILED'));
    assert.match(rec.of('agent.state').at(-1)!.reason!, /sandbox was requested but is unavailable: bubblewrap is installed but cannot run here/);
    assert.equal(fs.existsSync(path.join(dir, 'inside.txt')), false, 'nothing ran');
  });
});

describe('agents/sandbox process control', () => {
  afterEach(async () => {
    await stopLiveSessions();
    cleanupTemp();
  });

  it('stop reaches a sandboxed agent and what it started', async () => {
    const cap = detectSandbox(process.env.PATH);
    const dir = tempDir();
    const rec = new EventRecorder();
    const script = writeScript(dir, 'stayAlive: true\nsteps:\n  - run: { command: "sleep 1000 & echo $! > sleep.pid", ask: false }\n');
    const s = await launchSession(scriptedConfig(script, 'plain', { sandbox: true, stopTimeoutMs: 2000 }), { log: rec.log }, dir);
    if (!cap.available) {
      assert.equal(s.state, 'failed');
      return;
    }
    await waitFor(() => fs.existsSync(path.join(dir, 'sleep.pid')) && fs.readFileSync(path.join(dir, 'sleep.pid'), 'utf8').trim() !== '', 10000, 'sleep started');
    const pid = Number(fs.readFileSync(path.join(dir, 'sleep.pid'), 'utf8'));
    s.pause();
    s.resume();
    const exit = await s.stop();
    assert.equal(exit.state, 'exited');
    await waitFor(() => !pidAlive(s.pid!) && !pidAlive(pid), 5000, 'sandboxed processes gone');
  });
});
