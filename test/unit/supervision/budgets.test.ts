/** Budgets: limits from plan and settings, usage from the log, and what reaching one does. */
import * as assert from 'node:assert/strict';
import type { AopEvent, EventInput } from '../../../src/core/events/schema';
import { parsePlan, type PlanBudget } from '../../../src/core/plan';
import { BudgetLedger, budgetLimits, UsageFold } from '../../../src/core/supervision/budgets';
import { BudgetWatch, type BudgetHost } from '../../../src/core/supervision/budgetWatch';
import { waitFor } from '../../../src/core/util/async';
import { clock } from './events';

describe('Budgets', () => {
  it('takes each plan key over the setting, converts units, and treats 0 as no budget', () => {
    const plan = parsePlan('version: 1\nbudget:\n  tokens: 5000\n  wallTimeMinutes: 0\n  checkpointMB: 1.5\n', 'plan.yaml');
    assert.deepEqual(budgetLimits(plan.budget, { tokens: 100, wallTimeMinutes: 30, filesChanged: 40, costUsd: 0 }), {
      tokens: 5000,
      filesChanged: 40,
      checkpointBytes: 1.5 * 1024 * 1024,
    });
    assert.deepEqual(budgetLimits(undefined, { wallTimeMinutes: 2 }), { wallTimeSec: 120 });
  });

  it('refuses a bad budget in plan.yaml with its line and column', () => {
    assert.throws(() => parsePlan('version: 1\nbudget:\n  tokens: -3\n', 'plan.yaml'), /plan\.yaml:3:\d+.*0 or more/);
    assert.throws(() => parsePlan('version: 1\nbudget:\n  token: 3\n', 'plan.yaml'), /unknown key in budget; known keys are: tokens, costUsd/);
  });

  it('sums tokens and cost over sessions and counts running time without the paused stretches', () => {
    const c = clock();
    const u = new UsageFold();
    for (const e of [
      c.ev({ t: 'agent.state', from: 'none', to: 'queued' }, 0),
      c.ev({ t: 'agent.state', from: 'starting', to: 'running' }, 10),
      c.ev({ t: 'agent.usage', inputTokens: 100, outputTokens: 20, costUsd: 0.5 }, 20),
      c.ev({ t: 'agent.usage', inputTokens: 300, outputTokens: 50, costUsd: 1.25 }, 30),
      c.ev({ t: 'agent.state', from: 'running', to: 'paused' }, 40),
      c.ev({ t: 'agent.state', from: 'paused', to: 'running' }, 100),
      c.ev({ t: 'agent.state', from: 'running', to: 'exited', reason: 'completed' }, 110),
      // A second session reports from zero again.
      c.ev({ t: 'agent.state', from: 'none', to: 'queued' }, 200),
      c.ev({ t: 'agent.state', from: 'starting', to: 'running' }, 205),
      c.ev({ t: 'agent.usage', inputTokens: 10, outputTokens: 5, costUsd: 0.25 }, 206),
    ])
      u.apply(e);
    assert.deepEqual(u.usage(c.at(215)), { tokens: 350 + 15, costUsd: 1.5, wallTimeSec: 30 + 10 + 10 });
  });

  it('asks once per reached budget and raises the limit by what the person extends', () => {
    const c = clock();
    const l = new BudgetLedger();
    assert.deepEqual(l.newlyReached({ tokens: 1000, filesChanged: 3 }, { tokens: 1000, filesChanged: 10 }), ['tokens']);
    l.apply(c.ev({ t: 'budget', kind: 'tokens', state: 'reached', used: 1000, limit: 1000 }));
    assert.deepEqual(l.newlyReached({ tokens: 1500 }, { tokens: 1000 }), [], 'asked already: not again while waiting');
    l.apply(c.ev({ t: 'budget', kind: 'tokens', state: 'extended', used: 1500, limit: 2500 }));
    assert.deepEqual(l.effective({ tokens: 1000 }), { tokens: 2500 });
    assert.deepEqual(l.newlyReached({ tokens: 2000 }, { tokens: 1000 }), []);
    assert.deepEqual(l.newlyReached({ tokens: 2500 }, { tokens: 1000 }), ['tokens']);
    // A plan raised past the extension wins.
    assert.deepEqual(l.effective({ tokens: 9000 }), { tokens: 9000 });
  });

  describe('BudgetWatch', () => {
    interface Calls {
      log: EventInput[];
      did: string[];
    }
    function host(limits: PlanBudget, calls: Calls, measured = { filesChanged: 0, checkpointBytes: 0 }, now?: () => number): BudgetHost & { paused: boolean } {
      const h = {
        paused: false,
        limits: () => budgetLimits(undefined, limits),
        log: async (e: EventInput) => void calls.log.push(e),
        checkpoint: async () => {
          calls.did.push('checkpoint');
          return 7;
        },
        pause: (reason: string) => {
          calls.did.push(`pause: ${reason}`);
          h.paused = true;
          return true;
        },
        resume: (reason: string) => {
          calls.did.push(`resume: ${reason}`);
          h.paused = false;
          return true;
        },
        stop: async (reason: string) => void calls.did.push(`stop: ${reason}`),
        measure: async () => measured,
        now,
      };
      return h;
    }

    it('pauses the agent, takes a checkpoint and asks, then resumes when the person extends', async () => {
      const c = clock();
      const calls: Calls = { log: [], did: [] };
      const h = host({ tokens: 1000 }, calls);
      const w = new BudgetWatch(h, [c.ev({ t: 'agent.state', from: 'none', to: 'queued' })]);
      w.apply(c.ev({ t: 'agent.usage', inputTokens: 600, outputTokens: 300 }));
      await w.settled();
      assert.deepEqual(calls.did, [], 'under budget: nothing happens');
      w.apply(c.ev({ t: 'agent.usage', inputTokens: 700, outputTokens: 300 }));
      w.apply(c.ev({ t: 'agent.usage', inputTokens: 800, outputTokens: 300 }));
      await w.settled();
      assert.deepEqual(calls.did, ['pause: budget reached: tokens 1,000 tokens of 1,000 tokens', 'checkpoint'], 'paused before the checkpoint, once');
      assert.deepEqual(calls.log, [{ t: 'budget', kind: 'tokens', state: 'reached', used: 1000, limit: 1000, seq: 7 }]);
      assert.deepEqual(w.openAsks(), ['tokens']);
      assert.deepEqual(w.status(), [{ kind: 'tokens', used: 1100, limit: 1000, reached: true }]);

      await w.resolve('tokens', { choice: 'extend', by: 500 });
      assert.deepEqual(calls.log[1], { t: 'budget', kind: 'tokens', state: 'extended', used: 1100, limit: 1600 });
      assert.equal(h.paused, false, 'extending resumed the agent');
      assert.deepEqual(w.openAsks(), []);
      w.apply(c.ev({ t: 'agent.usage', inputTokens: 1300, outputTokens: 300 }));
      await w.settled();
      assert.equal(calls.log[2]?.t, 'budget', 'the extended budget is reached in its turn');
      assert.equal(h.paused, true);
    });

    it('stops the agent only when the person says so (stop, or accept as is)', async () => {
      const c = clock();
      const calls: Calls = { log: [], did: [] };
      const w = new BudgetWatch(host({ costUsd: 1 }, calls));
      w.apply(c.ev({ t: 'agent.usage', costUsd: 1.2 }));
      await w.settled();
      assert.ok(!calls.did.some((d) => d.startsWith('stop')), 'reaching a budget never stops the agent by itself');
      await w.resolve('costUsd', { choice: 'accept' });
      assert.equal(calls.did.at(-1), 'stop: budget reached: work accepted as it is');
      assert.deepEqual(calls.log.at(-1), { t: 'budget', kind: 'costUsd', state: 'accepted', used: 1.2, limit: 1 });
      await assert.rejects(w.resolve('costUsd', { choice: 'stop' }), /No cost budget is waiting/);
    });

    it('measures files changed and checkpoint disk after checkpoints and asks when over', async () => {
      const c = clock();
      const calls: Calls = { log: [], did: [] };
      const w = new BudgetWatch(host({ filesChanged: 5, checkpointMB: 1 }, calls, { filesChanged: 6, checkpointBytes: 10 }));
      await w.measureNow();
      await w.settled();
      assert.deepEqual(
        calls.log.map((e) => (e.t === 'budget' ? `${e.kind}:${e.used}/${e.limit}` : e.t)),
        ['filesChanged:6/5'],
      );
      void c;
    });

    it('pauses a running agent when its running time reaches the budget (a timer, no polling by the test)', async () => {
      const calls: Calls = { log: [], did: [] };
      const start = Date.now();
      const w = new BudgetWatch(host({ wallTimeMinutes: 0.005 }, calls)); // 300 ms
      w.apply({ t: 'agent.state', from: 'starting', to: 'running', ts: new Date(start).toISOString(), feature: 'f' } as AopEvent);
      await waitFor(() => calls.log.some((e) => e.t === 'budget'), 10_000, 'the running-time budget');
      await w.settled();
      const e = calls.log.find((x) => x.t === 'budget');
      assert.ok(e && e.t === 'budget' && e.kind === 'wallTimeSec' && e.used >= 0.3);
      assert.ok(calls.did[0]!.startsWith('pause: budget reached: running time'));
      w.dispose();
    });

    it('a wake-up that comes before the budget is reached (clock drift) arms the next one', async () => {
      const calls: Calls = { log: [], did: [] };
      let lag = 0;
      const w = new BudgetWatch(host({ wallTimeMinutes: 0.005 }, calls, undefined, () => Date.now() - lag)); // 300 ms
      w.apply({ t: 'agent.state', from: 'starting', to: 'running', ts: new Date().toISOString(), feature: 'f' } as AopEvent);
      lag = 150; // the first wake-up reads 150 ms of running time: not reached yet
      await waitFor(() => calls.log.some((e) => e.t === 'budget'), 10_000, 'the running-time budget after a second wake-up');
      await w.settled();
      assert.ok(calls.did[0]!.startsWith('pause: budget reached: running time'));
      w.dispose();
    });

    it('rebuilds open asks and extensions from the log after a restart', () => {
      const c = clock();
      const calls: Calls = { log: [], did: [] };
      const history = [
        c.ev({ t: 'agent.usage', inputTokens: 2000 }),
        c.ev({ t: 'budget', kind: 'tokens', state: 'reached', used: 2000, limit: 1000 }),
        c.ev({ t: 'budget', kind: 'tokens', state: 'extended', used: 2000, limit: 3000 }),
      ];
      const w = new BudgetWatch(host({ tokens: 1000 }, calls), history);
      assert.deepEqual(w.status(), [{ kind: 'tokens', used: 2000, limit: 3000, reached: false }]);
      w.check();
      assert.deepEqual(calls.did, [], 'the extension holds after a restart: no new ask');
    });
  });
});
