/** The model double, spoken to with plain HTTP requests in each wire format. */
import * as assert from 'node:assert/strict';
import { startModelDouble } from '../../support/modelDouble';
import type { ModelDouble, Scenario } from '../../support/modelDouble';

interface Frame {
  event?: string;
  data: Record<string, unknown>;
}

function frames(text: string): Frame[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((f) => f.trim())
    .map((f) => {
      const event = /^event: (.+)$/m.exec(f)?.[1];
      const data = /^data: (.+)$/m.exec(f)?.[1];
      return { ...(event ? { event } : {}), data: JSON.parse(data ?? 'null') as Record<string, unknown> };
    });
}

async function post(d: ModelDouble, path: string, body: unknown): Promise<{ status: number; text: string; type: string | null }> {
  const r = await fetch(`${d.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, text: await r.text(), type: r.headers.get('content-type') };
}

const WRITE_THEN_SHELL: Scenario = {
  turns: [
    {
      steps: [
        { text: 'Writing.', calls: [{ write: { path: 'src/a.ts', content: 'a\nb\n' } }], usage: { inputTokens: 321, outputTokens: 45 } },
        { calls: [{ shell: { command: 'ls' } }, { delete: { path: 'old.txt' } }] },
      ],
    },
  ],
};

describe('test support: the model double', () => {
  let d: ModelDouble;
  afterEach(async () => d?.close());

  describe('Anthropic Messages', () => {
    const tools = [{ name: 'Write' }, { name: 'Bash' }, { name: 'Read' }, { name: 'Edit' }];
    const system = 'You are Claude Code.\nPrimary working directory: /work/tree\n';

    it('streams the scenario step by step, keyed by the tool ids it sent back', async () => {
      d = await startModelDouble(WRITE_THEN_SHELL);
      const first = await post(d, '/v1/messages?beta=true', { model: 'm', stream: true, system, tools, messages: [{ role: 'user', content: [{ type: 'text', text: '<system-reminder>x</system-reminder>' }, { type: 'text', text: 'do it' }] }] });
      assert.equal(first.status, 200);
      assert.equal(first.type, 'text/event-stream');
      const f1 = frames(first.text);
      assert.deepEqual(
        f1.map((f) => f.event),
        ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'],
      );
      const use = f1[4].data.content_block as { type: string; id: string; name: string };
      assert.equal(use.type, 'tool_use');
      assert.equal(use.name, 'Write');
      assert.deepEqual(JSON.parse((f1[5].data.delta as { partial_json: string }).partial_json), { file_path: '/work/tree/src/a.ts', content: 'a\nb\n' });
      assert.deepEqual(f1[7].data.delta, { stop_reason: 'tool_use', stop_sequence: null });
      assert.deepEqual(f1[7].data.usage, { output_tokens: 45 });
      assert.equal(((f1[0].data.message as { usage: { input_tokens: number } }).usage).input_tokens, 321);

      const history = [
        { role: 'user', content: 'do it' },
        { role: 'assistant', content: [{ type: 'tool_use', id: use.id, name: 'Write', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'ok' }] },
      ];
      const f2 = frames((await post(d, '/v1/messages', { model: 'm', system, tools, messages: history })).text);
      const calls = f2.filter((f) => (f.data.content_block as { type?: string } | undefined)?.type === 'tool_use').map((f) => (f.data.content_block as { name: string }).name);
      assert.deepEqual(calls, ['Bash', 'Bash'], 'the shell command and the delete (as rm) both run through Bash');
      const inputs = f2.filter((f) => (f.data.delta as { type?: string } | undefined)?.type === 'input_json_delta').map((f) => JSON.parse((f.data.delta as { partial_json: string }).partial_json) as { command: string });
      assert.equal(inputs[0].command, 'ls');
      assert.equal(inputs[1].command, "rm -f -- 'old.txt'");

      const ids = f2.filter((f) => (f.data.content_block as { type?: string } | undefined)?.type === 'tool_use').map((f) => (f.data.content_block as { id: string }).id);
      const f3 = frames((await post(d, '/v1/messages', { model: 'm', system, tools, messages: [...history, { role: 'assistant', content: [] }, { role: 'user', content: ids.map((id) => ({ type: 'tool_result', tool_use_id: id, content: '' })) }] })).text);
      assert.equal((f3[2].data.delta as { text: string }).text, 'Done.');
      assert.deepEqual(f3[4].data.delta, { stop_reason: 'end_turn', stop_sequence: null });
      assert.deepEqual(
        d.conversation().map((r) => [r.wire, r.turn, r.step]),
        [
          ['anthropic', 0, 0],
          ['anthropic', 0, 1],
          ['anthropic', 0, 2],
        ],
      );
    });

    it('reads a file before editing it (Claude refuses edits of unread files)', async () => {
      d = await startModelDouble({ turns: [{ steps: [{ calls: [{ edit: { path: 'x.txt', oldText: 'a', newText: 'b' } }] }] }] });
      const f = frames((await post(d, '/v1/messages', { model: 'm', system, tools, messages: [{ role: 'user', content: 'go' }] })).text);
      const names = f.filter((x) => (x.data.content_block as { type?: string } | undefined)?.type === 'tool_use').map((x) => (x.data.content_block as { name: string }).name);
      assert.deepEqual(names, ['Read', 'Edit']);
    });

    it('answers a side request without tools with a short text, leaving the scenario where it was', async () => {
      d = await startModelDouble(WRITE_THEN_SHELL);
      const side = frames((await post(d, '/v1/messages', { model: 'm', messages: [{ role: 'user', content: 'title this' }] })).text);
      assert.equal((side[2].data.delta as { text: string }).text, 'Untitled');
      const main = frames((await post(d, '/v1/messages', { model: 'm', system, tools, messages: [{ role: 'user', content: 'do it' }] })).text);
      assert.equal((main[5].data.delta as { type: string }).type, 'input_json_delta', 'the first step is still to come');
      assert.equal(d.requests.length, 2);
      assert.equal(d.conversation().length, 1);
    });

    it('answers HEAD / (Claude checks the endpoint) and records unknown routes as 404', async () => {
      d = await startModelDouble({ turns: [] });
      assert.equal((await fetch(`${d.url}/`, { method: 'HEAD' })).status, 200);
      assert.equal((await post(d, '/v2/nothing', {})).status, 404);
      assert.deepEqual(
        d.requests.map((r) => [r.method, r.url, r.status]),
        [
          ['HEAD', '/', 200],
          ['POST', '/v2/nothing', 404],
        ],
      );
    });
  });

  describe('OpenAI Responses', () => {
    const tools = [{ type: 'function', name: 'exec_command' }, { type: 'custom', name: 'apply_patch' }];
    const input = [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex.' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>\n  <cwd>/w</cwd>\n</environment_context>' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'do it' }] },
    ];

    it('streams apply_patch as a freeform tool call and reports usage in response.completed', async () => {
      d = await startModelDouble(WRITE_THEN_SHELL);
      const f = frames((await post(d, '/v1/responses', { model: 'gpt-5.5', stream: true, tools, input })).text);
      assert.deepEqual(
        f.map((x) => x.event),
        ['response.created', 'response.output_item.added', 'response.output_text.delta', 'response.output_item.done', 'response.output_item.added', 'response.output_item.done', 'response.completed'],
      );
      assert.ok(f.every((x) => x.data.type === x.event), 'every frame names its type in the data too');
      const call = f[5].data.item as { type: string; name: string; call_id: string; input: string };
      assert.equal(call.type, 'custom_tool_call');
      assert.equal(call.name, 'apply_patch');
      assert.equal(call.input, '*** Begin Patch\n*** Add File: src/a.ts\n+a\n+b\n*** End Patch\n');
      const usage = (f[6].data.response as { usage: Record<string, unknown> }).usage;
      assert.deepEqual(usage, { input_tokens: 321, input_tokens_details: { cached_tokens: 0 }, output_tokens: 45, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 366 });

      const next = [...input, call, { type: 'custom_tool_call_output', call_id: call.call_id, output: 'Success.' }];
      const f2 = frames((await post(d, '/v1/responses', { model: 'gpt-5.5', tools, input: next })).text);
      const items = f2.filter((x) => x.event === 'response.output_item.done').map((x) => x.data.item as { type: string; name: string; arguments?: string; input?: string });
      assert.equal(items[0].name, 'exec_command');
      assert.deepEqual(JSON.parse(items[0].arguments!), { cmd: 'ls', workdir: '/w' });
      assert.equal(items[1].input, '*** Begin Patch\n*** Delete File: old.txt\n*** End Patch\n');
    });

    it('asks Codex to run an escalated command outside its sandbox when the scenario says so', async () => {
      d = await startModelDouble({ turns: [{ steps: [{ calls: [{ shell: { command: 'ln -s /etc/passwd x', escalate: true } }] }] }] });
      const f = frames((await post(d, '/v1/responses', { model: 'gpt-5.5', tools, input })).text);
      const item = f.find((x) => x.event === 'response.output_item.done')!.data.item as { arguments: string };
      assert.equal((JSON.parse(item.arguments) as { sandbox_permissions: string }).sandbox_permissions, 'require_escalated');
    });

    it('writes an edit as an Update File patch', async () => {
      d = await startModelDouble({ turns: [{ steps: [{ calls: [{ edit: { path: 'a.txt', oldText: 'one', newText: 'two' } }] }] }] });
      const f = frames((await post(d, '/v1/responses', { model: 'gpt-5.5', tools, input })).text);
      const item = f.find((x) => x.event === 'response.output_item.done')!.data.item as { input: string };
      assert.equal(item.input, '*** Begin Patch\n*** Update File: a.txt\n@@\n-one\n+two\n*** End Patch\n');
    });
  });

  describe('Gemini streamGenerateContent', () => {
    const tools = [{ functionDeclarations: [{ name: 'write_file' }, { name: 'run_shell_command' }] }];
    const context = '<session_context>\nThis is the Gemini CLI. We are setting up the context for our chat.\n- **Workspace Directories:**\n  - /g/tree\n</session_context>';

    it('streams function calls with ids, CRLF-framed, with usageMetadata', async () => {
      d = await startModelDouble(WRITE_THEN_SHELL);
      const contents = [{ role: 'user', parts: [{ text: context }, { text: 'do it' }] }];
      const r = await post(d, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', { contents, tools });
      assert.match(r.text, /^data: .*\r\n\r\n$/s);
      const [frame] = frames(r.text);
      const candidate = (frame.data.candidates as { content: { parts: { text?: string; functionCall?: { id: string; name: string; args: unknown } }[] } }[])[0];
      assert.equal(candidate.content.parts[0].text, 'Writing.');
      const fc = candidate.content.parts[1].functionCall!;
      assert.equal(fc.name, 'write_file');
      assert.deepEqual(fc.args, { file_path: '/g/tree/src/a.ts', content: 'a\nb\n' });
      assert.deepEqual(frame.data.usageMetadata, { promptTokenCount: 321, candidatesTokenCount: 45, totalTokenCount: 366 });

      const next = [...contents, { role: 'model', parts: [{ functionCall: fc }] }, { role: 'user', parts: [{ functionResponse: { id: fc.id, name: 'write_file', response: { output: 'ok' } } }] }];
      const [f2] = frames((await post(d, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', { contents: next, tools })).text);
      const parts = (f2.data.candidates as { content: { parts: { functionCall?: { name: string; args: { command: string } } }[] } }[])[0].content.parts;
      assert.deepEqual(
        parts.map((p) => [p.functionCall?.name, p.functionCall?.args.command]),
        [
          ['run_shell_command', 'ls'],
          ['run_shell_command', "rm -f -- 'old.txt'"],
        ],
      );
    });

    it('answers non-streamed side requests (next speaker, routing) with JSON text they accept', async () => {
      d = await startModelDouble({ turns: [] });
      const r = await post(d, '/v1beta/models/gemini-2.5-flash:generateContent', { contents: [{ role: 'user', parts: [{ text: 'who speaks next?' }] }] });
      const text = (JSON.parse(r.text) as { candidates: { content: { parts: { text: string }[] } }[] }).candidates[0].content.parts[0].text;
      const answer = JSON.parse(text) as { next_speaker: string; complexity_score: number };
      assert.equal(answer.next_speaker, 'user');
      assert.ok(Number.isInteger(answer.complexity_score) && answer.complexity_score >= 1);
    });
  });

  describe('scenarios', () => {
    const tools = [{ name: 'Write' }];
    const ask = (dbl: ModelDouble, messages: unknown[]) => post(dbl, '/v1/messages', { model: 'm', tools, messages });
    const textOf = (t: string) => frames(t).find((f) => (f.data.delta as { type?: string } | undefined)?.type === 'text_delta')?.data.delta as { text: string } | undefined;

    it('holds a step until the test releases it', async () => {
      d = await startModelDouble({ turns: [{ steps: [{ text: 'late', hold: 'gate' }] }] });
      let answered = false;
      const pending = ask(d, [{ role: 'user', content: 'go' }]).then((r) => {
        answered = true;
        return r;
      });
      await d.waitForRequest((r) => r.turn === 0, 5000);
      for (let i = 0; i < 20 && !d.isHeld('gate'); i++) await new Promise((r) => setImmediate(r));
      assert.equal(d.isHeld('gate'), true);
      assert.equal(answered, false);
      d.release('gate');
      assert.equal(textOf((await pending).text)?.text, 'late');
    });

    it('answers an error step with that status in the wire format (each wire its own body)', async () => {
      d = await startModelDouble({ turns: [{ steps: [{ error: { status: 401, message: 'invalid x-api-key' } }] }] });
      const a = await ask(d, [{ role: 'user', content: 'go' }]);
      assert.equal(a.status, 401);
      assert.deepEqual(JSON.parse(a.text), { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
      const g = await post(d, '/v1beta/models/m:streamGenerateContent', { contents: [{ role: 'user', parts: [{ text: 'go' }] }], tools: [{ functionDeclarations: [{ name: 'x' }] }] });
      assert.equal(g.status, 401);
      assert.equal((JSON.parse(g.text) as { error: { status: string } }).error.status, 'UNAUTHENTICATED');
      const o = await post(d, '/v1/responses', { input: [{ type: 'message', role: 'user', content: 'go' }], tools: [{ name: 'x' }] });
      assert.equal(o.status, 401);
      assert.equal((JSON.parse(o.text) as { error: { code: string } }).error.code, 'invalid_api_key');
    });

    it('picks a turn by a marker in the prompt, and unmarked turns in order', async () => {
      d = await startModelDouble({ turns: [{ steps: [{ text: 'first' }] }, { match: 'URGENT', steps: [{ text: 'marked' }] }, { steps: [{ text: 'second' }] }] });
      assert.equal(textOf((await ask(d, [{ role: 'user', content: 'hello' }])).text)?.text, 'first');
      const history = [
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'first' },
      ];
      assert.equal(textOf((await ask(d, [...history, { role: 'user', content: 'URGENT: stop' }])).text)?.text, 'marked');
      const longer = [...history, { role: 'user', content: 'URGENT: stop' }, { role: 'assistant', content: 'marked' }, { role: 'user', content: 'and now?' }];
      assert.equal(textOf((await ask(d, longer)).text)?.text, 'second');
      // Beyond the scenario: the closing text.
      assert.equal(textOf((await ask(d, [...longer, { role: 'assistant', content: 'second' }, { role: 'user', content: 'more?' }])).text)?.text, 'Done.');
    });

    it('records every request with its headers and parsed body', async () => {
      d = await startModelDouble({ turns: [] });
      await fetch(`${d.url}/v1/messages`, { method: 'POST', headers: { 'x-claude-code-session-id': 's-1', 'content-type': 'application/json' }, body: '{"model":"m","messages":[]}' });
      assert.equal(d.requests[0].headers['x-claude-code-session-id'], 's-1');
      assert.deepEqual(d.requests[0].body, { model: 'm', messages: [] });
    });

    it('listens on loopback only', async () => {
      d = await startModelDouble({ turns: [] });
      assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    });
  });
});
