import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { groupStopped, signalGroup } from '../../../src/core/agents/processGroup';

describe('groupStopped', function () {
  before(function () {
    if (process.platform !== 'linux') this.skip(); // reads process states from /proc
  });

  it('resolves once every process of a stopped group is stopped; false while one still runs', async () => {
    // A group with a busy leader and a busy child: both must be seen stopped.
    const child = spawn('sh', ['-c', 'while :; do :; done & while :; do :; done'], { detached: true, stdio: 'ignore' });
    const pid = child.pid!;
    try {
      assert.equal(await groupStopped(pid, 100), false, 'a running group is not reported stopped');
      signalGroup(pid, 'SIGSTOP');
      assert.equal(await groupStopped(pid, 10_000), true);
      const states = fs
        .readdirSync('/proc')
        .filter((n) => /^[0-9]+$/.test(n))
        .flatMap((n) => {
          try {
            const stat = fs.readFileSync(`/proc/${n}/stat`, 'utf8');
            const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            return Number(f[2]) === pid ? [f[0]] : [];
          } catch {
            return [];
          }
        });
      assert.ok(states.length >= 2, `the group has its two processes: ${states.join(',')}`);
      assert.deepEqual([...new Set(states)], ['T']);
    } finally {
      signalGroup(pid, 'SIGKILL');
      signalGroup(pid, 'SIGCONT');
    }
  });
});
