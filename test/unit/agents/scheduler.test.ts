import * as assert from 'node:assert/strict';
import { AgentManager } from '../../../src/core/agents/manager';
import { Scheduler } from '../../../src/core/agents/scheduler';
import { AopError } from '../../../src/core/util/errors';
import { waitFor } from '../../../src/core/util/async';
import { EventRecorder, cleanupTemp, scriptedConfig, tempDir, writeScript } from './helpers';

describe('agents/scheduler', () => {
  it('runs at most N, queues the rest FIFO with positions, starts the next on release', () => {
    const s = new Scheduler(2);
    const started: string[] = [];
    for (const k of ['a', 'b', 'c', 'd']) s.enqueue(k, () => started.push(k));
    assert.deepEqual(started, ['a', 'b']);
    assert.deepEqual([s.position('c'), s.position('d'), s.position('a')], [1, 2, undefined]);
    s.release('b');
    assert.deepEqual(started, ['a', 'b', 'c']);
    assert.equal(s.position('d'), 1);
    assert.ok(s.remove('d'));
    s.release('a');
    assert.deepEqual(started, ['a', 'b', 'c'], 'a removed entry never starts');
    assert.throws(() => s.enqueue('c', () => undefined), (e: unknown) => AopError.is(e, 'BUSY'));
    assert.throws(() => new Scheduler(0), (e: unknown) => AopError.is(e, 'INVALID_INPUT'));
  });

  it('defaults to 5 running', () => {
    assert.equal(new Scheduler().maxRunning, 5);
  });

  describe('AgentManager with real agents', () => {
    let manager: AgentManager | undefined;
    afterEach(async () => {
      await manager?.dispose();
      manager = undefined;
      cleanupTemp();
    });

    it('caps running agents; queued ones start in order as others stop', async () => {
      const dir = tempDir();
      const script = writeScript(dir, 'stayAlive: true\nsteps:\n  - print: up\n');
      const recs = new Map<string, EventRecorder>();
      manager = new AgentManager({
        maxRunning: 2,
        hostFor: (id) => {
          const r = new EventRecorder();
          recs.set(id, r);
          return { log: r.log };
        },
      });
      const starts: string[] = [];
      manager.onSessionState(({ featureId, change }) => {
        if (change.to === 'starting') starts.push(featureId);
      });
      const ids = ['f1', 'f2', 'f3', 'f4'];
      for (const id of ids) manager.start(id, tempDir(), scriptedConfig(script, 'plain'), 'work');
      await waitFor(() => manager!.get('f1')!.state === 'running' && manager!.get('f2')!.state === 'running', 15000, 'two running');
      assert.equal(manager.get('f3')!.state, 'queued');
      assert.equal(manager.get('f4')!.state, 'queued');
      assert.deepEqual([manager.queuePosition('f3'), manager.queuePosition('f4')], [1, 2]);
      assert.equal(manager.get('f4')!.queuePosition(), 2);
      const queueEvents = recs.get('f4')!.of('agent.update').filter((e) => e.kind === 'queue');
      assert.deepEqual(queueEvents.map((e) => (e.data as { position: number }).position), [2]);

      await manager.stop('f2');
      await waitFor(() => manager!.get('f3')!.state === 'running', 15000, 'f3 starts');
      assert.equal(manager.get('f4')!.state, 'queued');
      assert.deepEqual(recs.get('f4')!.of('agent.update').filter((e) => e.kind === 'queue').map((e) => (e.data as { position: number }).position), [2, 1]);

      await manager.stop('f1');
      await waitFor(() => manager!.get('f4')!.state === 'running', 15000, 'f4 starts');
      assert.deepEqual(starts, ['f1', 'f2', 'f3', 'f4']);
      assert.throws(() => manager!.start('f4', tempDir(), scriptedConfig(script, 'plain'), 'again'), (e: unknown) => AopError.is(e, 'BUSY'));
    });

    it('stopping a queued agent takes it out of the queue without starting it', async () => {
      const dir = tempDir();
      const script = writeScript(dir, 'stayAlive: true\nsteps: []\n');
      const rec = new EventRecorder();
      manager = new AgentManager({ maxRunning: 1, hostFor: (id) => (id === 'q' ? { log: rec.log } : { log: () => undefined }) });
      manager.start('r', tempDir(), scriptedConfig(script, 'plain'), 'work');
      manager.start('q', tempDir(), scriptedConfig(script, 'plain'), 'work');
      await manager.stop('q', 'changed my mind');
      assert.deepEqual(rec.states(), ['queued', 'exited']);
      assert.equal(rec.of('agent.state').at(-1)!.reason, 'changed my mind');
      await manager.stop('r');
      assert.equal(manager.get('q')!.state, 'exited');
    });
  });
});
