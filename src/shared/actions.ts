/** Which agent actions the feature's state allows; the header offers only these, the host enforces them. */
import type { AgentState, FeatureView } from './viewModels';

export interface AvailableActions {
  start: boolean;
  pause: boolean;
  resume: boolean;
  stop: boolean;
  sendMessage: boolean;
  checkpointNow: boolean;
}

const STARTABLE: readonly AgentState[] = ['idle', 'exited', 'failed', 'interrupted'];
const STOPPABLE: readonly AgentState[] = ['queued', 'starting', 'running', 'paused'];
/** Messages are queued until delivered, so they may be sent whenever an agent is (or will be) there. */
const MESSAGEABLE: readonly AgentState[] = ['queued', 'starting', 'running', 'paused'];

export function availableActions(f: Pick<FeatureView, 'agentState' | 'capabilities'>): AvailableActions {
  const s = f.agentState;
  return {
    start: STARTABLE.includes(s),
    pause: s === 'running' && f.capabilities.pause,
    resume: s === 'paused',
    stop: STOPPABLE.includes(s),
    sendMessage: f.capabilities.messages && MESSAGEABLE.includes(s),
    checkpointNow: s !== 'stopping',
  };
}
