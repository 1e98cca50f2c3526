/**
 * How a session talks to its agent once the process is spawned. Two implementations: ACP
 * (JSON-RPC over stdio, see ./acp.ts) and plain stdio CLIs (./plain.ts). The session owns the
 * process, the queue and the lifecycle; a transport only turns them into a conversation.
 */
import type { EventInput } from '../../events/schema';
import type { Emitter } from '../../util/emitter';
import type { ProviderConfig } from '../config';
import type { MessageQueue } from '../messages';
import type { LineSplitter, OutputLine } from '../output';
import type { LaunchPlan, ProviderDefinition } from '../providers';
import type { ResolvedCommand } from '../resolveCommand';
import type { ProcessSupervisor } from '../supervisor';
import type { AgentCapabilities, AgentHost } from '../types';
import type { UsageTracker } from '../usage';

export interface TurnEnd {
  turn: number;
  /** ACP stop reason (end_turn, cancelled, ...), a CLI's own end marker, 'exited', or 'error'. */
  stopReason: string;
  /** The message this turn answered, if it was one. */
  messageId?: string;
  error?: string;
}

/** What a transport works with: the session's parts, shared, never owned. */
export interface TransportContext {
  featureId: string;
  worktree: string;
  config: ProviderConfig;
  provider: ProviderDefinition;
  plan: LaunchPlan;
  prompt: string;
  host: AgentHost;
  sup: ProcessSupervisor;
  queue: MessageQueue;
  usage: UsageTracker;
  /** Agent text streamed in pieces, shown as output lines. */
  agentText: LineSplitter;
  turnEnded: Emitter<TurnEnd>;
  log(e: EventInput): void;
  clientVersion?: string;
  /** Take up this earlier conversation of the agent instead of opening a new one, opening with its prompt. */
  resume?: { sessionId: string; prompt: string };
  /** The model answered: the agent is really working. */
  progress(): void;
  /**
   * A turn failed, in the agent's own words. Before any progress this means the agent cannot
   * begin (not signed in, no network): the session fails with guidance and this returns true.
   */
  turnFailed(words: string): boolean;
  /** The agent's id for this conversation (to resume it after a restart). */
  sessionStarted(id: string): void;
  /** Adds the provider's sign-in guidance to a failure that reads like an authentication problem. */
  explain(message: string): string;
}

export interface AgentTransport {
  readonly kind: 'acp' | 'plain';
  /** What the agent can do; set by `prepare` or `begin`. */
  readonly capabilities: AgentCapabilities | undefined;
  /** Before the process is spawned (plain CLIs learn their capabilities from `--help` here). */
  prepare(exe: ResolvedCommand, env: Record<string, string>, sandboxed: boolean): Promise<void>;
  /**
   * After the spawn: brings the agent to `running` (handshake, prompt) and opens the message
   * channel. Throws AopError('AGENT_FAILED') with what to check when the agent cannot begin.
   */
  begin(): Promise<void>;
  /** ACP holds the agent's requests while it is paused; plain CLIs have none. */
  setPaused(paused: boolean): void;
  /** Ends the current turn (ACP answers it as cancelled). */
  cancelTurn(): Promise<void>;
  /** A stdout line from the process: undefined shows it as is, null hides it, or lines to show. */
  filterLine(line: OutputLine): OutputLine[] | null | undefined;
  /** The process ended: close the connection and report a last turn if the transport has one. */
  ended(): void;
}
