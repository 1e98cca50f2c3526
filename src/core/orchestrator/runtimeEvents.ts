/**
 * A feature runtime's changes, turned into the façade's typed events as it opens; and the two
 * changes that act on the agent: a critical violation raised, or the circuit breaker opening,
 * pause it.
 */
import type { Violation } from '../model/types';
import type { CrossFeatureMonitor } from './crossFeatureMonitor';
import type { OrchestratorEvents } from './events';
import type { FeatureAgents } from './featureAgents';
import type { FeatureRuntime } from './featureRuntime';

export interface RuntimeWiring {
  hub: OrchestratorEvents;
  agents: FeatureAgents;
  cross: CrossFeatureMonitor;
}

export function wireRuntime(rt: FeatureRuntime, w: RuntimeWiring): void {
  const featureId = rt.id;
  rt.violations.onDidChange((c) => {
    if (c.raised.length > 0) pauseForCritical(w.agents, featureId, c.raised);
    announceViolations(rt, w);
  });
  rt.onChange((c) => {
    if (c.kind === 'breaker' && rt.breaker.state.open) w.agents.session(featureId)?.pause('circuit breaker open: checkpoints keep failing');
    if (c.kind === 'checkpoint') {
      w.cross.schedule();
      w.hub.fire({ kind: 'checkpoint', featureId, checkpoint: c.record });
    } else w.hub.fire({ kind: 'feature', featureId });
  });
  rt.log.onEvent((event) => w.hub.fire({ kind: 'log', featureId, event }));
}

/** The violations standing on a feature and the files it shares, as one event. */
export function announceViolations(rt: FeatureRuntime, w: Pick<RuntimeWiring, 'hub' | 'cross'>): void {
  w.hub.fire({ kind: 'violations', featureId: rt.id, violations: rt.violations.all, collisions: w.cross.collisionsOf(rt.id) });
}

function pauseForCritical(agents: FeatureAgents, id: string, violations: readonly Violation[]): void {
  const s = agents.session(id);
  // Still starting: the pause is held and applied the moment it runs (its process can write
  // before it answers the handshake).
  if (s && (s.state === 'running' || s.state === 'starting')) s.pause(`critical violation: ${violations.map((v) => `${v.kind} ${v.path}`).join(', ')}`);
}
