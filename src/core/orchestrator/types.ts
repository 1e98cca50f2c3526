/** What the orchestrator tells its callers (the VS Code adapters, tests) about features. */
import type { AgentCapabilities, AgentManager, AgentState, PermissionQuery, ProviderConfigInput, UsageTotals } from '../agents';
import type { Violation } from '../model/types';
import type { PlanBudget } from '../plan';
import type { BreakerState } from './circuitBreaker';
import type { WatcherSetting } from '../watch';
import type { Collision } from '../collisions';
import type { ConfirmedKind } from '../features/confirmedFiles';
import type { FeatureSandbox } from './sandboxStatus';

export interface FeatureSummary {
  id: string;
  repoRoot: string;
  /**
   * draft: spec/plan written, no worktree yet. active: worktree and checkpoints exist.
   * archived: accepted or deleted; its spec, plan and history stay in .aop/features/<id>/.
   */
  status: 'draft' | 'active' | 'archived';
  /** How an archived feature ended. */
  archived?: ArchivedInfo;
  branch?: string;
  baseRef?: string;
  baseCommit?: string;
  worktree?: string;
  provider?: string;
  agentState?: AgentState;
  queuePosition?: number;
  capabilities?: AgentCapabilities;
  usage?: UsageTotals;
  breaker: BreakerState;
  watch: { alive: boolean; backend?: string };
  lastCheckpoint?: { seq: number; time: string };
  checkpointCount: number;
  violations: Violation[];
  /** Files this feature changed that other features changed too. */
  collisions?: Collision[];
  notSnapshotted: { path: string; reason: string }[];
  /** Why an existing feature could not be opened (it is listed as a draft until fixed). */
  error?: string;
  /** Plan problems (e.g. invalid YAML) keep the feature listed but say what is wrong. */
  planError?: string;
  /** Whether its agent runs (or would run) sandboxed, and why not. */
  sandbox?: FeatureSandbox;
  /** Its plan or spec changed on disk and waits for the user to apply or revert it. */
  pendingConfirmation?: ConfirmedKind[];
  /** Warnings from creating the feature (e.g. its plan overlaps another feature's). */
  warnings?: string[];
}

/** How an archived feature ended: accepted (and into what), or deleted. */
export interface ArchivedInfo {
  how: 'accepted' | 'deleted';
  /** When it was archived (ISO time). */
  at: string;
  accepted?: { commit: string; target: string; landed: boolean; strategy: string; seq: number };
}

export interface OrchestratorSettings {
  watcherBackend: WatcherSetting;
  debounceMs: number;
  maxWaitMs: number;
  /** Periodic reconciliation scan; 0 turns it off. */
  reconcileIntervalMs: number;
  /** Where worktrees go (default: `<repo>.worktrees`). */
  worktreesRoot?: string;
  maxRunningAgents: number;
  /** Per-provider defaults (command, args, approval mode...), merged under a feature's own choice. */
  providers: Partial<Record<string, Partial<ProviderConfigInput>>>;
  checkpointBudgetMs: number;
  /** Watch the main checkout while agents run and report writes there. */
  watchMainCheckout: boolean;
  /** Keep this many recent checkpoints (plus every one with a rollback or a violation); 0 keeps all. */
  retainCheckpoints: number;
  /** Budget defaults of every feature (a plan's `budget:` keys win). */
  budgets: PlanBudget;
  /** Disk all features together may use (checkpoints, worktrees, `.deleted/`); 0: no quota. */
  diskQuotaBytes: number;
  /** Run in a new worktree before its agent first starts (e.g. `npm ci`); empty: none. */
  setupCommand: string;
  setupTimeoutMs: number;
  /**
   * Prepare the next feature's worktree files ahead of time once a repository has this many
   * files (default 20,000, see features/spareWorktree.ts); 0 turns it off.
   */
  spareMinFiles?: number;
}

export const DEFAULT_SETTINGS: OrchestratorSettings = {
  watcherBackend: 'auto',
  debounceMs: 150,
  maxWaitMs: 1000,
  reconcileIntervalMs: 60_000,
  maxRunningAgents: 5,
  providers: {},
  checkpointBudgetMs: 500,
  watchMainCheckout: true,
  retainCheckpoints: 1000,
  budgets: {},
  diskQuotaBytes: 0,
  setupCommand: '',
  setupTimeoutMs: 15 * 60_000,
};

export interface CreateFeatureOptions {
  id: string;
  baseRef: string;
  /** Markdown prompt; when omitted an existing spec.md (a draft) is used. */
  spec?: string;
  /** plan.yaml text; when omitted an existing plan.yaml is used, else an allow-all plan. */
  planYaml?: string;
  provider?: ProviderConfigInput;
}

/** How an orchestrator is opened (the extension passes one per repository; tests use testOrchestrator). */
export interface OrchestratorOptions {
  repoRoot: string;
  settings?: Partial<OrchestratorSettings>;
  /** Shared across repositories so the cap on running agents is global. */
  agents?: AgentManager;
  /** Agents never start in an untrusted workspace. */
  isTrusted?: () => boolean;
  /** Asks the human about a permission the plan does not decide. */
  askHuman?: (query: PermissionQuery, signal: AbortSignal) => Promise<'allow' | 'deny'>;
  /** True when a write in the main checkout was the editor saving a file (not an agent). */
  isEditorSave?: (absPath: string) => boolean;
  /** Where background trouble is told (e.g. a gate history that could not be read). */
  log?: { warn(message: string): void };
}
