/**
 * The orchestrator: the core's single entry point for the VS Code adapters. Feature runtimes,
 * ledgers and histories stay inside this folder; the façade's queries, commands and typed
 * events are the way in and out.
 */
export { Orchestrator } from './orchestrator';
export type { DiffSide } from './snapshots';
export type { BreakerState } from './circuitBreaker';
export type { ChangeKind, EventOf, OrchestratorChange, OrchestratorEvent } from './events';
export type { DeleteOptions } from './featureLifecycle';
export type { ViolationsChanged, Observation } from './violationLedger';
export type { GuardDetection } from './repositoryGuards';
export type { StandingAction, StandingItem } from './standingItems';
export { WITHOUT_SANDBOX, type FeatureSandbox } from './sandboxStatus';
export { DEFAULT_SETTINGS, type ArchivedInfo, type CreateFeatureOptions, type FeatureSummary, type OrchestratorOptions, type OrchestratorSettings } from './types';
export type { BulkAgentResult, StartAgentOptions } from './featureAgents';
export type { SupervisionFacade, FeatureDisk } from './supervisionFacade';
