/**
 * Codex CLI. ACP through `@zed-industries/codex-acp`, whose approval presets are ACP session
 * modes (read-only, auto, full-access): the default is read-only, where every edit is a
 * permission request carrying the patch's content and commands run in Codex's read-only
 * sandbox unless we allow them out. Or plain `codex exec` reading the prompt from stdin with a
 * chosen sandbox mode; exec never asks, so its writes are only seen after the fact.
 */
import type { LaunchContext, LaunchPlan, LineSignal, ProviderDefinition } from './types';

const EXEC_SANDBOX = ['read-only', 'workspace-write', 'danger-full-access'] as const;

export const codexProvider: ProviderDefinition = {
  id: 'codex',
  label: 'Codex CLI',
  installHint: 'npm install -g @zed-industries/codex-acp (ACP) or @openai/codex (plain)',
  signIn: 'Run `codex login` once in a terminal, or set OPENAI_API_KEY or CODEX_API_KEY (in your environment or aop.providers.codex.env); check that it can reach its API.',
  authFailure: /not logged in|log ?in|unauthori[sz]ed|\b401\b|api key|reconnecting|waiting for network|stream disconnected/i,
  transports: ['acp', 'plain'],
  defaultTransport: 'acp',
  envKeys: ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'CODEX_API_KEY', 'CODEX_HOME'],
  stateDirs: ['.codex'],
  // ACP: whatever presets the adapter offers (checked against its answer at start).
  approvalModes: (t) => (t === 'acp' ? undefined : EXEC_SANDBOX),
  launch(ctx: LaunchContext, transport): LaunchPlan {
    const { config } = ctx;
    const model = config.model ? ['-c', `model=${JSON.stringify(config.model)}`] : [];
    if (transport === 'acp') {
      const mode = config.approvalMode ?? 'read-only';
      return {
        command: config.command ?? 'codex-acp',
        args: [...model, ...config.args],
        transport,
        promptVia: 'acp',
        messageChannel: 'acp',
        approval: mode === 'read-only' ? 'session mode read-only (asks before every edit; commands sandboxed read-only)' : `session mode ${mode}`,
        acpMode: mode,
      };
    }
    const sandbox = config.approvalMode ?? 'workspace-write';
    return {
      command: config.command ?? 'codex',
      // `-` reads the prompt from stdin.
      args: ['exec', '--json', '--sandbox', sandbox, '--cd', ctx.worktree, ...model, ...config.args, ...(ctx.resumeSessionId ? ['resume', ctx.resumeSessionId] : []), '-'],
      transport,
      promptVia: 'stdin',
      messageChannel: 'none',
      parseLine: parseExecJson,
      approval: `--sandbox ${sandbox} (exec never asks)`,
      probe: {
        helpArgs: ['exec', '--help'],
        detect: (help) => ({ resumeSession: /\bresume\b/.test(help), structuredOutput: help.includes('--json') }),
      },
    };
  },
};

/**
 * Reads `codex exec --json` events: agent messages are shown, usage comes with turn.completed.
 * `error` events ("Reconnecting... 2/5") are shown but are no progress: offline, Codex retries
 * forever and only the start-up watch ends it.
 */
export function parseExecJson(line: string): LineSignal | undefined {
  if (!line.startsWith('{')) return undefined;
  let ev: { type?: string; thread_id?: string; message?: string; error?: { message?: string }; usage?: { input_tokens?: number; output_tokens?: number }; item?: { type?: string; text?: string; message?: string } };
  try {
    ev = JSON.parse(line) as typeof ev;
  } catch {
    return undefined;
  }
  switch (ev.type) {
    case 'thread.started':
      return { display: null, ...(ev.thread_id ? { sessionId: ev.thread_id } : {}) };
    case 'turn.completed':
      return { turnEnd: 'completed', usage: { inputTokens: ev.usage?.input_tokens ?? 0, outputTokens: ev.usage?.output_tokens ?? 0 }, display: null, progress: true };
    case 'turn.failed':
      return { turnEnd: 'error', failure: ev.error?.message ?? 'the turn failed', display: [`[error] ${ev.error?.message ?? 'the turn failed'}`] };
    case 'error':
      return { display: ev.message ? [ev.message] : null };
    case 'item.started':
    case 'item.updated':
    case 'item.completed':
      // Codex's own complaints ("Falling back from WebSockets...") come as items too: not the model.
      if (ev.item?.type === 'error') return { display: ev.item.message ? [ev.item.message] : null };
      return ev.type === 'item.completed' && ev.item?.type === 'agent_message' && ev.item.text ? { display: ev.item.text.split('\n'), progress: true } : { display: null, progress: true };
    default:
      return undefined;
  }
}
