/**
 * Whether a feature's agent runs (or would run) in the sandbox, in words for the tree and the
 * panel: on, turned off by the user, or unavailable here, and then what that costs.
 */
import type { SandboxCapability, SandboxStatus } from '../agents';

export interface FeatureSandbox {
  state: 'on' | 'off' | 'unavailable';
  /** What was found, or why not. */
  reason: string;
  /** Without the sandbox: what the user gives up. Sandboxed: what git can do inside. */
  detail: string;
}

/** What running without the sandbox gives up (shown wherever a feature runs unsandboxed). */
export const WITHOUT_SANDBOX =
  'The agent can write anywhere you can: your checkout, the git folder (hooks, config, other branches), your home folder and other repositories. ' +
  'The watchdog still sees writes to its worktree, the git folder, your checkout and .aop/ and pauses the agent, but only after they happened; writes anywhere else go unseen.';

/**
 * From the live session when there is one (what actually happened), else what would happen at
 * the next start: the feature's own choice, then this machine's capability.
 */
export function sandboxStatusOf(choice: 'auto' | 'off' | undefined, providerSandbox: unknown, session: SandboxStatus | undefined, capability: () => SandboxCapability): FeatureSandbox {
  if (session) return { state: session.state, reason: session.reason, detail: session.sandboxed ? (session.git ?? '') : WITHOUT_SANDBOX };
  if (choice === 'off' || providerSandbox === false) return { state: 'off', reason: 'the sandbox is turned off for this feature', detail: WITHOUT_SANDBOX };
  const cap = capability();
  if (!cap.available) return { state: 'unavailable', reason: cap.reason, detail: WITHOUT_SANDBOX };
  return { state: 'on', reason: cap.reason, detail: 'commits to its own branch only; config, hooks, info/, other branches and your checkout are read-only' };
}
