/**
 * Codex CLI. ACP through `@zed-industries/codex-acp` (approval policy passed as a config
 * override), or plain `codex exec` reading the prompt from stdin with a chosen sandbox mode.
 */
import type { LaunchContext, LaunchPlan, LineSignal, ProviderDefinition } from './types';

const ACP_POLICIES = ['untrusted', 'on-failure', 'on-request', 'never'] as const;
const EXEC_SANDBOX = ['read-only', 'workspace-write', 'danger-full-access'] as const;

export const codexProvider: ProviderDefinition = {
  id: 'codex',
  label: 'Codex CLI',
  installHint: 'npm install -g @zed-industries/codex-acp (ACP) or @openai/codex (plain)',
  transports: ['acp', 'plain'],
  defaultTransport: 'acp',
  envKeys: ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'CODEX_API_KEY', 'CODEX_HOME'],
  stateDirs: ['.codex'],
  approvalModes: (t) => (t === 'acp' ? ACP_POLICIES : EXEC_SANDBOX),
  launch(ctx: LaunchContext, transport): LaunchPlan {
    const { config } = ctx;
    const model = config.model ? ['-c', `model=${JSON.stringify(config.model)}`] : [];
    if (transport === 'acp') {
      const policy = config.approvalMode ?? 'on-request';
      return {
        command: config.command ?? 'codex-acp',
        args: ['-c', `approval_policy=${JSON.stringify(policy)}`, ...model, ...config.args],
        transport,
        promptVia: 'acp',
        messageChannel: 'acp',
        approval: `approval_policy=${policy}`,
      };
    }
    const sandbox = config.approvalMode ?? 'workspace-write';
    return {
      command: config.command ?? 'codex',
      // `-` reads the prompt from stdin.
      args: ['exec', '--json', '--sandbox', sandbox, '--cd', ctx.worktree, ...model, ...config.args, '-'],
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

/** Reads `codex exec --json` events: agent messages are shown, usage comes with turn.completed. */
export function parseExecJson(line: string): LineSignal | undefined {
  if (!line.startsWith('{')) return undefined;
  let ev: { type?: string; usage?: { input_tokens?: number; output_tokens?: number }; item?: { type?: string; text?: string } };
  try {
    ev = JSON.parse(line) as typeof ev;
  } catch {
    return undefined;
  }
  if (ev.type === 'turn.completed') {
    return { turnEnd: 'completed', usage: { inputTokens: ev.usage?.input_tokens ?? 0, outputTokens: ev.usage?.output_tokens ?? 0 }, display: null };
  }
  if (ev.type === 'item.completed' && ev.item?.type === 'agent_message' && ev.item.text) return { display: ev.item.text.split('\n') };
  return undefined;
}
