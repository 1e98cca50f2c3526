/**
 * What the agent layer needs from its host (the orchestrator) and what it tells it. The host
 * is injected per feature, so the orchestrator's wiring stays a few lines: its event log, its
 * validator's write check, its plan's permission policy and a way to ask the human.
 */
import type { ToolCallUpdate } from '@agentclientprotocol/sdk';
import type { EventInput } from '../events/schema';

export interface WriteDecision {
  allow: boolean;
  /** Why not (shown to the agent and recorded). */
  reason?: string;
}

export type PermissionDecision = 'allow' | 'deny' | 'ask';

/** A decision with the reason for it, which the agent is told when it is a refusal. */
export interface PermissionVerdict {
  decision: PermissionDecision;
  reason?: string;
}

/** A write a tool call proposes, checked before it lands. */
export interface ProposedFileWrite {
  /** Worktree-relative. */
  path: string;
  content: string;
  /** The whole new file (size can be judged), not a fragment of an edit. */
  whole: boolean;
}

/** A permission request from an agent, with the paths it names made worktree-relative. */
export interface PermissionQuery {
  featureId: string;
  toolCall: ToolCallUpdate;
  title: string;
  kind?: string;
  /** Worktree-relative paths named by the tool call. */
  paths: string[];
  /** Absolute paths the tool call names that lie outside the worktree. */
  outsidePaths: string[];
  /** What the tool call would write inside the worktree, when it says (edits with their content). */
  writes: ProposedFileWrite[];
}

export interface AgentHost {
  /** Records an event in the feature's log (`ts` and `feature` are filled in by the log). */
  log(e: EventInput): void;
  /** Checks a file write routed through the client before it lands. Absent: allowed. */
  guardWrite?(relPath: string, content: string): WriteDecision | Promise<WriteDecision>;
  /** The plan's answer to a permission request. Absent: 'ask'. */
  decidePermission?(query: PermissionQuery): PermissionDecision | PermissionVerdict | Promise<PermissionDecision | PermissionVerdict>;
  /** Asks the human; a missing answer before the timeout (signal aborted) counts as deny. Absent: deny. */
  askHuman?(query: PermissionQuery, signal: AbortSignal): Promise<'allow' | 'deny'>;
}

/** What a running agent can do, detected at start, never assumed. */
export interface AgentCapabilities {
  /** Speaks the Agent Client Protocol (answered `initialize`). */
  acp: boolean;
  /** Can be paused and resumed (process-group signals on this platform). */
  pause: boolean;
  /** Takes messages while running: as ACP prompt turns or stdin lines. */
  messages: boolean;
  messageChannel: 'acp' | 'stdin' | 'none';
  /** Can continue an earlier session (ACP loadSession/resume, or a CLI resume flag). */
  resumeSession: boolean;
  /** Reports structured progress (ACP session updates, JSON event streams). */
  structuredOutput: boolean;
  /** File writes are routed through the client (ACP fs) and checked before they land. */
  clientWrites: boolean;
  /** Runs inside the bubblewrap sandbox. */
  sandboxed: boolean;
  /** The CLI's version, as it reported it. */
  version?: string;
  /** Authentication methods an ACP agent offered (ids), to tell the user how to log in. */
  authMethods?: string[];
  /** ACP: what the agent takes in a prompt besides text. */
  promptCapabilities?: { image: boolean; audio: boolean; embeddedContext: boolean };
  /** ACP: the agent's own name for itself. */
  agentInfo?: { name: string; title?: string; version?: string };
  /** ACP: the whole `initialize` answer, as the agent gave it (session capabilities, MCP, _meta). */
  initialize?: Record<string, unknown>;
}

/** Token use and cost, as reported by the agent. */
export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Tokens in the model's context at the last report, and the context's size (agents that say). */
  contextTokens?: number;
  contextWindow?: number;
}
