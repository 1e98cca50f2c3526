/**
 * Gemini CLI: natively over ACP (`gemini --acp`), where in the default mode every write is a
 * permission request and then an `fs/write_text_file` call we carry out, checked first; or
 * plain (`gemini --output-format stream-json`, the prompt on stdin), which asks nobody, so its
 * writes are only seen after the fact. The approval mode is always passed explicitly.
 */
import type { LaunchContext, LaunchPlan, LineSignal, ProviderDefinition } from './types';

const MODES = ['default', 'auto_edit', 'yolo', 'plan'] as const;

export const geminiProvider: ProviderDefinition = {
  id: 'gemini',
  label: 'Gemini CLI',
  installHint: 'npm install -g @google/gemini-cli',
  signIn: 'Run `gemini` once in a terminal and sign in with Google, or set GEMINI_API_KEY (in your environment or aop.providers.gemini.env).',
  authFailure: /api key|auth method|GEMINI_API_KEY|log ?in|sign ?in|unauthenticated|credentials/i,
  transports: ['acp', 'plain'],
  defaultTransport: 'acp',
  envKeys: ['GEMINI_*', 'GOOGLE_*'],
  stateDirs: ['.gemini'],
  approvalModes: () => MODES,
  launch(ctx: LaunchContext, transport): LaunchPlan {
    const { config } = ctx;
    // The worktree is ours and the editor's workspace trust already gates every start; without
    // this Gemini quietly lowers the chosen mode in a folder it has not seen before.
    const common = ['--skip-trust', ...(config.model ? ['--model', config.model] : [])];
    if (transport === 'acp') {
      const mode = config.approvalMode ?? 'default';
      return {
        command: config.command ?? 'gemini',
        args: ['--acp', '--approval-mode', mode, ...common, ...config.args],
        transport: 'acp',
        promptVia: 'acp',
        messageChannel: 'acp',
        approval: `--approval-mode ${mode}${mode === 'default' ? ' (asks before edits and commands)' : ''}`,
      };
    }
    // Headless, nobody can answer a question: the default lets it edit files and nothing more.
    const mode = config.approvalMode ?? 'auto_edit';
    return {
      command: config.command ?? 'gemini',
      args: ['--output-format', 'stream-json', '--approval-mode', mode, ...common, ...(ctx.resumeSessionId ? ['--resume', ctx.resumeSessionId] : []), ...config.args],
      transport: 'plain',
      promptVia: 'stdin',
      messageChannel: 'none',
      parseLine: parseGeminiStream,
      approval: `--approval-mode ${mode} (headless: never asks)`,
      probe: { helpArgs: ['--help'], detect: (help) => ({ resumeSession: help.includes('--resume'), structuredOutput: help.includes('stream-json') }) },
    };
  },
};

/** Reads `gemini --output-format stream-json`: text and tool use shown, usage from `result`. */
export function parseGeminiStream(line: string): LineSignal | undefined {
  if (!line.startsWith('{')) return undefined;
  let ev: { type?: string; session_id?: string; role?: string; content?: string; tool_name?: string; status?: string; message?: string; error?: { message?: string }; stats?: { input_tokens?: number; output_tokens?: number } };
  try {
    ev = JSON.parse(line) as typeof ev;
  } catch {
    return undefined;
  }
  switch (ev.type) {
    case 'init':
      return { display: null, ...(ev.session_id ? { sessionId: ev.session_id } : {}) };
    case 'message':
      if (ev.role !== 'assistant') return { display: null };
      return { display: ev.content ? ev.content.split('\n') : null, progress: true };
    case 'tool_use':
      return { display: [`[tool] ${ev.tool_name ?? '?'}`], progress: true };
    case 'tool_result':
      return { display: null, progress: true };
    case 'result': {
      const failed = ev.status !== undefined && ev.status !== 'success';
      const why = ev.error?.message ?? ev.message ?? 'the turn failed';
      return {
        turnEnd: ev.status ?? 'result',
        usage: { inputTokens: ev.stats?.input_tokens ?? 0, outputTokens: ev.stats?.output_tokens ?? 0 },
        display: failed ? [`[error] ${why}`] : null,
        ...(failed ? { failure: why } : { progress: true }),
      };
    }
    case 'error':
      return { display: [ev.message ?? ev.error?.message ?? 'error'] };
    default:
      return undefined;
  }
}
