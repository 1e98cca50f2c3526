/**
 * Taking up an agent's conversation after the editor restarted. The agent's own id for its
 * conversation is kept on the feature as soon as the agent names it; an agent started again on
 * a feature whose last agent was interrupted (the editor stopped while it ran) resumes that
 * conversation when it is the same agent over the same transport, with a short prompt instead
 * of the spec. An ACP agent that cannot load it starts anew from the spec (it says so).
 */
import type { AgentSession, ProviderConfigInput, ResumeRequest } from '../agents';
import { PROVIDERS } from '../agents/providers';
import type { FeatureState } from '../features/featureState';

/** The first turn of a session that takes up an earlier conversation after a restart. */
export const RESUME_PROMPT = 'The editor restarted while you were working on this feature. Continue where you left off; re-read files before editing them, since they may have changed.';

/**
 * The conversation to take up, if any. `resume`: the caller's choice; by default, resume
 * exactly when the last agent was interrupted by a restart.
 */
export function resumeRequest(state: Pick<FeatureState, 'agentSession' | 'agentState'>, config: ProviderConfigInput, resume?: boolean): ResumeRequest | undefined {
  const last = state.agentSession;
  if (!last || !(resume ?? state.agentState === 'interrupted')) return undefined;
  const transport = config.transport ?? PROVIDERS[config.provider].defaultTransport;
  return last.provider === config.provider && last.transport === transport ? { sessionId: last.id, prompt: RESUME_PROMPT } : undefined;
}

/** Keeps the session's conversation id on the feature (saved with its state) once the agent names it. */
export function rememberConversation(state: Pick<FeatureState, 'agentSession'>, session: AgentSession, save: () => Promise<void>): void {
  session.onAgentSession((id) => {
    state.agentSession = { provider: session.provider.id, transport: session.transport, id };
    void save().catch(() => undefined);
  });
}
