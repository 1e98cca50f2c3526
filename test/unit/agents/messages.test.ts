import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageQueue, pendingFromEvents } from '../../../src/core/agents/messages';
import type { MessageChannel, MessageRecord } from '../../../src/core/agents/messages';
import type { EventInput } from '../../../src/core/events/schema';
import { waitFor } from '../../../src/core/util/async';
import { EventRecorder, cleanupTemp, launchSession, scriptedConfig, stopLiveSessions, tempDir, writeScript } from './helpers';

function states(rec: EventRecorder, id: string): string[] {
  return rec.of('message').filter((e) => e.id === id).map((e) => (e.attempt ? `${e.state}#${e.attempt}` : e.state));
}

describe('agents/messages', () => {
  afterEach(async () => {
    await stopLiveSessions();
    cleanupTemp();
  });

  describe('MessageQueue', () => {
    function channel(kind: 'acp' | 'stdin', opts: { ready?: () => boolean; ackTimeoutMs?: number; fail?: boolean } = {}) {
      const sent: MessageRecord[] = [];
      const ch: MessageChannel = {
        kind,
        ready: opts.ready ?? (() => true),
        deliver: async (m) => {
          if (opts.fail) throw new Error('pipe closed');
          sent.push(m);
        },
        ...(opts.ackTimeoutMs !== undefined ? { ackTimeoutMs: opts.ackTimeoutMs } : {}),
      };
      return { ch, sent };
    }

    it('keeps a message queued while there is no channel, and delivers it in order once there is', () => {
      const rec = new EventRecorder();
      const q = new MessageQueue({ log: rec.log, maxAttempts: 3 });
      const a = q.send('first');
      const b = q.send('second');
      assert.deepEqual(q.pending().map((m) => m.state), ['queued', 'queued']);
      const { ch, sent } = channel('stdin');
      q.setChannel(ch);
      assert.deepEqual(sent.map((m) => m.text), ['first', 'second']);
      assert.ok(q.ack(b.id));
      assert.ok(q.ack(a.id));
      assert.equal(q.ack(a.id), false, 'a duplicate ACK changes nothing');
      assert.deepEqual(states(rec, a.id), ['queued', 'delivered#1', 'acknowledged#1']);
      assert.deepEqual(q.pending(), []);
    });

    it('one ACP turn at a time: the next message waits for the answer to the previous one', () => {
      const rec = new EventRecorder();
      const q = new MessageQueue({ log: rec.log, maxAttempts: 3 });
      let busy = false;
      const { ch, sent } = channel('acp', { ready: () => !busy });
      const realDeliver = ch.deliver;
      ch.deliver = async (m) => {
        busy = true;
        await realDeliver(m);
      };
      q.setChannel(ch);
      const a = q.send('one');
      q.send('two');
      assert.deepEqual(sent.map((m) => m.text), ['one']);
      busy = false;
      q.ack(a.id);
      assert.deepEqual(sent.map((m) => m.text), ['one', 'two']);
    });

    it('a failed delivery is retried, then reported undelivered with the reason', async () => {
      const rec = new EventRecorder();
      const q = new MessageQueue({ log: rec.log, maxAttempts: 2 });
      const { ch } = channel('stdin', { fail: true });
      q.setChannel(ch);
      const m = q.send('hello');
      await waitFor(() => q.get(m.id)?.state === 'undelivered', 2000, 'undelivered');
      assert.deepEqual(states(rec, m.id), ['queued', 'delivered#1', 'delivered#2', 'undelivered#2']);
      assert.match(rec.of('message').at(-1)!.reason!, /could not deliver: pipe closed; gave up after 2 attempts/);
    });

    it('pendingFromEvents rebuilds what was pending, and a new queue restores it', () => {
      const rec = new EventRecorder();
      const q = new MessageQueue({ log: rec.log, maxAttempts: 3 });
      const { ch } = channel('stdin');
      q.setChannel(ch);
      const a = q.send('acked');
      const b = q.send('in flight');
      q.ack(a.id);
      q.setChannel(undefined);
      const c = q.send('never sent', 'system');
      const log: EventInput[] = [{ t: 'warning', message: 'noise' }, ...rec.events];
      const pending = pendingFromEvents(log);
      assert.deepEqual(pending, [
        { id: b.id, text: 'in flight', from: 'user', state: 'delivered', attempt: 1 },
        { id: c.id, text: 'never sent', from: 'system', state: 'queued', attempt: 0 },
      ]);
      const rec2 = new EventRecorder();
      const q2 = new MessageQueue({ log: rec2.log, maxAttempts: 3 });
      q2.restore(pending);
      assert.deepEqual(q2.pending().map((m) => [m.id, m.state]), [[b.id, 'queued'], [c.id, 'queued']]);
      // The restored queue's own events keep the log foldable.
      assert.deepEqual(pendingFromEvents([...log, ...rec2.events]).map((m) => m.id), [b.id, c.id]);
    });
  });

  describe('with real agents', () => {
    it('plain CLI: queued → delivered (stdin line) → acknowledged (ACK <id>)', async () => {
      const dir = tempDir();
      const rec = new EventRecorder();
      const script = writeScript(dir, 'steps:\n  - waitForMessage: true\n  - write: { path: got.txt, content: "got it" }\n');
      const s = await launchSession(scriptedConfig(script, 'plain'), { log: rec.log }, dir);
      assert.equal(s.capabilities?.messageChannel, 'stdin');
      const m = s.send('please add tests');
      await waitFor(() => states(rec, m.id).includes('acknowledged#1'), 10000, 'acknowledged');
      assert.deepEqual(states(rec, m.id), ['queued', 'delivered#1', 'acknowledged#1']);
      assert.equal(rec.of('message').find((e) => e.id === m.id)!.text, 'please add tests');
      const exit = await s.exited;
      assert.equal(exit.state, 'exited');
      assert.equal(fs.readFileSync(path.join(dir, 'got.txt'), 'utf8'), 'got it');
      assert.ok(s.recentOutput().some((l) => l.text === 'MESSAGE please add tests'));
    });

    it('plain CLI that never acknowledges: retried, then undelivered; nothing silently dropped', async () => {
      const dir = tempDir();
      const rec = new EventRecorder();
      const script = writeScript(dir, 'ackMessages: false\nstayAlive: true\nsteps: []\n');
      const s = await launchSession(scriptedConfig(script, 'plain', { messages: { ackTimeoutMs: 200, maxAttempts: 3 } }), { log: rec.log }, dir);
      const m = s.send('are you there?');
      await waitFor(() => s.allMessages().find((x) => x.id === m.id)?.state === 'undelivered', 10000, 'undelivered');
      assert.deepEqual(states(rec, m.id), ['queued', 'delivered#1', 'delivered#2', 'delivered#3', 'undelivered#3']);
      assert.match(rec.of('message').at(-1)!.reason!, /no acknowledgement within 200 ms; gave up after 3 attempts/);
      // The agent did receive the line three times: it just never said so.
      await waitFor(() => s.recentOutput().filter((l) => l.text === 'MESSAGE are you there?').length === 3, 5000, 'three deliveries');
    });

    it('ACP: a message is a prompt turn, acknowledged by its answer', async () => {
      const dir = tempDir();
      const wt = path.join(dir, 'wt');
      fs.mkdirSync(wt);
      const rec = new EventRecorder();
      const script = writeScript(dir, 'steps:\n  - print: first turn\n  - waitForMessage: true\n  - write: { path: after.txt, content: "second" }\n');
      const s = await launchSession(scriptedConfig(script, 'acp'), { log: rec.log }, wt);
      const turns: string[] = [];
      s.onTurnEnd((t) => turns.push(`${t.turn}:${t.stopReason}:${t.messageId ?? ''}`));
      // Sent while turn 1 may still run: it waits for that turn to end.
      const m = s.send('now write after.txt');
      await waitFor(() => states(rec, m.id).includes('acknowledged#1'), 10000, 'acknowledged');
      assert.deepEqual(states(rec, m.id), ['queued', 'delivered#1', 'acknowledged#1']);
      assert.equal(fs.readFileSync(path.join(wt, 'after.txt'), 'utf8'), 'second');
      assert.ok(s.recentOutput().some((l) => l.text === 'ACK now write after.txt'));
      assert.deepEqual(turns.slice(-1), [`2:end_turn:${m.id}`]);
    });

    it('ACP agent that dies before answering: the message is reported undelivered', async () => {
      const dir = tempDir();
      const rec = new EventRecorder();
      const script = writeScript(dir, 'ackMessages: false\nsteps:\n  - print: ready\n');
      const s = await launchSession(scriptedConfig(script, 'acp'), { log: rec.log }, dir);
      await new Promise((r) => s.onTurnEnd(r));
      const m = s.send('hello?');
      await waitFor(() => states(rec, m.id).includes('delivered#1'), 10000, 'delivered');
      await s.stop();
      assert.equal(s.allMessages()[0].state, 'undelivered');
      assert.match(rec.of('message').at(-1)!.reason!, /agent (exited|failed) before acknowledging/);
    });

    it('messages pending from an earlier session are delivered by the next one', async () => {
      const dir = tempDir();
      const rec = new EventRecorder();
      const script = writeScript(dir, 'steps:\n  - waitForMessage: true\n');
      const earlier: EventInput[] = [{ t: 'message', id: 'm-old', state: 'queued', text: 'left over', from: 'user' }];
      const s = await launchSession(scriptedConfig(script, 'plain'), { log: rec.log }, dir, 'go', { pendingMessages: pendingFromEvents(earlier) });
      await waitFor(() => states(rec, 'm-old').includes('acknowledged#1'), 10000, 'restored message acknowledged');
      assert.equal(rec.of('message')[0].reason, 'restored from an earlier session');
      await s.exited;
    });
  });
});
