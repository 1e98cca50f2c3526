/**
 * Claude Code. ACP through the `@agentclientprotocol/claude-agent-acp` adapter (its permission
 * modes are ACP session modes, selected explicitly), or plain `claude -p` speaking stream-json
 * both ways, which also lets messages in while it runs. In both, the default mode asks before
 * every edit with the content it would write, so the plan can refuse it before it lands: over
 * ACP as a permission request, in plain mode as a `can_use_tool` control request on stdout
 * (`--permission-prompt-tool stdio`), answered on stdin with a reason the model reads.
 */
import type { LaunchContext, LaunchPlan, LineSignal, PlainPermissionRequest, ProposedWrite, ProviderDefinition } from './types';

const PLAIN_MODES = ['default', 'acceptEdits', 'plan', 'auto', 'dontAsk', 'bypassPermissions'] as const;

export const claudeProvider: ProviderDefinition = {
  id: 'claude',
  label: 'Claude Code',
  installHint: 'npm install -g @agentclientprotocol/claude-agent-acp (ACP) or @anthropic-ai/claude-code (plain)',
  signIn: 'Run `claude` once in a terminal and log in (/login), or set ANTHROPIC_API_KEY (in your environment or aop.providers.claude.env).',
  authFailure: /not logged in|please run \/login|authentication required|invalid (?:x-)?api[ -]key|authentication_error/i,
  transports: ['acp', 'plain'],
  defaultTransport: 'acp',
  envKeys: ['ANTHROPIC_*', 'CLAUDE_CODE_*', 'CLAUDE_CONFIG_DIR'],
  stateDirs: ['.claude', '.claude.json'],
  // ACP: whatever session modes the adapter offers (checked against its answer at start).
  approvalModes: (t) => (t === 'plain' ? PLAIN_MODES : undefined),
  launch(ctx: LaunchContext, transport): LaunchPlan {
    const { config } = ctx;
    if (transport === 'acp') {
      // Selected explicitly: a user's own settings could otherwise start it in acceptEdits, where
      // edits land without a permission request and only the watchdog sees them.
      const mode = config.approvalMode ?? 'default';
      return {
        command: config.command ?? 'claude-agent-acp',
        args: [...config.args],
        transport,
        promptVia: 'acp',
        messageChannel: 'acp',
        approval: mode === 'default' ? 'session mode default (asks before edits and commands)' : `session mode ${mode}`,
        acpMode: mode,
        ...(config.model ? { env: { ANTHROPIC_MODEL: config.model } } : {}),
      };
    }
    const mode = config.approvalMode ?? 'default';
    return {
      command: config.command ?? 'claude',
      args: [
        '-p',
        '--output-format',
        'stream-json',
        '--input-format',
        'stream-json',
        '--verbose',
        '--permission-mode',
        mode,
        // Permission questions come to us on stdout instead of being refused for want of a terminal.
        '--permission-prompt-tool',
        'stdio',
        ...(ctx.resumeSessionId ? ['--resume', ctx.resumeSessionId] : []),
        ...(config.model ? ['--model', config.model] : []),
        ...config.args,
      ],
      transport,
      promptVia: 'stream-json',
      messageChannel: 'stdin',
      formatMessage: (_id, text) => userMessage(text),
      messagesBetweenTurns: true,
      formatPermissionReply: permissionReply,
      parseLine: parseStreamJson,
      approval: `--permission-mode ${mode} (asks us before edits and commands)`,
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

/** The answer to a `can_use_tool` control request; a refusal's reason is what the model reads. */
export function permissionReply(req: PlainPermissionRequest, allow: boolean, reason: string): string {
  const response = allow ? { behavior: 'allow', updatedInput: req.input } : { behavior: 'deny', message: reason };
  return JSON.stringify({ type: 'control_response', response: { subtype: 'success', request_id: req.requestId, response } });
}

const TOOL_KINDS: Record<string, string> = {
  Write: 'edit',
  Edit: 'edit',
  MultiEdit: 'edit',
  NotebookEdit: 'edit',
  Bash: 'execute',
  Read: 'read',
  Glob: 'search',
  Grep: 'search',
  LS: 'search',
  WebFetch: 'fetch',
  WebSearch: 'fetch',
};

/** What a Claude tool call would write, from its input. */
export function claudeWrites(tool: string, input: Record<string, unknown>): ProposedWrite[] {
  const file = typeof input.file_path === 'string' ? input.file_path : typeof input.notebook_path === 'string' ? input.notebook_path : undefined;
  if (!file) return [];
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (tool === 'Write') return [{ path: file, content: str(input.content) ?? '', whole: true }];
  if (tool === 'Edit') return [{ path: file, content: str(input.new_string) ?? '', whole: false }];
  if (tool === 'NotebookEdit') return [{ path: file, content: str(input.new_source) ?? '', whole: false }];
  if (tool === 'MultiEdit' && Array.isArray(input.edits)) {
    return (input.edits as { new_string?: unknown }[]).map((e) => ({ path: file, content: str(e.new_string) ?? '', whole: false }));
  }
  return [];
}

function controlRequest(ev: Record<string, unknown>): LineSignal {
  const req = ev.request as { subtype?: string; tool_name?: string; input?: Record<string, unknown>; description?: string } | undefined;
  if (req?.subtype !== 'can_use_tool' || typeof ev.request_id !== 'string') return { display: null };
  const tool = req.tool_name ?? '?';
  const input = req.input ?? {};
  const writes = claudeWrites(tool, input);
  const file = typeof input.file_path === 'string' ? input.file_path : typeof input.path === 'string' ? input.path : undefined;
  const title = tool === 'Bash' && typeof input.command === 'string' ? input.command : `${tool}${req.description ? ` ${req.description}` : ''}`;
  return {
    permission: { requestId: ev.request_id, kind: TOOL_KINDS[tool] ?? 'other', title, paths: file ? [file] : [], writes, input },
    display: [`[asks] ${tool}: ${title}`],
  };
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
    case 'system':
      return { display: null, ...(ev.subtype === 'init' && typeof ev.session_id === 'string' ? { sessionId: ev.session_id } : {}) };
    case 'assistant': {
      const message = ev.message as { content?: unknown[]; model?: string } | undefined;
      const content = (message?.content ?? []) as { type?: string; text?: string; name?: string }[];
      const shown = content.flatMap((c) => (c.type === 'text' && c.text ? c.text.split('\n') : c.type === 'tool_use' ? [`[tool] ${c.name ?? '?'}`] : []));
      // "<synthetic>" messages are Claude Code talking to itself (e.g. "Not logged in"), not the model.
      return { display: shown.length ? shown : null, ...(message?.model !== '<synthetic>' ? { progress: true } : {}) };
    }
    case 'result': {
      const usage = ev.usage as { input_tokens?: number; output_tokens?: number } | undefined;
      const cost = typeof ev.total_cost_usd === 'number' ? ev.total_cost_usd : undefined;
      const failed = ev.is_error === true;
      return {
        ackOldest: true,
        turnEnd: failed ? 'error' : typeof ev.subtype === 'string' ? ev.subtype : 'result',
        usage: [
          { inputTokens: usage?.input_tokens ?? 0, outputTokens: usage?.output_tokens ?? 0 },
          ...(cost !== undefined ? [{ costUsd: cost, cumulative: true }] : []),
        ],
        display: typeof ev.result === 'string' ? [`[result] ${failed ? `error: ${ev.result}` : (ev.subtype ?? '')}`] : null,
        ...(failed ? { failure: typeof ev.result === 'string' && ev.result ? ev.result : 'the turn failed' } : { progress: true }),
      };
    }
    case 'control_request':
      return controlRequest(ev);
    default:
      return { display: null };
  }
}
