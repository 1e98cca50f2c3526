/** Gemini streamGenerateContent (Gemini CLI, `-p` and `--acp`): reading requests, streaming replies. */
import type { Conversation, Step, ToolCall, Usage } from './scenario';
import { callId, deleteCommand } from './scenario';
import { absolute, sse, withoutTaggedBlocks } from './text';

interface Part {
  text?: string;
  functionCall?: unknown;
  functionResponse?: { id?: string; name?: string };
}
export interface GeminiRequest {
  contents?: { role?: string; parts?: Part[] }[];
  tools?: { functionDeclarations?: { name: string }[] }[];
}

/** Gemini CLI opens every chat with a context message of its own, which is not a prompt. */
const CONTEXT_MESSAGE = /^This is the Gemini CLI\. We are setting up the context/;

export function readGemini(req: GeminiRequest): Conversation {
  const prompts: string[] = [];
  let answered: string[] = [];
  for (const c of req.contents ?? []) {
    if (c.role !== 'user') continue;
    const parts = c.parts ?? [];
    const results = parts.filter((p) => p.functionResponse).map((p) => p.functionResponse!.id ?? '');
    if (results.length > 0) {
      answered.push(...results);
      continue;
    }
    const text = withoutTaggedBlocks(parts.map((p) => p.text ?? '').join('\n'));
    if (text && !CONTEXT_MESSAGE.test(text)) {
      prompts.push(text);
      answered = [];
    }
  }
  const offersTools = (req.tools ?? []).some((t) => (t.functionDeclarations?.length ?? 0) > 0);
  return { prompts, answeredCallIds: answered, offersTools };
}

function functionCall(call: ToolCall, cwd: string | undefined): { name: string; args: Record<string, unknown> } {
  if ('write' in call) return { name: 'write_file', args: { file_path: absolute(cwd, call.write.path), content: call.write.content } };
  if ('edit' in call) return { name: 'replace', args: { file_path: absolute(cwd, call.edit.path), old_string: call.edit.oldText, new_string: call.edit.newText, instruction: 'Edit the file.' } };
  if ('delete' in call) return { name: 'run_shell_command', args: { command: deleteCommand(call.delete.path), description: `Delete ${call.delete.path}` } };
  return { name: 'run_shell_command', args: { command: call.shell.command, description: 'Run a command' } };
}

function usageMetadata(usage: Usage): unknown {
  return { promptTokenCount: usage.inputTokens, candidatesTokenCount: usage.outputTokens, totalTokenCount: usage.inputTokens + usage.outputTokens };
}

export function geminiStream(model: string, turn: number, stepNo: number, step: Step | undefined, doneText: string, usage: Usage, cwd: string | undefined): string {
  const text = step ? step.text : doneText;
  const parts: unknown[] = [];
  if (text) parts.push({ text });
  (step?.calls ?? []).forEach((c, n) => parts.push({ functionCall: { id: callId(turn, stepNo, n), ...functionCall(c, cwd) } }));
  return sse({ candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata: usageMetadata(usage), modelVersion: model }, undefined, '\r\n');
}

/**
 * A non-streamed side request (next-speaker check, routing): one JSON text that satisfies
 * every one of them Gemini CLI is known to make.
 */
export function geminiSideAnswer(model: string): unknown {
  const text = JSON.stringify({ reasoning: 'The model double has answered.', next_speaker: 'user', complexity_reasoning: 'simple', complexity_score: 1, model_choice: 'flash' });
  return { candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }], usageMetadata: usageMetadata({ inputTokens: 1, outputTokens: 1 }), modelVersion: model };
}

export function geminiError(status: number, message: string): unknown {
  const code = status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'PERMISSION_DENIED' : status === 429 ? 'RESOURCE_EXHAUSTED' : status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
  return { error: { code: status, message, status: code } };
}
