/**
 * What one agent session is started with: the feature, its worktree, the provider settings, the
 * prompt and host, and what it takes over (pending messages, a conversation to resume). Kept
 * apart from ./session.ts so the manager and tests can build options without the session's
 * process and transport machinery.
 */
import type { ProviderConfig } from './config';
import type { PendingMessage } from './messages';
import type { OutputLimits } from './output';
import type { ProviderDefinition } from './providers';
import type { SandboxCapability } from './sandbox';
import type { AgentHost } from './types';

export interface AgentSessionOptions {
  featureId: string;
  /** Absolute path of the feature's worktree: the agent's cwd and the only place it may write. */
  worktree: string;
  config: ProviderConfig;
  prompt: string;
  host: AgentHost;
  /** The environment the allowlist picks from (default process.env). */
  parentEnv?: NodeJS.ProcessEnv;
  /** Messages left pending by an earlier session, delivered first. */
  pendingMessages?: readonly PendingMessage[];
  outputLimits?: Partial<OutputLimits>;
  providers?: Readonly<Record<string, ProviderDefinition>>;
  detectSandbox?: () => SandboxCapability;
  clientVersion?: string;
  /**
   * Take up this earlier conversation of the agent (its own id) with `prompt` as the first turn,
   * instead of starting anew with the spec. An ACP agent that cannot load it starts anew.
   */
  resume?: ResumeRequest;
  /** The feature's repository: inside the sandbox, git may commit to `branch` and nothing else. */
  repository?: { gitDir: string; branch: string };
}

export interface ResumeRequest {
  sessionId: string;
  prompt: string;
}
