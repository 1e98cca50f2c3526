import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseProviderConfig } from '../../../src/core/agents/config';
import { agentEnvironment, buildLaunchSpec, launchRecord } from '../../../src/core/agents/launchSpec';
import { PROVIDERS } from '../../../src/core/agents/providers';
import { SessionLifecycle } from '../../../src/core/agents/sessionLifecycle';

describe('agents/launchSpec', () => {
  const worktree = path.resolve('/repo/.aop/worktrees/f1');
  const claude = PROVIDERS.claude;
  const plan = (sandbox: boolean | { writable: string[] }) => {
    const config = parseProviderConfig({ provider: 'claude', transport: 'plain', sandbox, env: { SET_BY_USER: 'x' } });
    return { config, plan: claude.launch({ featureId: 'f1', worktree, config, promptFile: '/tmp/p.md' }, 'plain') };
  };

  it('keeps only allowlisted variables, the user settings and the provider own', () => {
    const { config, plan: p } = plan(false);
    const env = agentEnvironment(claude, config, { PATH: '/bin', SECRET_TOKEN: 's', ANTHROPIC_API_KEY: 'k', HOME: '/home/u' }, p);
    assert.equal(env.SECRET_TOKEN, undefined);
    assert.equal(env.ANTHROPIC_API_KEY, 'k');
    assert.equal(env.SET_BY_USER, 'x');
    assert.equal(env.PATH, '/bin');
  });

  it('runs the executable directly in the worktree when not sandboxed', () => {
    const { config, plan: p } = plan(false);
    const spec = buildLaunchSpec({ provider: claude, config, worktree, plan: p, executable: { path: '/bin/claude', shim: false }, env: { HOME: '/home/u' }, exists: () => true });
    assert.deepEqual([spec.command, spec.cwd, spec.captureStdout], ['/bin/claude', worktree, true]);
    assert.deepEqual(spec.args, p.args);
  });

  it('wraps a sandboxed launch in bubblewrap: worktree, private tmp, git state, existing state folders, package caches and extra writable paths', () => {
    const { config, plan: p } = plan({ writable: ['../shared'] });
    const present = new Set(['/home/u/.claude', '/home/u/.npm', '/home/u/.cargo/registry', '/g/objects', '/g/objects/info', '/g/worktrees/f1', '/g/worktrees/f1/gitdir', '/priv/refs', '/g/refs/heads/aop']);
    const exists = (q: string) => present.has(q) || q.startsWith(worktree) || q.startsWith('/tmp/') || q === path.resolve(worktree, '../shared');
    const git = { writable: ['/g/objects', '/g/worktrees/f1'], overlays: [['/priv/refs', '/g/refs/heads/aop'] as [string, string]], readOnly: ['/g/objects/info', '/g/worktrees/f1/gitdir', '/g/worktrees/f1/config.worktree'] };
    const spec = buildLaunchSpec({ provider: claude, config, worktree, plan: p, executable: { path: '/bin/claude', shim: true }, env: { HOME: '/home/u' }, sandbox: { bwrap: '/usr/bin/bwrap', tmp: '/tmp/aop-agent-1/tmp', git }, exists });
    assert.equal(spec.command, '/usr/bin/bwrap');
    assert.equal(spec.shim, false);
    assert.equal(spec.env.TMPDIR, '/tmp/aop-agent-1/tmp');
    const pairs = spec.args.flatMap((a, i) => (a === '--bind' || a === '--ro-bind' ? [`${a} ${spec.args[i + 1]} ${spec.args[i + 2]}`] : []));
    assert.deepEqual(pairs, [
      '--ro-bind / /',
      `--bind ${worktree} ${worktree}`,
      '--bind /tmp/aop-agent-1/tmp /tmp/aop-agent-1/tmp',
      '--bind /g/objects /g/objects',
      '--bind /g/worktrees/f1 /g/worktrees/f1',
      '--bind /home/u/.claude /home/u/.claude',
      '--bind /home/u/.npm /home/u/.npm',
      '--bind /home/u/.cargo/registry /home/u/.cargo/registry',
      `--bind ${path.resolve(worktree, '../shared')} ${path.resolve(worktree, '../shared')}`,
      // The private branch folder over the shared one, then read-only holes (last, so they win).
      '--bind /priv/refs /g/refs/heads/aop',
      '--ro-bind /g/objects/info /g/objects/info',
      '--ro-bind /g/worktrees/f1/gitdir /g/worktrees/f1/gitdir',
    ]);
    assert.deepEqual(spec.args.slice(spec.args.indexOf('--') + 1), ['/bin/claude', ...p.args]);
  });

  it('records variable names, never their values', () => {
    const { config, plan: p } = plan(false);
    const spec = buildLaunchSpec({ provider: claude, config, worktree, plan: p, executable: { path: '/bin/claude', shim: false }, env: { B: 'secret', A: 'x' }, exists: () => true });
    const rec = launchRecord(claude, p, { path: '/bin/claude', shim: false }, spec, false);
    assert.deepEqual(rec.env, ['A', 'B']);
    assert.ok(!JSON.stringify(rec).includes('secret'));
  });
});

describe('agents/sessionLifecycle', () => {
  const withDir = () => {
    const life = new SessionLifecycle();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aop-life-'));
    life.ownDir(dir);
    return { life, dir };
  };

  it('removes the private folder once the process ends after a launch', async () => {
    const { life, dir } = withDir();
    assert.ok(life.accept());
    assert.ok(!life.accept(), 'accepted once only');
    life.beginLaunch();
    await life.launchDone(false);
    assert.equal(life.phase, 'live');
    assert.ok(fs.existsSync(dir));
    await life.processEnded();
    await life.done;
    assert.ok(!fs.existsSync(dir));
  });

  it('a stop during the launch leaves the cleanup to the launch, which still does it', async () => {
    const { life, dir } = withDir();
    life.accept();
    life.beginLaunch();
    await life.processEnded();
    assert.equal(life.phase, 'ending');
    assert.ok(fs.existsSync(dir), 'the launch may still be writing there');
    await life.launchDone(true);
    await life.done;
    assert.ok(!fs.existsSync(dir));
  });

  it('holds a pause asked for while starting until it is taken', () => {
    const life = new SessionLifecycle();
    life.holdPause('critical violation');
    assert.ok(life.pauseHeld);
    assert.equal(life.takePause(), 'critical violation');
    assert.equal(life.takePause(), undefined);
  });
});
