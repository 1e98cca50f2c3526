import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pidAlive } from '../../../src/core/agents/processGroup';
import { BoundedOutput, cleanOutput } from '../../../src/core/gates/boundedOutput';
import { runGateProcess } from '../../../src/core/gates/gateProcess';
import { waitFor } from '../../../src/core/util/async';
import { makeTempDir } from '../helpers/tempRepo';

const NODE = JSON.stringify(process.execPath);
const posix = process.platform !== 'win32';

describe('gates: runGateProcess', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('aop-gate-');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const env = () => ({ PATH: process.env.PATH ?? '' });

  it('reports the exit code and the interleaved output of a shell command, run in its folder', async () => {
    const ok = await runGateProcess({ command: 'echo ok; echo err 1>&2; pwd', cwd: dir, env: env(), timeoutMs: 20_000 });
    assert.equal(ok.exitCode, 0);
    assert.equal(ok.timedOut, false);
    assert.match(ok.output, /^ok\n/);
    assert.match(ok.output, /err/);
    assert.ok(ok.output.includes(dir), 'ran in the given folder');
    const bad = await runGateProcess({ command: `${NODE} -e "process.exit(3)"`, cwd: dir, env: env(), timeoutMs: 20_000 });
    assert.equal(bad.exitCode, 3);
  });

  (posix ? it : it.skip)('kills the whole process group on timeout, including background children', async () => {
    const pidFile = path.join(dir, 'bg.pid');
    const r = await runGateProcess({
      command: `sleep 60 & echo $! > ${JSON.stringify(pidFile)}; echo started; sleep 60`,
      cwd: dir,
      env: env(),
      timeoutMs: 500,
      killGraceMs: 500,
    });
    assert.equal(r.timedOut, true);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.output, /started/);
    const bg = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor(() => !pidAlive(bg), 10_000, 'background child to be killed');
  });

  (posix ? it : it.skip)('kills what a finished gate left running in its group', async () => {
    const pidFile = path.join(dir, 'bg.pid');
    const r = await runGateProcess({ command: `sleep 60 > /dev/null 2>&1 & echo $! > ${JSON.stringify(pidFile)}; exit 0`, cwd: dir, env: env(), timeoutMs: 20_000 });
    assert.equal(r.exitCode, 0);
    const bg = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor(() => !pidAlive(bg), 10_000, 'leftover child to be killed');
  });

  it('keeps the head and tail of a flood of output and counts what it dropped', async () => {
    const r = await runGateProcess({
      command: `${NODE} -e "process.stdout.write('FIRST\\n'); for (let i = 0; i < 20000; i++) process.stdout.write('x'.repeat(200) + '\\n'); process.stdout.write('LAST\\n')"`,
      cwd: dir,
      env: env(),
      timeoutMs: 30_000,
      headBytes: 1024,
      tailBytes: 2048,
    });
    assert.equal(r.exitCode, 0);
    assert.ok(r.output.startsWith('FIRST'));
    assert.ok(r.output.trimEnd().endsWith('LAST'));
    assert.ok(r.omittedBytes > 3_000_000);
    assert.ok(r.output.length < 4096, `kept ${r.output.length} characters`);
    assert.match(r.output, /bytes of output not kept/);
  });

  it('an abort signal ends the run', async () => {
    const ac = new AbortController();
    const p = runGateProcess({ command: 'echo waiting; sleep 60', cwd: dir, env: env(), timeoutMs: 60_000, signal: ac.signal, killGraceMs: 200 });
    setTimeout(() => ac.abort(), 200);
    const r = await p;
    assert.equal(r.aborted, true);
    assert.equal(r.timedOut, false);
  });

  it('reports a folder that cannot be entered as a start failure, not a crash', async () => {
    const r = await runGateProcess({ command: 'echo hi', cwd: path.join(dir, 'missing'), env: env(), timeoutMs: 5000 });
    assert.ok(r.spawnError);
    assert.equal(r.exitCode, null);
  });
});

describe('gates: BoundedOutput and cleanOutput', () => {
  it('keeps everything when it fits and exactly head + tail when it does not', () => {
    const b = new BoundedOutput(4, 6);
    b.push(Buffer.from('abc'));
    assert.equal(b.text(), 'abc');
    b.push(Buffer.from('defghij'));
    b.push(Buffer.from('klmnop'));
    assert.equal(b.size, 16);
    assert.equal(b.omitted, 6);
    assert.equal(b.text(), 'abcd\n[… 6 bytes of output not kept …]\nklmnop');
  });

  it('drops colour codes and control characters, and keeps what a terminal shows of redrawn lines', () => {
    assert.equal(cleanOutput('\u001b[31mred\u001b[0m\nprogress 10%\rprogress 100%\r\nbell\u0007\n'), 'red\nprogress 100%\nbell\n');
  });
});
