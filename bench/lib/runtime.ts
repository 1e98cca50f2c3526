/**
 * A feature's whole runtime as the orchestrator opens it (FeatureRuntime: event log, plan,
 * validator, checkpoint service, rollback, watchdog, periodic reconciliation), with its files in
 * a bench scratch folder. Its event log and stat cache are the same files bench/lib/feature.ts
 * uses for the same id, so a runtime opened after figure 1 is that feature after a restart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FeaturePaths } from '../../src/core/features/featurePaths';
import type { FeatureState } from '../../src/core/features/featureState';
import { FeatureRuntime } from '../../src/core/orchestrator/featureRuntime';
import { DEFAULT_SETTINGS, type OrchestratorSettings } from '../../src/core/orchestrator/types';

export function benchFeaturePaths(scratch: string, id: string): FeaturePaths {
  const dir = path.join(scratch, 'features', id);
  const runtime = path.join(dir, '.runtime');
  fs.mkdirSync(runtime, { recursive: true });
  return {
    dir,
    spec: path.join(dir, 'spec.md'),
    plan: path.join(dir, 'plan.yaml'),
    agentScript: path.join(dir, 'agent.yaml'),
    state: path.join(dir, 'state.json'),
    events: path.join(scratch, `${id}-events.jsonl`),
    runtime,
    statCache: path.join(scratch, `${id}-stat-cache.json`),
    rollbackJournal: path.join(runtime, 'rollback-journal.json'),
  };
}

export async function openRuntime(opts: {
  worktree: string;
  scratch: string;
  baseCommit: string;
  id: string;
  settings?: Partial<OrchestratorSettings>;
}): Promise<FeatureRuntime> {
  const state: FeatureState = {
    version: 1,
    id: opts.id,
    baseRef: 'bench',
    baseCommit: opts.baseCommit,
    branch: `bench/${opts.id}`,
    worktree: opts.worktree,
    createdAt: new Date().toISOString(),
    breaker: { open: false, failures: 0, errors: [] },
  };
  // The figures measure the checkpoint lane at its own pace: no adaptive coarser batching (the
  // checkpoint pacer) when a checkpoint runs over the budget on a loaded machine.
  const settings: OrchestratorSettings = { ...DEFAULT_SETTINGS, watcherBackend: 'native', checkpointBudgetMs: Number.POSITIVE_INFINITY, ...opts.settings };
  return FeatureRuntime.open(state, benchFeaturePaths(opts.scratch, opts.id), () => settings);
}
