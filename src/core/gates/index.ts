/** Gates: named commands (lint, typecheck, tests) run in a feature's worktree, recorded as evidence. */
export { GateRunner, type GateFeature, type GateRun, type GateRunnerOptions, type GateTrigger, type RunGateOptions } from './gateRunner';
export { gateStatuses, gateEvents, unmetRequiredGates, type GateEvent, type GateEvidence, type GateStatus } from './evidence';
export { resolveGateCwd } from './gateCwd';
export { runGateProcess, type GateProcessOptions, type GateProcessResult } from './gateProcess';
export { BoundedOutput, cleanOutput } from './boundedOutput';
export { FeatureGates, type FeatureGatesHost, type GateSnapshot } from './featureGates';
export { attachTurnEndGates, type TurnEndGateOptions, type TurnEndHost, type TurnEndSession } from './turnEndGates';
