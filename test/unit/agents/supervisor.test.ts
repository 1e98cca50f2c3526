import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { waitFor } from '../../../src/core/util/async';
import { pidAlive } from '../../../src/core/agents/processGroup';
import { ProcessSupervisor } from '../../../src/core/agents/supervisor';
import type { OutputLine } from '../../../src/core/agents/output';
import { EventRecorder, cleanupTemp, nodeLaunch, readIfExists, tempDir } from './helpers';

/** A node agent that writes an increasing counter to `file` every few ms. */
function tickerCode(file: string): string {
  return `let n=0; setInterval(()=>{ require('fs').writeFileSync(${JSON.stringify(file)}, String(++n)); }, 5);`;
}

describe('agents/supervisor', () => {
  const live: ProcessSupervisor[] = [];
  function supervisor(rec: EventRecorder, stopTimeoutMs = 3000): ProcessSupervisor {
    const s = new ProcessSupervisor({ log: rec.log, stopTimeoutMs });
    live.push(s);
    return s;
  }
  afterEach(async () => {
    await Promise.all(live.splice(0).map((s) => s.stop('test cleanup')));
    cleanupTemp();
  });

  it('goes queued → starting → running → exited and records each move with the pid', async () => {
    const rec = new EventRecorder();
    const s = supervisor(rec);
    s.transition('starting');
    const child = s.spawn(nodeLaunch('console.log("hello"); console.error("oops")', tempDir()));
    s.transition('running');
    const exit = await s.exited;
    assert.equal(exit.state, 'exited');
    assert.equal(exit.code, 0);
    assert.deepEqual(rec.states(), ['queued', 'starting', 'running', 'exited']);
    const last = rec.of('agent.state').at(-1)!;
    assert.equal(last.pid, child.pid);
    assert.equal(last.exitCode, 0);
    await waitFor(() => rec.of('agent.output').length === 2, 2000, 'output recorded');
    assert.deepEqual(
      rec.of('agent.output').map((e) => [e.stream, e.text]).sort(),
      [['stderr', 'oops'], ['stdout', 'hello']],
    );
  });

  it('ends in failed with the exit code when the agent exits non-zero', async () => {
    const rec = new EventRecorder();
    const s = supervisor(rec);
    s.transition('starting');
    s.spawn(nodeLaunch('process.exit(3)', tempDir()));
    s.transition('running');
    const exit = await s.exited;
    assert.equal(exit.state, 'failed');
    assert.equal(exit.code, 3);
    assert.deepEqual(rec.states(), ['queued', 'starting', 'running', 'failed']);
  });

  it('refuses transitions the state machine does not have', () => {
    const s = supervisor(new EventRecorder());
    assert.throws(() => s.transition('paused'), /cannot go from queued to paused/);
  });

  it('kills an agent that ignores SIGTERM, and the children it started, on stop', async () => {
    const rec = new EventRecorder();
    const s = supervisor(rec, 400);
    const lines: OutputLine[] = [];
    s.onOutput((l) => lines.push(l));
    s.transition('starting');
    const child = s.spawn(
      nodeLaunch(
        `process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
         const c = require('child_process').spawn('sleep', ['1000'], { stdio: 'ignore' });
         console.log('CHILD ' + c.pid); setInterval(() => {}, 1000);`,
        tempDir(),
      ),
    );
    s.transition('running');
    await waitFor(() => lines.some((l) => l.text.startsWith('CHILD ')), 10000, 'child pid');
    const childPid = Number(lines.find((l) => l.text.startsWith('CHILD '))!.text.slice(6));
    assert.ok(pidAlive(childPid), 'the grandchild runs before stop');
    const exit = await s.stop('user asked');
    assert.equal(exit.state, 'exited');
    assert.equal(exit.signal, 'SIGKILL');
    assert.match(exit.reason, /^user asked/);
    assert.deepEqual(rec.states(), ['queued', 'starting', 'running', 'stopping', 'exited']);
    await waitFor(() => !pidAlive(child.pid!) && !pidAlive(childPid), 5000, 'agent and grandchild gone');
    assert.ok(lines.some((l) => l.text === 'ignoring SIGTERM'), 'SIGTERM was tried first');
  });

  it('stops a paused agent (SIGTERM then SIGCONT), and its children die too', async () => {
    const rec = new EventRecorder();
    const s = supervisor(rec, 5000);
    const lines: OutputLine[] = [];
    s.onOutput((l) => lines.push(l));
    s.transition('starting');
    s.spawn(nodeLaunch(`const c = require('child_process').spawn('sleep', ['1000'], { stdio: 'ignore' }); console.log('CHILD ' + c.pid); setInterval(() => {}, 1000);`, tempDir()));
    s.transition('running');
    await waitFor(() => lines.some((l) => l.text.startsWith('CHILD ')), 10000, 'child pid');
    const childPid = Number(lines.find((l) => l.text.startsWith('CHILD '))!.text.slice(6));
    s.pause();
    const exit = await s.stop();
    assert.equal(exit.signal, 'SIGTERM', 'SIGTERM was enough once continued');
    await waitFor(() => !pidAlive(childPid), 5000, 'grandchild gone');
  });

  it('pause stops all writes of the group and resume restarts them', async () => {
    const dir = tempDir();
    const paused = path.join(dir, 'paused.txt');
    const clock = path.join(dir, 'clock.txt');
    const rec = new EventRecorder();
    const a = supervisor(rec);
    const b = supervisor(new EventRecorder());
    for (const [s, file] of [[a, paused], [b, clock]] as const) {
      s.transition('starting');
      // The ticker runs in a grandchild so the test also proves SIGSTOP reaches the whole group.
      s.spawn(nodeLaunch(`require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(tickerCode(file))}], { stdio: 'inherit' }); setInterval(() => {}, 1000);`, dir));
      s.transition('running');
    }
    const count = (f: string) => Number(readIfExists(f) ?? 0);
    await waitFor(() => count(paused) >= 3 && count(clock) >= 3, 10000, 'both tickers ticking');
    a.pause();
    assert.equal(a.state, 'paused');
    // A write already under way when SIGSTOP lands may finish; settle on a value first.
    const clockAtPause = count(clock);
    await waitFor(() => count(clock) >= clockAtPause + 3, 10000, 'clock advances');
    const frozen = count(paused);
    const clockAtFreeze = count(clock);
    await waitFor(() => count(clock) >= clockAtFreeze + 10, 10000, 'ten more clock ticks');
    assert.equal(count(paused), frozen, 'no write while paused');
    a.resume();
    await waitFor(() => count(paused) > frozen, 10000, 'writes resume');
    assert.deepEqual(rec.states(), ['queued', 'starting', 'running', 'paused', 'running']);
  });

  it('reads a 200 MB flood to the end with bounded lines and a bounded log', async function () {
    this.timeout(120000);
    const rec = new EventRecorder();
    const s = new ProcessSupervisor({ log: rec.log, limits: { maxLineLength: 1000, maxRetainedLines: 500, maxRecordedPerWindow: 50, recordWindowMs: 60000 } });
    live.push(s);
    let seen = 0;
    let longest = 0;
    s.onOutput((l) => {
      seen++;
      longest = Math.max(longest, l.text.length);
    });
    s.transition('starting');
    // 100 MB as 100 000 lines of 1 KB, then 100 MB as a single line with no newline.
    s.spawn(
      nodeLaunch(
        `const line = 'x'.repeat(1023) + '\\n'; const block = line.repeat(1024); const big = 'y'.repeat(1024 * 1024);
         let i = 0; let j = 0;
         function more() {
           while (i < 100) { i++; if (!process.stdout.write(block)) return process.stdout.once('drain', more); }
           while (j < 100) { j++; if (!process.stdout.write(big)) return process.stdout.once('drain', more); }
         }
         more();`,
        tempDir(),
      ),
    );
    s.transition('running');
    const exit = await s.exited;
    assert.equal(exit.state, 'exited', 'the agent was never blocked: it finished');
    await waitFor(() => seen === 100 * 1024 + 1, 20000, 'all lines delivered to listeners');
    assert.ok(longest <= 1000 + 60, `lines are capped (longest ${longest})`);
    assert.equal(s.recentOutput().length, 500, 'only the last 500 lines are retained');
    assert.match(s.recentOutput().at(-1)!.text, /^y{1000} … \[104856600 more characters not shown\]$/);
    const recorded = rec.of('agent.output');
    const summaries = recorded.filter((e) => /^\[aop: \d+ lines of output not recorded/.test(e.text));
    assert.ok(recorded.length - summaries.length <= 50, `the log holds a sample (${recorded.length} lines)`);
    const skipped = summaries.reduce((n, e) => n + Number(/\d+/.exec(e.text)![0]), 0);
    assert.equal(recorded.length - summaries.length + skipped, 100 * 1024 + 1, 'every line is either recorded or counted');
  });
});
