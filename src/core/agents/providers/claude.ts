/**
 * Claude Code. ACP through the `@agentclientprotocol/claude-agent-acp` adapter (its permission
 * modes are ACP session modes, selected explicitly), or plain `claude -p` speaking stream-json
 * both ways, which also lets messages in while it runs.
 */
import type { LaunchContext, LaunchPlan, LineSignal, ProviderDefinition } from './types';

const PLAIN_MODES = ['default', 'acceptEdits', 'plan', 'auto', 'dontAsk', 'bypassPermissions'] as const;

export const claudeProvider: ProviderDefinition = {
  id: 'claude',
  label: 'Claude Code',
  installHint: 'npm install -g @agentclientprotocol/claude-agent-acp (ACP) or @anthropic-ai/claude-code (plain)',
  transports: ['acp', 'plain'],
  defaultTransport: 'acp',
  envKeys: ['ANTHROPIC_*', 'CLAUDE_CODE_*', 'CLAUDE_CONFIG_DIR'],
  stateDirs: ['.claude', '.claude.json'],
  // ACP: whatever session modes the adapter offers (checked against its answer at start).
  approvalModes: (t) => (t === 'plain' ? PLAIN_MODES : undefined),
  launch(ctx: LaunchContext, transport): LaunchPlan {
    const { config } = ctx;
    if (transport === 'acp') {
      return {
        command: config.command ?? 'claude-agent-acp',
        args: [...config.args],
        transport,
        promptVia: 'acp',
        messageChannel: 'acp',
        approval: config.approvalMode ? `session mode ${config.approvalMode}` : "the adapter's default session mode (asks before edits and commands)",
        ...(config.approvalMode ? { acpMode: config.approvalMode } : {}),
        ...(config.model ? { env: { ANTHROPIC_MODEL: config.model } } : {}),
      };
    }
    const mode = config.approvalMode ?? 'default';
    return {
      command: config.command ?? 'claude',
      args: ['-p', '--output-format', 'stream-json', '--input-format', 'stream-json', '--verbose', '--permission-mode', mode, ...(config.model ? ['--model', config.model] : []), ...config.args],
      transport,
      promptVia: 'stream-json',
      messageChannel: 'stdin',
      formatMessage: (_id, text) => userMessage(text),
      parseLine: parseStreamJson,
      approval: `--permission-mode ${mode}`,
      probe: {
        helpArgs: ['--help'],
        detect: (help) => ({
          resumeSession: help.includes('--resume'),
          structuredOutput: help.includes('stream-json'),
          messages: help.includes('--input-format'),
        }),
      },
    };
  },
};

/** A user turn in Claude's stream-json input format. */
export function userMessage(text: string): string {
  return JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'text', text }] } });
}

/** Reads Claude's stream-json output: shows text and tool use, takes usage from `result`. */
export function parseStreamJson(line: string): LineSignal | undefined {
  if (!line.startsWith('{')) return undefined;
  let ev: Record<string, unknown>;
  try {
    ev = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  switch (ev.type) {
    case 'assistant': {
      const content = ((ev.message as { content?: unknown[] } | undefined)?.content ?? []) as { type?: string; text?: string; name?: string }[];
      const shown = content.flatMap((c) => (c.type === 'text' && c.text ? c.text.split('\n') : c.type === 'tool_use' ? [`[tool] ${c.name ?? '?'}`] : []));
      return { display: shown.length ? shown : null };
    }
    case 'result': {
      const usage = ev.usage as { input_tokens?: number; output_tokens?: number } | undefined;
      const cost = typeof ev.total_cost_usd === 'number' ? ev.total_cost_usd : undefined;
      return {
        ackOldest: true,
        turnEnd: typeof ev.subtype === 'string' ? ev.subtype : 'result',
        usage: [
          { inputTokens: usage?.input_tokens ?? 0, outputTokens: usage?.output_tokens ?? 0 },
          ...(cost !== undefined ? [{ costUsd: cost, cumulative: true }] : []),
        ],
        display: typeof ev.result === 'string' ? [`[result] ${ev.subtype ?? ''}`] : null,
      };
    }
    default:
      return { display: null };
  }
}
