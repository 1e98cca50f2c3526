/** The orchestrator: the core's single entry point for the VS Code adapters. */
export { Orchestrator, type OrchestratorOptions, type DiffSide } from './orchestrator';
export { FeatureRuntime } from './featureRuntime';
export { CircuitBreaker, type BreakerState } from './circuitBreaker';
export { DEFAULT_SETTINGS, type ChangeKind, type CreateFeatureOptions, type FeatureSummary, type OrchestratorChange, type OrchestratorSettings } from './types';
