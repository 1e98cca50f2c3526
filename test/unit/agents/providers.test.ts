import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentManager } from '../../../src/core/agents/manager';
import { PROVIDERS } from '../../../src/core/agents/providers';
import { parseStreamJson } from '../../../src/core/agents/providers/claude';
import { parseExecJson } from '../../../src/core/agents/providers/codex';
import { splitCommandLine } from '../../../src/core/agents/providers/custom';
import { parseProviderConfig } from '../../../src/core/agents/config';
import type { ProviderConfigInput } from '../../../src/core/agents/config';
import { resolveCommand } from '../../../src/core/agents/resolveCommand';
import { waitFor } from '../../../src/core/util/async';
import { AopError } from '../../../src/core/util/errors';
import { EventRecorder, cleanupTemp, launchSession, stopLiveSessions, tempDir } from './helpers';

function plan(input: ProviderConfigInput, transport?: 'acp' | 'plain') {
  const config = parseProviderConfig(input);
  const def = PROVIDERS[config.provider];
  return def.launch({ featureId: 'f', worktree: '/w', config, promptFile: '/tmp/p/prompt.md' }, transport ?? config.transport ?? def.defaultTransport);
}

describe('agents/providers', () => {
  afterEach(async () => {
    await stopLiveSessions();
    cleanupTemp();
  });

  describe('resolveCommand', () => {
    it('finds an executable on a POSIX PATH and skips non-executables', () => {
      const a = tempDir();
      const b = tempDir();
      fs.writeFileSync(path.join(a, 'tool'), '#!/bin/sh\n'); // not executable
      fs.writeFileSync(path.join(b, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
      assert.deepEqual(resolveCommand('tool', { pathEnv: `${a}:${b}`, platform: 'linux' }), { path: path.join(b, 'tool'), shim: false });
      assert.equal(resolveCommand('missing', { pathEnv: `${a}:${b}`, platform: 'linux' }), undefined);
      assert.deepEqual(resolveCommand(path.join(b, 'tool'), { pathEnv: '', platform: 'linux' }), { path: path.join(b, 'tool'), shim: false });
    });

    it('Windows: tries PATHEXT in order, finds .cmd shims, honours an explicit extension', () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'gemini.cmd'), '@echo off\n');
      fs.writeFileSync(path.join(dir, 'gemini'), ''); // npm also drops an extensionless sh script: not runnable on Windows
      fs.writeFileSync(path.join(dir, 'codex.exe'), '');
      fs.writeFileSync(path.join(dir, 'codex.cmd'), '');
      const opts = { pathEnv: `C:\\nowhere;${dir}`, pathExt: '.COM;.EXE;.BAT;.CMD', platform: 'win32' as const };
      assert.deepEqual(resolveCommand('gemini', opts), { path: path.join(dir, 'gemini.cmd'), shim: true });
      assert.deepEqual(resolveCommand('codex', opts), { path: path.join(dir, 'codex.exe'), shim: false }, '.EXE comes before .CMD');
      assert.deepEqual(resolveCommand('codex.cmd', opts), { path: path.join(dir, 'codex.cmd'), shim: true });
      assert.deepEqual(resolveCommand('gemini', { ...opts, pathExt: '.exe' }), undefined, 'only PATHEXT extensions run');
    });
  });

  it('a missing CLI is AGENT_NOT_FOUND naming the setting to change, before anything is queued', () => {
    const rec = new EventRecorder();
    const manager = new AgentManager({ hostFor: () => ({ log: rec.log }), parentEnv: { PATH: tempDir(), HOME: '/nonexistent' } });
    for (const [provider, setting] of [
      ['gemini', 'aop.providers.gemini.command'],
      ['claude', 'aop.providers.claude.command'],
      ['codex', 'aop.providers.codex.command'],
      ['aider', 'aop.providers.aider.command'],
    ] as const) {
      assert.throws(
        () => manager.start(`f-${provider}`, tempDir(), { provider }, 'work'),
        (e: unknown) => AopError.is(e, 'AGENT_NOT_FOUND') && e.message.includes(`"${setting}"`) && e.details?.setting === setting,
      );
    }
    assert.equal(manager.list().length, 0);
    assert.equal(rec.events.length, 0);
  });

  it('never puts the prompt in argv and always shows the approval mode', () => {
    const script = path.join(tempDir(), 's.yaml');
    fs.writeFileSync(script, 'steps: []\n');
    const cases: [ProviderConfigInput, 'acp' | 'plain' | undefined][] = [
      [{ provider: 'claude' }, 'acp'],
      [{ provider: 'claude' }, 'plain'],
      [{ provider: 'codex' }, 'acp'],
      [{ provider: 'codex' }, 'plain'],
      [{ provider: 'gemini' }, undefined],
      [{ provider: 'aider' }, undefined],
      [{ provider: 'custom', template: 'mytool --in {promptFile}' }, undefined],
      [{ provider: 'scripted', script }, 'plain'],
    ];
    for (const [input, transport] of cases) {
      const p = plan(input, transport);
      assert.ok(p.approval.length > 0, `${input.provider}: approval shown`);
      assert.ok(['acp', 'stdin', 'file', 'stream-json'].includes(p.promptVia));
      if (p.promptVia === 'file') assert.ok(p.args.includes('/tmp/p/prompt.md'), `${input.provider}: file named`);
      const joined = p.args.join(' ');
      assert.doesNotMatch(joined, /dangerously|--yolo|bypassPermissions|yes-always/, `${input.provider}: no bypass by default`);
    }
    assert.deepEqual(plan({ provider: 'gemini', approvalMode: 'auto_edit' }).args.slice(0, 3), ['--acp', '--approval-mode', 'auto_edit']);
    // By default the modes that ask before every write, selected explicitly.
    assert.equal(plan({ provider: 'codex' }, 'acp').acpMode, 'read-only');
    assert.equal(plan({ provider: 'codex', approvalMode: 'auto' }, 'acp').acpMode, 'auto');
    assert.equal(plan({ provider: 'claude' }, 'acp').acpMode, 'default');
    assert.deepEqual(plan({ provider: 'claude' }, 'plain').args.slice(6, 10), ['--permission-mode', 'default', '--permission-prompt-tool', 'stdio']);
    assert.deepEqual(plan({ provider: 'gemini' }, 'plain').args.slice(0, 4), ['--output-format', 'stream-json', '--approval-mode', 'auto_edit']);
    assert.deepEqual(plan({ provider: 'codex' }, 'plain').args.slice(0, 4), ['exec', '--json', '--sandbox', 'workspace-write']);
    // Aider (never run for real in the tests): its launch line as the README's table gives it.
    assert.deepEqual(plan({ provider: 'aider' }).args, ['--message-file', '/tmp/p/prompt.md', '--no-pretty', '--no-fancy-input']);
    assert.deepEqual(plan({ provider: 'aider', approvalMode: 'yes-always', model: 'm' }).args, ['--message-file', '/tmp/p/prompt.md', '--no-pretty', '--no-fancy-input', '--yes-always', '--model', 'm']);
    assert.equal(plan({ provider: 'claude', approvalMode: 'plan' }, 'acp').acpMode, 'plan');
    assert.ok(plan({ provider: 'claude', approvalMode: 'acceptEdits' }, 'plain').args.join(' ').includes('--permission-mode acceptEdits'));
  });

  it('refuses an approval mode the CLI does not have, and a transport it cannot speak', async () => {
    const wt = tempDir();
    for (const [input, code] of [
      [{ provider: 'gemini', approvalMode: 'everything' }, 'INVALID_INPUT'],
      [{ provider: 'custom', transport: 'acp', template: 'x' }, 'INVALID_INPUT'],
      [{ provider: 'aider', transport: 'acp' }, 'INVALID_INPUT'],
    ] as const) {
      await assert.rejects(launchSession(input as ProviderConfigInput, { log: () => undefined }, wt), (e: unknown) => AopError.is(e, code));
    }
    assert.throws(() => parseProviderConfig({ provider: 'nope' }), (e: unknown) => AopError.is(e, 'INVALID_INPUT'));
    assert.throws(() => parseProviderConfig({ provider: 'custom', passEnv: ['BAD NAME'] }), /passEnv/);
  });

  it('says what the scripted agent lacks when a feature has no script, instead of a bare ENOENT', () => {
    assert.throws(() => plan({ provider: 'scripted', script: path.join(tempDir(), 'agent.yaml') }, 'acp'), (e: unknown) => AopError.is(e, 'INVALID_INPUT') && /replays a script of steps, and there is none at .*agent\.yaml/.test((e as Error).message));
  });

  it('splits custom templates without a shell', () => {
    assert.deepEqual(splitCommandLine(`tool --in {promptFile} --msg "two words" 'a b' c\\ d`), ['tool', '--in', '{promptFile}', '--msg', 'two words', 'a b', 'c d']);
    assert.deepEqual(splitCommandLine('tool ";rm -rf /"'), ['tool', ';rm -rf /']);
    assert.throws(() => splitCommandLine('tool "open'), (e: unknown) => AopError.is(e, 'INVALID_INPUT'));
    const p = plan({ provider: 'custom', template: 'my tool --dir {worktree} --feature={featureId}' });
    assert.equal(p.command, 'my');
    assert.deepEqual(p.args, ['tool', '--dir', '/w', '--feature=f']);
    assert.equal(p.promptVia, 'stdin');
    assert.throws(() => plan({ provider: 'custom', template: 'x', stdinMessages: true }), /must take its prompt from \{promptFile\}/);
  });

  it('reads Claude stream-json and codex exec --json output', () => {
    assert.deepEqual(parseStreamJson('{"type":"assistant","message":{"content":[{"type":"text","text":"hi\\nthere"},{"type":"tool_use","name":"Edit"}]}}'), { display: ['hi', 'there', '[tool] Edit'], progress: true });
    const result = parseStreamJson('{"type":"result","subtype":"success","result":"ok","total_cost_usd":0.12,"usage":{"input_tokens":10,"output_tokens":4}}')!;
    assert.equal(result.ackOldest, true);
    assert.equal(result.turnEnd, 'success');
    assert.deepEqual(result.usage, [{ inputTokens: 10, outputTokens: 4 }, { costUsd: 0.12, cumulative: true }]);
    assert.equal(parseStreamJson('plain text'), undefined);
    assert.deepEqual(parseExecJson('{"type":"turn.completed","usage":{"input_tokens":7,"output_tokens":3}}'), { turnEnd: 'completed', usage: { inputTokens: 7, outputTokens: 3 }, display: null, progress: true });
  });

  it('detects a plain CLI\'s capabilities from its version and help, not from a list', async () => {
    const bin = tempDir();
    const wt = tempDir();
    // A fake `claude` that knows no --input-format (an old version): no stdin messages for it.
    fs.writeFileSync(
      path.join(bin, 'claude'),
      `#!/bin/sh
case "$1" in
  --version) echo "1.2.3 (Claude Code)";;
  --help) echo "  --resume  resume a session"; echo "  --output-format  text, json, stream-json";;
  *) cat > /dev/null; echo '{"type":"result","subtype":"success","total_cost_usd":0.5,"usage":{"input_tokens":3,"output_tokens":2}}';;
esac
`,
      { mode: 0o755 },
    );
    const rec = new EventRecorder();
    // Unsandboxed: the sandbox adds its private TMPDIR to the environment checked below.
    const s = await launchSession({ provider: 'claude', transport: 'plain', sandbox: false } as ProviderConfigInput, { log: rec.log }, wt, 'hello', {
      parentEnv: { PATH: `${bin}:/usr/bin:/bin`, HOME: wt },
    });
    assert.equal(s.capabilities?.version, '1.2.3');
    assert.equal(s.capabilities?.resumeSession, true);
    assert.equal(s.capabilities?.structuredOutput, true);
    assert.equal(s.capabilities?.messages, false, 'no --input-format in help: no messages');
    assert.equal(s.capabilities?.acp, false);
    await s.exited;
    assert.deepEqual(s.usage, { inputTokens: 3, outputTokens: 2, costUsd: 0.5 });
    const launch = rec.of('agent.update').find((e) => e.kind === 'launch')!.data as { approval: string; env: string[] };
    assert.equal(launch.approval, '--permission-mode default (asks us before edits and commands)');
    assert.deepEqual(launch.env, ['HOME', 'PATH']);
  });

  it('plain Claude (stream-json both ways): messages go in as user turns between turns, and each result acknowledges the oldest', async () => {
    const bin = tempDir();
    const wt = tempDir();
    // Answers one turn per line it reads; a message written mid-turn would be folded into the
    // running turn by the real Claude, so the session must wait for each result.
    fs.writeFileSync(
      path.join(bin, 'claude'),
      `#!/bin/sh
case "$1" in
  --version) echo "2.0.0 (Claude Code)";;
  --help) echo "--resume --input-format <format> stream-json";;
  *) r='{"type":"result","subtype":"success","total_cost_usd":0.01,"usage":{"input_tokens":5,"output_tokens":1}}'
     read -r prompt; echo "$prompt" >> turns.jsonl
     echo '{"type":"assistant","message":{"content":[{"type":"text","text":"working"}]}}'
     echo "$r"
     read -r m1; echo "$m1" >> turns.jsonl; echo "$r"
     read -r m2; echo "$m2" >> turns.jsonl; echo "$r"
     cat > /dev/null;;
esac
`,
      { mode: 0o755 },
    );
    const rec = new EventRecorder();
    const s = await launchSession({ provider: 'claude', transport: 'plain' } as ProviderConfigInput, { log: rec.log }, wt, 'the prompt', {
      parentEnv: { PATH: `${bin}:/usr/bin:/bin`, HOME: wt },
    });
    assert.equal(s.capabilities?.messageChannel, 'stdin');
    const m1 = s.send('also update the docs');
    const m2 = s.send('and the changelog');
    await waitFor(() => s.allMessages().every((x) => x.state === 'acknowledged'), 10_000, 'both acknowledged by their results');
    const turns = fs.readFileSync(path.join(wt, 'turns.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; message: { content: { text: string }[] } });
    assert.deepEqual(turns.map((t) => t.message.content[0].text), ['the prompt', 'also update the docs', 'and the changelog']);
    for (const m of [m1, m2]) assert.deepEqual(rec.of('message').filter((e) => e.id === m.id).map((e) => e.state), ['queued', 'delivered', 'acknowledged']);
    // Each message went in only once the turn before it had ended (its result counted).
    const at = (pred: (e: (typeof rec.events)[number]) => boolean) => rec.events.findIndex(pred);
    const usage = rec.events.map((e, i) => (e.t === 'agent.usage' && e.inputTokens !== undefined ? i : -1)).filter((i) => i >= 0);
    assert.ok(usage[0] < at((e) => e.t === 'message' && e.id === m1.id && e.state === 'delivered'), 'm1 after the prompt was answered');
    assert.ok(usage[1] < at((e) => e.t === 'message' && e.id === m2.id && e.state === 'delivered'), 'm2 after m1 was answered');
    assert.ok(s.recentOutput().some((l) => l.text === 'working'), 'JSON events shown as text');
    assert.ok(!s.recentOutput().some((l) => l.text.startsWith('{')), 'raw JSON not shown');
    await waitFor(() => s.usage.inputTokens === 15, 10_000, 'usage from all three results');
    s.endInput();
    assert.equal((await s.exited).state, 'exited');
  });

  it('plain Codex reads no input while it runs: messages left waiting go at the end of its prompt and its first turn answers them', async () => {
    const bin = tempDir();
    const wt = tempDir();
    fs.writeFileSync(
      path.join(bin, 'codex'),
      `#!/bin/sh
case "$1" in
  --version) echo "codex-cli 0.1.0";;
  exec) case "$2" in --help) echo "--json resume";; *) cat > prompt.txt; echo '{"type":"thread.started","thread_id":"t-1"}'; echo '{"type":"turn.completed","usage":{"input_tokens":4,"output_tokens":2}}';; esac;;
esac
`,
      { mode: 0o755 },
    );
    const rec = new EventRecorder();
    const waiting = [{ id: 'm-earlier-1', text: 'use tabs', from: 'user' as const, state: 'queued' as const, attempt: 0 }];
    const s = await launchSession({ provider: 'codex', transport: 'plain' } as ProviderConfigInput, { log: rec.log }, wt, 'the spec', {
      parentEnv: { PATH: `${bin}:/usr/bin:/bin`, HOME: wt },
      pendingMessages: waiting,
    });
    await s.exited;
    assert.match(fs.readFileSync(path.join(wt, 'prompt.txt'), 'utf8'), /^the spec\n\nMessages from the person supervising you, sent while you were not running:\n- use tabs\n/);
    assert.deepEqual(rec.of('message').filter((e) => e.id === 'm-earlier-1').map((e) => [e.state, e.reason]), [
      ['queued', 'restored from an earlier session'],
      ['delivered', 'via prompt'],
      ['acknowledged', 'answered with the prompt'],
    ]);
    assert.equal(s.agentSessionId, 't-1', 'its thread id, to resume it');
  });
});
