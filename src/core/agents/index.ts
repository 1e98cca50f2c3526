/** The agent layer's public surface, for the orchestrator and the VS Code adapters. */
export { AgentManager } from './manager';
export type { AgentManagerOptions, StartOptions } from './manager';
export { AgentSession } from './session';
export type { AgentSessionOptions, TurnEnd } from './session';
export type { AgentCapabilities, AgentHost, PermissionDecision, PermissionQuery, UsageTotals, WriteDecision } from './types';
export { AGENT_STATES, canTransition, interruptionFor, isLive, isTerminal, lastAgentState } from './states';
export type { AgentState, StateChange } from './states';
export { PROVIDER_IDS, commandSetting, parseProviderConfig, providerConfigSchema } from './config';
export type { ProviderConfig, ProviderConfigInput, ProviderId } from './config';
export { pendingFromEvents } from './messages';
export type { MessageRecord, MessageState, PendingMessage } from './messages';
export type { OutputLine } from './output';
export { probeProvider } from './probe';
export type { ProbeResult } from './probe';
export { detectSandbox } from './sandbox';
export type { SandboxCapability } from './sandbox';
export { DEFAULT_MAX_RUNNING } from './scheduler';
export type { Budget } from './usage';
