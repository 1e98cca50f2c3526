import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseScript } from '../../../src/core/agents/scripted/schema';
import { AopError } from '../../../src/core/util/errors';
import { EventRecorder, cleanupTemp, launchSession, scriptedConfig, stopLiveSessions, tempDir, writeScript } from './helpers';

describe('agents/scripted agent', () => {
  afterEach(async () => {
    await stopLiveSessions();
    cleanupTemp();
  });

  describe('script format', () => {
    it('normalises shorthands', () => {
      const s = parseScript('steps:\n  - delete: a.txt\n  - sleep: 5\n  - run: ls\n  - chmod: { path: x, mode: "755" }\n  - exit: 3\n', 's.yaml');
      assert.deepEqual(s.steps, [
        { op: 'delete', path: 'a.txt', ask: false },
        { op: 'sleep', ms: 5 },
        { op: 'run', command: 'ls', ask: true },
        { op: 'chmod', path: 'x', mode: 0o755, ask: false },
        { op: 'exit', code: 3 },
      ]);
      assert.equal(s.ackMessages, true);
      assert.equal(s.stayAlive, false);
    });

    it('points at file:line:column for schema and syntax errors', () => {
      const bad = (text: string) => {
        try {
          parseScript(text, 'demo.yaml');
        } catch (err) {
          assert.ok(AopError.is(err, 'INVALID_INPUT'));
          return err.message;
        }
        assert.fail('expected an error');
      };
      assert.match(bad('steps:\n  - write: { path: a.txt }\n'), /^demo\.yaml:2:12: steps\[0\]\.write\.content: is required$/m);
      assert.match(bad('steps:\n  - print: ok\n  - tick: { path: c, everyMs: 0, times: 3 }\n'), /^demo\.yaml:3:31: steps\[1\]\.tick\.everyMs: /m);
      assert.match(bad('steps:\n  - print: a\n    write: { path: b, content: c }\n'), /^demo\.yaml:2:5: steps\[1\]|^demo\.yaml:2:5: steps\[0\]: a step has exactly one action; this one has print, write$/m);
      assert.match(bad('steps:\n  - fly: away\n'), /^demo\.yaml:2:5: steps\[0\]: Unrecognized key: "fly"$/m);
      assert.match(bad('steps: [\n'), /^demo\.yaml:\d+:\d+: YAML syntax error/);
    });
  });

  it('plain mode replays every kind of edit on disk and reports progress', async () => {
    const dir = tempDir();
    const wt = path.join(dir, 'wt');
    fs.mkdirSync(wt);
    const script = writeScript(
      dir,
      `steps:
  - mkdir: src/lib
  - write: { path: src/lib/a.ts, content: "export const a = 1;\\n" }
  - append: { path: src/lib/a.ts, content: "export const b = 2;\\n" }
  - write: { path: old.txt, content: "old" }
  - rename: { from: old.txt, to: new.txt }
  - write: { path: gone.txt, content: "x" }
  - delete: gone.txt
  - write: { path: run.sh, content: "#!/bin/sh\\n" }
  - chmod: { path: run.sh, mode: "755" }
  - symlink: { path: link, target: src/lib/a.ts }
  - repeat: { times: 2, steps: [ { append: { path: log.txt, content: "x" } } ] }
  - print: all done
`,
    );
    const rec = new EventRecorder();
    const s = await launchSession(scriptedConfig(script, 'plain'), { log: rec.log }, wt, 'Build the lib\nwith details');
    const exit = await s.exited;
    assert.equal(exit.state, 'exited');
    assert.equal(fs.readFileSync(path.join(wt, 'src/lib/a.ts'), 'utf8'), 'export const a = 1;\nexport const b = 2;\n');
    assert.equal(fs.readFileSync(path.join(wt, 'new.txt'), 'utf8'), 'old');
    assert.ok(!fs.existsSync(path.join(wt, 'old.txt')) && !fs.existsSync(path.join(wt, 'gone.txt')));
    assert.equal(fs.statSync(path.join(wt, 'run.sh')).mode & 0o777, 0o755);
    assert.equal(fs.readlinkSync(path.join(wt, 'link')), 'src/lib/a.ts');
    assert.equal(fs.readFileSync(path.join(wt, 'log.txt'), 'utf8'), 'xx');
    const out = s.recentOutput().map((l) => l.text);
    assert.equal(out[0], 'PROMPT Build the lib', 'the prompt arrived through its file');
    assert.ok(out.includes('all done') && out.includes('rename old.txt new.txt'));
    assert.deepEqual(rec.states(), ['queued', 'starting', 'running', 'exited']);
  });

  it('an exit step with a non-zero code ends the session in failed', async () => {
    const dir = tempDir();
    const rec = new EventRecorder();
    const s = await launchSession(scriptedConfig(writeScript(dir, 'steps:\n  - exit: 4\n'), 'plain'), { log: rec.log }, dir);
    const exit = await s.exited;
    assert.equal(exit.state, 'failed');
    assert.equal(exit.code, 4);
    assert.equal(rec.of('agent.state').at(-1)!.reason, 'exit code 4');
  });

  it('a bad script fails the start with its position in the output', async () => {
    const dir = tempDir();
    const rec = new EventRecorder();
    const s = await launchSession(scriptedConfig(writeScript(dir, 'steps:\n  - write: {}\n', 'broken.yaml'), 'acp'), { log: rec.log }, dir);
    await s.exited;
    assert.equal(s.state, 'failed');
    assert.match(rec.of('agent.state').at(-1)!.reason!, /broken\.yaml:2:12: steps\[0\]\.write\.path: is required/);
  });
});
