/** Supervision of a repository's features over a real event log: the queue, budgets, dismissals, review messages. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventLog } from '../../../src/core/events/eventLog';
import type { Violation } from '../../../src/core/model/types';
import { Supervision, type SupervisedFeature } from '../../../src/core/supervision/supervision';
import { waitFor } from '../../../src/core/util/async';
import { makeTempDir } from '../helpers/tempRepo';

describe('Supervision', () => {
  let dir: string;
  let sup: Supervision;
  let did: string[];
  let agentState: string;
  let violations: Violation[];

  function feature(id: string, log: EventLog): SupervisedFeature {
    const runtimeDir = path.join(dir, id, '.runtime');
    fs.mkdirSync(runtimeDir, { recursive: true });
    let msg = 0;
    return {
      id,
      worktree: dir,
      runtimeDir,
      events: async () => (await log.read()).events,
      onEvent: (l) => log.onEvent(l),
      log: async (e) => void (await log.append(e)),
      planBudget: () => ({ tokens: 100 }),
      head: () => ({ seq: 1, commit: 'c' }),
      baseCommit: 'c',
      readAt: async (_seq, p) => (p === 'src/a.ts' ? Buffer.from('one\ntwo\n') : undefined),
      checkpointNow: async () => {
        did.push('checkpoint');
        return 1;
      },
      filesChanged: async () => 0,
      standing: () => ({ agentState, violations, breaker: { open: false, errors: [] } }),
      watcher: () => ({ alive: true, backend: 'native' }),
      pauseAgent: (reason) => {
        did.push(`pause: ${reason}`);
        return true;
      },
      resumeAgent: () => true,
      stopAgent: async () => void did.push('stop'),
      sendMessage: async (text) => {
        const id = `m${++msg}`;
        await log.append({ t: 'message', id, state: 'queued', from: 'user', text });
        return { id, state: 'queued' };
      },
    };
  }

  beforeEach(() => {
    dir = makeTempDir();
    sup = new Supervision('/repo', () => ({ budgets: {} }));
    did = [];
    agentState = 'running';
    violations = [];
  });
  afterEach(() => {
    sup.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('folds the log written before it opened and follows what is appended after, each event once', async () => {
    const log = new EventLog(path.join(dir, 'a.jsonl'), 'a');
    const checkpoint = (seq: number) => log.append({ t: 'checkpoint', seq, commit: 'c', tree: 't', parent: 'p', trigger: 'watch', files: [], durationMs: 10 * seq, violations: [] });
    await log.append({ t: 'gate', name: 'test', seq: 1, exitCode: 1, durationMs: 1, output: '', passed: false });
    await checkpoint(1);
    const f = feature('a', log);
    // Appended after the feature is subscribed and before its history is read: in both, counted once.
    f.events = async () => {
      await log.append({ t: 'message', id: 'm0', state: 'queued', from: 'user', text: 'hello' });
      await checkpoint(2);
      return (await log.read()).events;
    };
    await sup.open(f);
    await checkpoint(3);
    assert.equal((await sup.health('a')).checkpoints?.count, 3, 'each checkpoint counted once');
    await log.append({ t: 'message', id: 'm0', state: 'undelivered', from: 'user', reason: 'gave up' });
    const kinds = sup.needsYou().map((i) => `${i.kind}:${i.featureId}`);
    assert.deepEqual(kinds, ['gate_failed:a', 'message_undelivered:a']);
    await log.close();
  });

  it('builds one queue with held permission requests, answered in place', async () => {
    const log = new EventLog(path.join(dir, 'a.jsonl'), 'a');
    await sup.open(feature('a', log));
    violations = [{ kind: 'git_dir_write', severity: 'critical', path: '.git/hooks/pre-commit', message: 'wrote a hook' }];
    const changes: string[] = [];
    sup.onDidChange((c) => changes.push(c.kind));
    const answer = sup.askHuman({ featureId: 'a', toolCall: { toolCallId: 't' }, title: 'Run make', kind: 'execute', paths: [], outsidePaths: [], writes: [], rule: 'running commands is not decided by the plan' }, new AbortController().signal);
    const items = sup.needsYou();
    assert.deepEqual(
      items.map((i) => i.kind),
      ['permission', 'critical_violation'],
    );
    assert.ok(changes.includes('needsYou'), 'a held request is news');
    assert.equal(items[0]!.open.kind, 'permission');
    assert.equal(sup.answerPermission((items[0]!.open as { requestId: string }).requestId, 'allow'), true);
    assert.equal(await answer, 'allow');
    assert.deepEqual(
      sup.needsYou().map((i) => i.kind),
      ['critical_violation'],
    );
    await log.close();
  });

  it('a dismissal is written to the log and the item leaves the queue; items with real actions cannot be dismissed', async () => {
    const log = new EventLog(path.join(dir, 'a.jsonl'), 'a');
    await sup.open(feature('a', log));
    await log.append({ t: 'agent.update', kind: 'turn.end', data: {} });
    const [turn] = sup.needsYou();
    assert.equal(turn!.kind, 'turn_ended');
    await sup.dismiss(turn!);
    assert.deepEqual(sup.needsYou(), []);
    assert.ok((await log.read()).events.some((e) => e.t === 'attention'));
    violations = [{ kind: 'symlink_escape', severity: 'critical', path: 'x', message: 'm' }];
    await assert.rejects(sup.dismiss(sup.needsYou()[0]!), /cannot be dismissed/);
    await log.close();
  });

  it('an undelivered message names itself as the item\'s subject and is sent again as a new message, leaving the queue', async () => {
    const log = new EventLog(path.join(dir, 'a.jsonl'), 'a');
    await sup.open(feature('a', log));
    await log.append({ t: 'message', id: 'm0', state: 'queued', from: 'user', text: 'run the tests' });
    await log.append({ t: 'message', id: 'm0', state: 'undelivered', from: 'user', reason: 'the agent exited' });
    const [item] = sup.needsYou();
    assert.equal(item!.kind, 'message_undelivered');
    assert.equal(item!.subject, 'm0');
    const sent = await sup.resend('a', item!.subject!);
    assert.notEqual(sent.id, 'm0');
    const events = (await log.read()).events;
    assert.ok(events.some((e) => e.t === 'message' && e.id === sent.id && e.text === 'run the tests'), 'the same text went as a new message');
    assert.deepEqual(sup.needsYou(), []);
    await assert.rejects(sup.resend('a', 'm0'), /not waiting to be sent again/);
    await log.close();
  });

  it('a reached budget pauses, checkpoints and asks through the queue; extending clears the ask', async () => {
    const log = new EventLog(path.join(dir, 'a.jsonl'), 'a');
    await sup.open(feature('a', log));
    await log.append({ t: 'agent.usage', inputTokens: 90, outputTokens: 20 });
    await waitFor(() => sup.needsYou().some((i) => i.kind === 'budget_reached'), 5000, 'the budget ask');
    assert.deepEqual(did, ['pause: budget reached: tokens 110 tokens of 100 tokens', 'checkpoint']);
    assert.deepEqual(sup.budgets('a'), [{ kind: 'tokens', used: 110, limit: 100, reached: true }]);
    await sup.resolveBudget('a', 'tokens', { choice: 'extend', by: 100 });
    assert.deepEqual(sup.needsYou(), []);
    assert.deepEqual(sup.budgets('a'), [{ kind: 'tokens', used: 110, limit: 210, reached: false }]);
    await log.close();
  });

  it('a review sent from a feature follows its message through the log', async () => {
    const log = new EventLog(path.join(dir, 'a.jsonl'), 'a');
    await sup.open(feature('a', log));
    const review = await sup.review('a');
    await review.add({ path: 'src/a.ts', startLine: 2, endLine: 2, seq: 1, body: 'Say three.' });
    const { messageId } = await review.send();
    await log.append({ t: 'message', id: messageId, state: 'delivered', from: 'user', attempt: 1 });
    await log.append({ t: 'message', id: messageId, state: 'acknowledged', from: 'user', attempt: 1 });
    await waitFor(() => review.list()[0]!.messageState === 'acknowledged', 5000, 'the thread to follow its message');
    await log.close();
  });

  it('closing a feature denies its held requests', async () => {
    const log = new EventLog(path.join(dir, 'a.jsonl'), 'a');
    await sup.open(feature('a', log));
    const answer = sup.askHuman({ featureId: 'a', toolCall: { toolCallId: 't' }, title: 'x', paths: [], outsidePaths: [], writes: [] }, new AbortController().signal);
    sup.close('a');
    assert.equal(await answer, 'deny');
    await assert.rejects(sup.review('a'), /not active/);
    await log.close();
  });
});
