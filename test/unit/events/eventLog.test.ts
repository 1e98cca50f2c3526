import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventLog, readEventFile } from '../../../src/core/events/eventLog';
import type { AopEvent } from '../../../src/core/events/schema';
import { makeTempDir } from '../helpers/tempRepo';

describe('events/EventLog (one append-only file per feature)', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir('aop-events-')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stamps each event, announces it once written, and reads it back in order', async () => {
    const file = path.join(dir, 'events.jsonl');
    const log = new EventLog(file, 'f1', () => new Date('2026-01-01T00:00:00Z'));
    const seen: AopEvent[] = [];
    log.onEvent((e) => seen.push(e));
    await log.append({ t: 'warning', message: 'one' });
    await log.append({ t: 'reconcile', reason: 'start', changed: 0, durationMs: 1 });
    await log.close();
    assert.deepEqual(seen.map((e) => [e.t, e.feature, e.ts]), [['warning', 'f1', '2026-01-01T00:00:00.000Z'], ['reconcile', 'f1', '2026-01-01T00:00:00.000Z']]);
    assert.deepEqual((await readEventFile(file)).events, seen);
  });

  it('skips a torn or foreign line, saying which, and reads a missing file as empty', async () => {
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({ t: 'warning', ts: '2026-01-01T00:00:00.000Z', feature: 'f1', message: 'ok' })}\n{"t":"warn\nnot json\n`);
    const r = await readEventFile(file);
    assert.equal(r.events.length, 1);
    assert.deepEqual(r.skipped.map((s) => s.line), [2, 3]);
    assert.deepEqual(await readEventFile(path.join(dir, 'none.jsonl')), { events: [], skipped: [] });
  });
  it('at open, cuts off a torn last line (it holds no event) and ends a whole one, so what follows reads clean', async () => {
    const ok = (m: string) => JSON.stringify({ t: 'warning', ts: '2026-01-01T00:00:00.000Z', feature: 'f1', message: m });
    const torn = path.join(dir, 'torn.jsonl');
    fs.writeFileSync(torn, `${ok('one')}\n{"t":"checkpoint","seq":`);
    const whole = path.join(dir, 'whole.jsonl');
    fs.writeFileSync(whole, `${ok('one')}\n${ok('two')}`);
    for (const file of [torn, whole]) {
      const log = new EventLog(file, 'f1');
      await log.append({ t: 'warning', message: 'after the restart' });
      await log.close();
    }
    const t = await readEventFile(torn);
    assert.deepEqual(t.skipped, [], 'the torn line is gone, not left in the middle');
    assert.deepEqual(t.events.map((e) => (e as { message: string }).message), ['one', 'after the restart']);
    const w = await readEventFile(whole);
    assert.deepEqual(w.skipped, []);
    assert.deepEqual(w.events.map((e) => (e as { message: string }).message), ['one', 'two', 'after the restart'], 'a whole last event is kept');
  });
});
