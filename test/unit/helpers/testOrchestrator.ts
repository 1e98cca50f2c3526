/**
 * An orchestrator for tests: no periodic reconciliation and no main-checkout watch unless the
 * test asks (both add background work a test does not wait for).
 */
import { Orchestrator, type OrchestratorOptions } from '../../../src/core/orchestrator';
import type { FeatureLifecycle } from '../../../src/core/orchestrator/featureLifecycle';
import type { FeatureRuntime } from '../../../src/core/orchestrator/featureRuntime';

export function testOrchestrator(repoRoot: string, o: Omit<OrchestratorOptions, 'repoRoot'> = {}): Promise<Orchestrator> {
  return Orchestrator.open({ ...o, repoRoot, settings: { reconcileIntervalMs: 0, watchMainCheckout: false, ...o.settings } });
}

/**
 * A feature's runtime, for the few white-box tests that must observe inside an operation (e.g.
 * the agent's process state while a rollback rewrites its worktree). The surfaces never get one.
 */
export function featureRuntimeOf(orch: Orchestrator, id: string): FeatureRuntime {
  return (orch as unknown as { features: FeatureLifecycle }).features.feature(id);
}
