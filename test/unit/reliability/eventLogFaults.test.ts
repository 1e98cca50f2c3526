/** The event log when its disk fails: errors are surfaced, and the file handle is never leaked. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventLog } from '../../../src/core/events/eventLog';
import { makeTempDir } from '../helpers/tempRepo';

/** How many of this process's open file descriptors point at `target`. */
function openHandles(target: string): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === target;
    } catch {
      return false;
    }
  }).length;
}

describe('reliability: event log on a failing disk', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir('aop-log-')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an append to a full disk rejects with ENOSPC; close() still releases the file while reporting the failed fsync', async function () {
    if (process.platform !== 'linux') this.skip();
    const file = path.join(dir, 'events.jsonl');
    fs.symlinkSync('/dev/full', file);
    const log = new EventLog(file, 'f');
    await assert.rejects(log.append({ t: 'warning', message: 'x' }), (e) => (e as NodeJS.ErrnoException).code === 'ENOSPC');
    const before = openHandles('/dev/full');
    assert.ok(before >= 1);
    await assert.rejects(log.close());
    assert.equal(openHandles('/dev/full'), before - 1, 'the descriptor is closed even though fsync failed');
  });

});
