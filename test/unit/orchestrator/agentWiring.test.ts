/** The orchestrator with real agents: the scripted agent as a real process, over ACP and plain. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AopError } from '../../../src/core/util/errors';
import { waitFor } from '../../../src/core/util/async';
import { fakeSecrets } from '../validation/fixtures';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

const PLAN = 'version: 1\nallowed: ["src/**"]\n';

describe('Orchestrator with agents', () => {
  const t = useTestOrchestrator();

  it('denies an out-of-plan write over ACP before it reaches disk, and lets in-plan writes land', async () => {
    const f = await t.orch.createFeature({ id: 'acp', baseRef: 'main', spec: 'do it', planYaml: PLAN });
    const s = t.script('acp.yaml', 'steps:\n  - write: { path: src/ok.ts, content: "ok\\n" }\n  - write: { path: docs/nope.md, content: "nope\\n" }\n');
    const session = await t.orch.startAgent('acp', { provider: 'scripted', transport: 'acp', script: s });
    let turns = 0;
    session.onTurnEnd(() => turns++);
    await waitFor(() => turns > 0 || session.state === 'failed', 30_000, 'the prompt turn to end');
    assert.equal(session.state, 'running');
    assert.equal(fs.readFileSync(path.join(f.worktree!, 'src/ok.ts'), 'utf8'), 'ok\n');
    assert.equal(fs.existsSync(path.join(f.worktree!, 'docs/nope.md')), false, 'the denied write never reached disk');
    await t.orch.checkpointNow('acp');
    const events = await t.orch.events('acp');
    assert.ok(events.some((e) => e.t === 'agent.state' && e.to === 'running'));
    await t.orch.stopAgent('acp');
  });

  it('refuses an in-scope ACP write holding a secret or too many bytes before it reaches disk, telling the agent why', async () => {
    const f = await t.orch.createFeature({ id: 'content', baseRef: 'main', spec: 'do it', planYaml: `${PLAN}limits:\n  maxFileBytes: 1000\n` });
    const key = fakeSecrets.aws();
    const s = t.script(
      'content.yaml',
      `steps:\n  - write: { path: src/creds.ts, content: "export const key = \\"${key}\\";\\n" }\n  - write: { path: src/big.ts, content: "${'x'.repeat(1001)}" }\n  - write: { path: src/ok.ts, content: "ok\\n" }\n`,
    );
    const session = await t.orch.startAgent('content', { provider: 'scripted', transport: 'acp', script: s });
    let turns = 0;
    session.onTurnEnd(() => turns++);
    await waitFor(() => turns > 0 || session.state === 'failed', 30_000, 'the prompt turn to end');
    assert.equal(fs.readFileSync(path.join(f.worktree!, 'src/ok.ts'), 'utf8'), 'ok\n', 'the clean write landed');
    assert.equal(fs.existsSync(path.join(f.worktree!, 'src/creds.ts')), false, 'the write holding a secret never reached disk');
    assert.equal(fs.existsSync(path.join(f.worktree!, 'src/big.ts')), false, 'the oversize write never reached disk');
    await t.orch.checkpointNow('content');
    const refused = (await t.orch.events('content')).flatMap((e) => (e.t === 'agent.update' && e.kind === 'fs.write' && (e.data as { allowed?: boolean }).allowed === false ? [e.data as { path: string; reason: string }] : []));
    assert.ok(refused.some((r) => r.path === 'src/creds.ts' && /AWS access key/.test(r.reason)), JSON.stringify(refused));
    assert.ok(refused.some((r) => r.path === 'src/big.ts' && /1001 bytes, over the plan's limit of 1000 bytes/.test(r.reason)), JSON.stringify(refused));
    // The agent was told (the scripted agent prints the error its write got back).
    await waitFor(() => session.recentOutput().some((l) => /src\/creds\.ts refused: .*AWS access key/.test(l.text)), 10_000, 'the refusal to reach the agent');
    await t.orch.stopAgent('content');
  });

  it('pauses the agent within one checkpoint cycle of a critical violation', async () => {
    const f = await t.orch.createFeature({ id: 'crit', baseRef: 'main', spec: 'x', planYaml: PLAN });
    const s = t.script('crit.yaml', 'steps:\n  - symlink: { path: src/escape, target: /etc/passwd }\n  - tick: { path: src/counter.txt, everyMs: 30, times: 2000 }\n');
    const session = await t.orch.startAgent('crit', { provider: 'scripted', transport: 'plain', script: s });
    await waitFor(() => session.state === 'paused', 30_000, 'agent paused by the critical violation');
    assert.ok(t.orch.summary('crit').violations.some((v) => v.kind === 'symlink_escape' && v.severity === 'critical'));
    const counter = path.join(f.worktree!, 'src/counter.txt');
    const frozen = fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8') : '';
    // A paused process group cannot write: take a manual checkpoint round trip and look again.
    await t.orch.checkpointNow('crit');
    assert.equal(fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8') : '', frozen);
    await t.orch.stopAgent('crit');
  });

  it('does not start an agent while its plan is broken, and says where', async () => {
    await t.orch.createFeature({ id: 'broken', baseRef: 'main', spec: 'x', planYaml: PLAN });
    // The user saves a broken plan in the editor: it is the plan in force now.
    const planFile = path.join(t.repo.dir, '.aop/features/broken/plan.yaml');
    fs.writeFileSync(planFile, 'version: 1\nallowed: src/**\n');
    await t.orch.guards.fileChanged(planFile, true);
    await waitFor(() => t.orch.summary('broken').planError !== undefined, 10_000, 'the saved plan to be in force');
    const s = t.script('broken.yaml', 'steps:\n  - write: { path: src/ran.ts, content: "ran\\n" }\n');
    await assert.rejects(t.orch.startAgent('broken', { provider: 'scripted', transport: 'plain', script: s }), (e: unknown) => AopError.is(e, 'PLAN_INVALID') && /was not started: its plan\.yaml has problems \(.*plan\.yaml:2:10: allowed: expected a list/.test((e as Error).message));
    assert.equal(t.orch.session('broken'), undefined);
  });

  it('pauses the agent when it writes a secret-like line, also into a forbidden path', async () => {
    const f = await t.orch.createFeature({ id: 'leak', baseRef: 'main', spec: 'x', planYaml: 'version: 1\nallowed: ["src/**", "secrets/**"]\nforbidden: ["secrets/**"]\n' });
    const key = fakeSecrets.aws();
    const s = t.script('leak.yaml', `steps:\n  - run: { command: "mkdir -p secrets && echo AWS_ACCESS_KEY_ID=${key} > secrets/aws.env", ask: false }\n  - tick: { path: src/counter.txt, everyMs: 30, times: 2000 }\n`);
    const session = await t.orch.startAgent('leak', { provider: 'scripted', transport: 'plain', script: s });
    await waitFor(() => session.state === 'paused', 30_000, 'agent paused by the secret');
    const found = t.orch.summary('leak').violations.filter((v) => v.path === 'secrets/aws.env').map((v) => `${v.kind}:${v.severity}`).sort();
    assert.deepEqual(found, ['forbidden_path:error', 'secret_detected:critical']);
    assert.ok(fs.existsSync(path.join(f.worktree!, 'secrets/aws.env')));
    await t.orch.stopAgent('leak');
  });

  it('opens the circuit breaker after three failed checkpoints and pauses the agent', async () => {
    await t.orch.createFeature({ id: 'brk', baseRef: 'main', spec: 'x', planYaml: PLAN });
    const s = t.script('brk.yaml', 'steps:\n  - tick: { path: src/counter.txt, everyMs: 30, times: 2000 }\n');
    // Unsandboxed: inside the sandbox the object store is bind-mounted, and swapping it is not this test's subject.
    const session = await t.orch.startAgent('brk', { provider: 'scripted', transport: 'plain', script: s, sandbox: false });
    await waitFor(() => session.state === 'running', 30_000, 'agent running');
    const worktree = t.orch.summary('brk').worktree!;
    // Break the object store's writes: every checkpoint now fails until it is restored.
    const objects = path.join(t.repo.dir, '.git', 'objects');
    const saved = `${objects}.saved`;
    fs.renameSync(objects, saved);
    fs.writeFileSync(objects, 'not a folder');
    try {
      // The agent's writes keep coming: the watcher's checkpoints fail one after another.
      for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(worktree, `src/f${i}.ts`), `${i}\n`);
      await waitFor(() => t.orch.summary('brk').breaker.open, 15_000, 'the breaker to open');
      assert.ok(t.orch.summary('brk').breaker.failures >= 3);
      await waitFor(() => session.state === 'paused', 10_000, 'agent paused by the open breaker');
      assert.throws(() => t.orch.resumeAgent('brk'), (e) => AopError.is(e, 'BUSY'));
    } finally {
      fs.rmSync(objects);
      fs.renameSync(saved, objects);
    }
    await t.orch.resetBreaker('brk');
    assert.equal(t.orch.summary('brk').breaker.open, false);
    await t.orch.stopAgent('brk');
  });

  it('refuses to start an agent in an untrusted workspace', async () => {
    await t.reopen({ isTrusted: () => false });
    await t.orch.createFeature({ id: 'untrusted', baseRef: 'main', spec: 'x' });
    await assert.rejects(t.orch.startAgent('untrusted', { provider: 'scripted', script: 'x.yaml' }), (e) => AopError.is(e, 'UNTRUSTED'));
  });

  it('reports a write in the main checkout while an agent runs as a main_checkout_write violation (critical by default: the agent is paused)', async () => {
    await t.reopen({ settings: { watchMainCheckout: true } });
    await t.orch.createFeature({ id: 'lane', baseRef: 'main', spec: 'x', planYaml: PLAN });
    const s = t.script('lane.yaml', 'steps:\n  - tick: { path: src/counter.txt, everyMs: 50, times: 2000 }\n');
    const session = await t.orch.startAgent('lane', { provider: 'scripted', transport: 'plain', script: s });
    await waitFor(() => session.state === 'running', 30_000, 'agent running');
    // Until the main-checkout watch is up a write could go unseen: keep writing until it is noticed.
    let n = 0;
    await waitFor(
      () => {
        fs.writeFileSync(path.join(t.repo.dir, 'stray.txt'), `stray ${n++}\n`);
        return t.orch.summary('lane').violations.some((v) => v.kind === 'main_checkout_write' && v.path === 'stray.txt');
      },
      20_000,
      'main_checkout_write violation',
      200,
    );
    const v = t.orch.summary('lane').violations.find((x) => x.kind === 'main_checkout_write')!;
    assert.equal(v.severity, 'critical');
    assert.match(v.message, /lane/);
    await waitFor(() => session.state === 'paused', 5000, 'the agent paused');
    await t.orch.stopAgent('lane');
  });
});
