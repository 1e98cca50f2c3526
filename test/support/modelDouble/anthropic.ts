/** Anthropic Messages (Claude Code, plain and through claude-agent-acp): reading requests, streaming replies. */
import type { Conversation, Step, ToolCall, Usage } from './scenario';
import { callId, deleteCommand } from './scenario';
import { absolute, sse, withoutTaggedBlocks } from './text';

interface Block {
  type: string;
  text?: string;
  tool_use_id?: string;
}
interface Message {
  role: string;
  content: string | Block[];
}
export interface AnthropicRequest {
  model?: string;
  messages?: Message[];
  tools?: { name: string }[];
  stream?: boolean;
}

export function readAnthropic(req: AnthropicRequest): Conversation {
  const prompts: string[] = [];
  let answered: string[] = [];
  for (const m of req.messages ?? []) {
    if (m.role !== 'user') continue;
    const blocks: Block[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    const results = blocks.filter((b) => b.type === 'tool_result' && b.tool_use_id).map((b) => b.tool_use_id!);
    if (results.length > 0) {
      answered.push(...results);
      continue;
    }
    const text = withoutTaggedBlocks(blocks.map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join('\n'));
    if (text) {
      prompts.push(text);
      answered = [];
    }
  }
  return { prompts, answeredCallIds: answered, offersTools: (req.tools?.length ?? 0) > 0 };
}

function toolUse(call: ToolCall, cwd: string | undefined, offered: Set<string>): { name: string; input: Record<string, unknown> }[] {
  if ('write' in call) return [{ name: 'Write', input: { file_path: absolute(cwd, call.write.path), content: call.write.content } }];
  if ('edit' in call) {
    const file = absolute(cwd, call.edit.path);
    // Claude refuses to edit a file it has not read in this conversation: read it first, in the same answer.
    return [
      ...(offered.has('Read') ? [{ name: 'Read', input: { file_path: file } }] : []),
      { name: 'Edit', input: { file_path: file, old_string: call.edit.oldText, new_string: call.edit.newText } },
    ];
  }
  if ('delete' in call) return [{ name: 'Bash', input: { command: deleteCommand(call.delete.path), description: `Delete ${call.delete.path}` } }];
  return [{ name: 'Bash', input: { command: call.shell.command, description: 'Run a command' } }];
}

/** The whole streamed answer for one step (or the closing text when `step` is undefined). */
export function anthropicStream(req: AnthropicRequest, turn: number, stepNo: number, step: Step | undefined, doneText: string, usage: Usage, cwd: string | undefined): string {
  const offered = new Set((req.tools ?? []).map((t) => t.name));
  const calls = (step?.calls ?? []).flatMap((c) => toolUse(c, cwd, offered));
  const text = step ? step.text : doneText;
  let out = sse(
    {
      type: 'message_start',
      message: { id: `msg_${turn}_${stepNo}`, type: 'message', role: 'assistant', model: req.model ?? 'claude', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.inputTokens, output_tokens: 1 } },
    },
    'message_start',
  );
  let index = 0;
  if (text) {
    out += sse({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }, 'content_block_start');
    out += sse({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } }, 'content_block_delta');
    out += sse({ type: 'content_block_stop', index }, 'content_block_stop');
    index++;
  }
  calls.forEach((c, n) => {
    out += sse({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: callId(turn, stepNo, n), name: c.name, input: {} } }, 'content_block_start');
    out += sse({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(c.input) } }, 'content_block_delta');
    out += sse({ type: 'content_block_stop', index }, 'content_block_stop');
    index++;
  });
  out += sse({ type: 'message_delta', delta: { stop_reason: calls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.outputTokens } }, 'message_delta');
  out += sse({ type: 'message_stop' }, 'message_stop');
  return out;
}

export function anthropicError(status: number, message: string): unknown {
  const type = status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
  return { type: 'error', error: { type, message } };
}
