/**
 * A rollback under a running agent: the agent's processes are really stopped while its worktree
 * is rewritten, and the agent is really told afterwards (it acknowledges the message), also when
 * the rollback fails.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { RollbackResult } from '../../../src/core/rollback/rollbackService';
import { AopError } from '../../../src/core/util/errors';
import { waitFor } from '../../../src/core/util/async';
import { useTestOrchestrator, featureRuntimeOf } from '../helpers/testOrchestrator';

const PLAN = 'version: 1\nallowed: ["src/**"]\n';

/** The kernel's word on a process: 'T' when stopped (SIGSTOP), 'S' or 'R' when it runs. */
function procState(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

describe('Rollback with a running agent', function () {
  const t = useTestOrchestrator();

  before(function () {
    if (!fs.existsSync('/proc/self/stat')) this.skip(); // reads process states from /proc
  });

  /** A plain scripted agent that breaks the plan once, then keeps writing; waits for the violation. */
  async function agentThatBrokeThePlan(id: string) {
    await t.orch.createFeature({ id, baseRef: 'main', spec: 'x', planYaml: PLAN });
    const script = t.script(`${id}.yaml`, 'steps:\n  - write: { path: docs/nope.md, content: "out of scope\\n" }\n  - tick: { path: src/counter.txt, everyMs: 20, times: 100000 }\n');
    const session = await t.orch.startAgent(id, { provider: 'scripted', transport: 'plain', script });
    await waitFor(() => t.orch.summary(id).violations.some((v) => v.path === 'docs/nope.md'), 30_000, 'the out-of-scope write to be flagged');
    assert.equal(session.state, 'running');
    return session;
  }

  /** Wraps the runtime's smart rollback to see the agent's process state while it runs. */
  function observe(id: string, pid: number, inner?: () => Promise<RollbackResult>) {
    const rt = featureRuntimeOf(t.orch, id);
    const seen: string[] = [];
    const original = rt.rollback.smart.bind(rt.rollback);
    rt.rollback.smart = async () => {
      seen.push(procState(pid));
      try {
        return await (inner ?? original)();
      } finally {
        seen.push(procState(pid));
      }
    };
    return seen;
  }

  const notices = async (id: string) =>
    (await t.orch.events(id)).filter((e) => e.t === 'message' && e.state === 'acknowledged').map((e) => (e.t === 'message' ? e.id : ''));

  const noticeAbout = async (id: string, file: string) => {
    const events = await t.orch.events(id);
    const sent = events.filter((e) => e.t === 'message' && e.from === 'system' && e.text?.includes(file)).map((e) => (e.t === 'message' ? e.id : ''));
    const acked = new Set(await notices(id));
    return sent.some((m) => acked.has(m));
  };

  it('stops the agent for the whole rollback, resumes it, and tells it what changed (it acknowledges)', async () => {
    const session = await agentThatBrokeThePlan('ok');
    const seen = observe('ok', session.pid!);
    const r = await t.orch.smartRollback('ok');
    assert.deepEqual(r.paths, ['docs/nope.md']);
    assert.deepEqual(seen, ['T', 'T'], 'every process of the agent stopped while the worktree was rewritten');
    assert.equal(session.state, 'running');
    assert.notEqual(procState(session.pid!), 'T', 'running again afterwards');
    await waitFor(() => noticeAbout('ok', 'docs/nope.md'), 20_000, 'the agent to acknowledge the rollback notice');
    await t.orch.stopAgent('ok');
  });

  it('a rollback that fails still resumes the agent and tells it which files changed', async () => {
    const session = await agentThatBrokeThePlan('bad');
    const partial: RollbackResult = { ok: false, kind: 'smart', targetSeq: -1, preRollbackSeq: 1, paths: ['docs/nope.md'], mismatches: ['docs/nope.md'], skipped: [] };
    const seen = observe('bad', session.pid!, () => Promise.reject(new AopError('ROLLBACK_FAILED', 'Rollback did not restore 1 path(s): docs/nope.md.', { details: { result: partial } })));
    await assert.rejects(t.orch.smartRollback('bad'), (e) => AopError.is(e, 'ROLLBACK_FAILED'));
    assert.deepEqual(seen, ['T', 'T']);
    assert.equal(session.state, 'running');
    await waitFor(() => noticeAbout('bad', 'docs/nope.md'), 20_000, 'the agent to acknowledge the notice of the failed rollback');
    await t.orch.stopAgent('bad');
  });
});
