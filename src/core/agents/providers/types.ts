/**
 * A provider turns settings into a launch: which executable, which arguments, how the prompt
 * and messages reach the agent, and how to read its output. What the running agent can do is
 * not declared here but detected at start (see ../detect.ts): these are only the means.
 */
import type { ProviderConfig, ProviderId } from '../config';
import type { AgentCapabilities } from '../types';
import type { UsageReport } from '../usage';

export interface LaunchContext {
  featureId: string;
  worktree: string;
  config: ProviderConfig;
  /** A private file holding the prompt (mode 0600, outside the worktree), for CLIs that read one. */
  promptFile: string;
  /** Continue this earlier conversation of the agent (its own id) instead of starting a new one. */
  resumeSessionId?: string;
}

/** A write a tool call proposes, with the content it would write (before it lands). */
export interface ProposedWrite {
  /** As the agent gave it: absolute, or relative to the worktree. */
  path: string;
  content: string;
  /** The content is the whole file (a create or overwrite), not a fragment of an edit. */
  whole: boolean;
}

/** A plain CLI asking whether it may run a tool (Claude's `--permission-prompt-tool stdio`). */
export interface PlainPermissionRequest {
  requestId: string;
  /** ACP's tool kinds: edit, delete, move, execute, read, search, fetch, think, other. */
  kind: string;
  title: string;
  /** Paths the tool names, as the agent gave them. */
  paths: string[];
  writes: ProposedWrite[];
  /** The tool's input, echoed back when allowed. */
  input: Record<string, unknown>;
}

/** What a line of plain output means beyond being output. */
export interface LineSignal {
  /** The agent acknowledged this message id. */
  ack?: string;
  /** The agent finished a turn, which acknowledges the oldest delivered message (no ids in its protocol). */
  ackOldest?: boolean;
  usage?: UsageReport | UsageReport[];
  /** The end of a turn, with its reason. */
  turnEnd?: string;
  /** Lines to show instead of the raw one (null: show nothing), e.g. text rendered from JSON events. */
  display?: string[] | null;
  /** The agent's id for this conversation, to resume it later. */
  sessionId?: string;
  /** The model answered: the agent is really working (this ends the start-up watch). */
  progress?: boolean;
  /** The turn failed at once, in the agent's own words (e.g. "Not logged in · Please run /login"). */
  failure?: string;
  /** The agent asks permission for a tool call and waits for the answer on stdin. */
  permission?: PlainPermissionRequest;
}

export interface LaunchPlan {
  /** The executable to look up (the command setting, or the provider's default). */
  command: string;
  args: string[];
  transport: 'acp' | 'plain';
  /** How the prompt reaches the agent: never argv, which is size-limited and visible in `ps`. */
  promptVia: 'acp' | 'stdin' | 'file' | 'stream-json';
  messageChannel: 'acp' | 'stdin' | 'none';
  /** A message as one stdin line (no newline). */
  formatMessage?(id: string, text: string): string;
  /**
   * Messages go in only between turns (each is a turn of its own, answered by one turn end).
   * Claude folds a message written mid-turn into the running turn, which then answers once.
   */
  messagesBetweenTurns?: boolean;
  /** The answer to a permission request, as one stdin line (no newline); `reason` reaches the model. */

  formatPermissionReply?(req: PlainPermissionRequest, allow: boolean, reason: string): string;
  parseLine?(line: string): LineSignal | undefined;
  /** The approval mode the CLI runs in, shown to the user; never a hidden bypass. */
  approval: string;
  /** ACP: the session mode to select after `session/new` (Claude's permission modes). */
  acpMode?: string;
  /** Provider-specific variables (on top of the allowlisted environment). */
  env?: Record<string, string>;
  /** Arguments that make the CLI print its version (default `--version`); null: do not ask. */
  versionArgs?: string[] | null;
  /** Plain CLIs: how to learn what this version supports from its help text. */
  probe?: { helpArgs: string[]; detect(help: string): Partial<AgentCapabilities> };
}

export interface ProviderDefinition {
  id: ProviderId;
  label: string;
  /** How to install the CLI, for the not-found message. */
  installHint: string;
  /** What to do when the agent is not signed in: run the CLI once, or the variable to set. */
  signIn: string;
  /** The agent's own words for "not signed in" (in its output or an error), to add `signIn` to. */
  authFailure?: RegExp;
  transports: readonly ('acp' | 'plain')[];
  defaultTransport: 'acp' | 'plain';
  /** The CLI's own variables (API keys, config locations); patterns may end in `*`. */
  envKeys: readonly string[];
  /** The CLI's own state folders under HOME, kept writable in the sandbox. */
  stateDirs: readonly string[];
  /** Approval modes the CLI accepts for a transport; undefined when it has no such switch. */
  approvalModes(transport: 'acp' | 'plain'): readonly string[] | undefined;
  launch(ctx: LaunchContext, transport: 'acp' | 'plain'): LaunchPlan;
}

/** The scripted agent's stdin message line and acknowledgement, shared by `custom` CLIs that opt in. */
export function jsonMessageLine(id: string, text: string): string {
  return JSON.stringify({ type: 'message', id, text });
}

export function parseAckLine(line: string): LineSignal | undefined {
  const ack = /^ACK (\S+)\s*$/.exec(line);
  if (ack) return { ack: ack[1] };
  const usage = /^USAGE (\{.*\})\s*$/.exec(line);
  if (usage) {
    try {
      const u = JSON.parse(usage[1]) as { inputTokens?: unknown; outputTokens?: unknown; costUsd?: unknown };
      const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
      return { usage: { inputTokens: num(u.inputTokens), outputTokens: num(u.outputTokens), costUsd: num(u.costUsd) } };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
