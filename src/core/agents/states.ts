/**
 * The agent lifecycle. Every session moves through these states only along the edges below,
 * and every move is recorded as an `agent.state` event, so the log alone tells what happened.
 *
 *   queued → starting → running ⇄ paused
 *                 │         │        │
 *                 └────→ stopping ←──┘
 *                            │
 *                     exited | failed            (interrupted: set by the orchestrator when
 *                                                 it finds a session that did not survive a restart)
 */
import { AGENT_LIFECYCLE_STATES } from '../../shared/vocabulary';
import type { AopEvent, EventInput } from '../events/schema';

export const AGENT_STATES = AGENT_LIFECYCLE_STATES;
export type AgentState = (typeof AGENT_STATES)[number];

export const TERMINAL_STATES: readonly AgentState[] = ['exited', 'failed', 'interrupted'];

const EDGES: Record<AgentState, readonly AgentState[]> = {
  queued: ['starting', 'exited', 'interrupted'],
  starting: ['running', 'stopping', 'exited', 'failed', 'interrupted'],
  running: ['paused', 'stopping', 'exited', 'failed', 'interrupted'],
  paused: ['running', 'stopping', 'exited', 'failed', 'interrupted'],
  stopping: ['exited', 'failed', 'interrupted'],
  exited: [],
  failed: [],
  interrupted: [],
};

export function canTransition(from: AgentState, to: AgentState): boolean {
  return EDGES[from].includes(to);
}

export function isTerminal(state: AgentState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** States in which the agent holds a process (and a slot of the concurrency cap). */
export function isLive(state: AgentState): boolean {
  return state === 'starting' || state === 'running' || state === 'paused' || state === 'stopping';
}

export interface StateChange {
  from: AgentState | 'none';
  to: AgentState;
  reason?: string;
  pid?: number;
  exitCode?: number | null;
}

/**
 * The last recorded agent state in a feature's log, for restart recovery: a session whose last
 * state is live had its process lost with the editor and should be marked `interrupted`.
 */
export function lastAgentState(events: readonly AopEvent[]): AgentState | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.t === 'agent.state' && (AGENT_STATES as readonly string[]).includes(e.to)) return e.to as AgentState;
  }
  return undefined;
}

/**
 * The event that closes a session lost with the editor (its last state was not terminal), for
 * the orchestrator to record on restart; undefined when there is nothing to close.
 */
export function interruptionFor(events: readonly AopEvent[], reason = 'the editor restarted while the agent ran'): EventInput | undefined {
  const last = lastAgentState(events);
  if (last === undefined || isTerminal(last)) return undefined;
  return { t: 'agent.state', from: last, to: 'interrupted', reason };
}
