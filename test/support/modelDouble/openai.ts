/** OpenAI Responses (Codex, `codex exec` and codex-acp): reading requests, streaming replies. */
import type { Conversation, Step, ToolCall, Usage } from './scenario';
import { callId } from './scenario';
import { sse, withoutTaggedBlocks } from './text';

interface InputItem {
  type?: string;
  role?: string;
  call_id?: string;
  content?: string | { type?: string; text?: string }[];
}
export interface OpenAiRequest {
  model?: string;
  input?: InputItem[];
  tools?: { type?: string; name?: string }[];
}

export function readOpenAi(req: OpenAiRequest): Conversation {
  const prompts: string[] = [];
  let answered: string[] = [];
  for (const item of req.input ?? []) {
    if ((item.type === 'function_call_output' || item.type === 'custom_tool_call_output') && item.call_id) {
      answered.push(item.call_id);
      continue;
    }
    if ((item.type ?? 'message') !== 'message' || item.role !== 'user') continue;
    const raw = typeof item.content === 'string' ? item.content : (item.content ?? []).map((c) => c.text ?? '').join('\n');
    // Codex sends its environment and AGENTS.md as user messages wrapped in tags: not prompts.
    const text = withoutTaggedBlocks(raw);
    if (text && !text.startsWith('# AGENTS.md')) {
      prompts.push(text);
      answered = [];
    }
  }
  return { prompts, answeredCallIds: answered, offersTools: (req.tools?.length ?? 0) > 0 };
}

/** `apply_patch` in Codex's patch language, paths relative to the working folder. */
export function patchFor(call: ToolCall): string | undefined {
  const lines = (s: string) => s.replace(/\n$/, '').split('\n');
  if ('write' in call) return ['*** Begin Patch', `*** Add File: ${call.write.path}`, ...lines(call.write.content).map((l) => `+${l}`), '*** End Patch', ''].join('\n');
  if ('edit' in call) {
    return ['*** Begin Patch', `*** Update File: ${call.edit.path}`, '@@', ...lines(call.edit.oldText).map((l) => `-${l}`), ...lines(call.edit.newText).map((l) => `+${l}`), '*** End Patch', ''].join('\n');
  }
  if ('delete' in call) return ['*** Begin Patch', `*** Delete File: ${call.delete.path}`, '*** End Patch', ''].join('\n');
  return undefined;
}

function outputItem(call: ToolCall, id: string, offered: Set<string>, cwd: string | undefined): Record<string, unknown> {
  const patch = patchFor(call);
  if (patch !== undefined) return { type: 'custom_tool_call', id: `ctc_${id}`, call_id: id, name: 'apply_patch', input: patch, status: 'completed' };
  const command = 'shell' in call ? call.shell.command : '';
  const escalate = 'shell' in call && call.shell.escalate ? { sandbox_permissions: 'require_escalated', justification: 'The task needs it.' } : {};
  if (offered.has('exec_command')) {
    return { type: 'function_call', id: `fc_${id}`, call_id: id, name: 'exec_command', arguments: JSON.stringify({ cmd: command, ...(cwd ? { workdir: cwd } : {}), ...escalate }), status: 'completed' };
  }
  if (offered.has('shell_command')) {
    return { type: 'function_call', id: `fc_${id}`, call_id: id, name: 'shell_command', arguments: JSON.stringify({ command, ...(cwd ? { workdir: cwd } : {}) }), status: 'completed' };
  }
  return { type: 'function_call', id: `fc_${id}`, call_id: id, name: 'shell', arguments: JSON.stringify({ command: ['bash', '-lc', command], ...(cwd ? { workdir: cwd } : {}) }), status: 'completed' };
}

export function openAiStream(req: OpenAiRequest, turn: number, stepNo: number, step: Step | undefined, doneText: string, usage: Usage, cwd: string | undefined): string {
  const offered = new Set((req.tools ?? []).map((t) => t.name ?? ''));
  const responseId = `resp_${turn}_${stepNo}`;
  const text = step ? step.text : doneText;
  const items: Record<string, unknown>[] = [];
  if (text) items.push({ type: 'message', id: `msg_${turn}_${stepNo}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] });
  (step?.calls ?? []).forEach((c, n) => items.push(outputItem(c, callId(turn, stepNo, n), offered, cwd)));
  let seq = 0;
  const base = { id: responseId, object: 'response', created_at: Math.floor(Date.now() / 1000), model: req.model ?? 'gpt', output: [] as unknown[] };
  let out = sse({ type: 'response.created', sequence_number: seq++, response: { ...base, status: 'in_progress' } }, 'response.created');
  items.forEach((item, index) => {
    out += sse({ type: 'response.output_item.added', sequence_number: seq++, output_index: index, item: item.type === 'message' ? { ...item, status: 'in_progress', content: [] } : item }, 'response.output_item.added');
    if (item.type === 'message') {
      out += sse({ type: 'response.output_text.delta', sequence_number: seq++, item_id: item.id, output_index: index, content_index: 0, delta: text }, 'response.output_text.delta');
    }
    out += sse({ type: 'response.output_item.done', sequence_number: seq++, output_index: index, item }, 'response.output_item.done');
  });
  out += sse(
    {
      type: 'response.completed',
      sequence_number: seq++,
      response: {
        ...base,
        status: 'completed',
        output: items,
        usage: {
          input_tokens: usage.inputTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: usage.outputTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: usage.inputTokens + usage.outputTokens,
        },
      },
    },
    'response.completed',
  );
  return out;
}

export function openAiError(status: number, message: string): unknown {
  return { error: { message, type: status === 401 ? 'invalid_api_key' : 'invalid_request_error', code: status === 401 ? 'invalid_api_key' : null, param: null } };
}
