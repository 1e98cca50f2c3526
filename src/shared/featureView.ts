/** FeatureSummary (core) to FeatureView (what the panel and the tree menus go by), and the rules read from it. */
import type { FeatureSummary } from '../core/orchestrator';
import { availableActions, type AvailableActions } from './actions';
import { clip } from './buildViews';
import { LIMITS } from './limits';
import type { FeatureView } from './viewModels';

export function featureView(f: FeatureSummary): FeatureView {
  return {
    id: f.id,
    branch: f.branch ?? '',
    base: f.baseRef ?? '',
    ...(f.baseCommit ? { baseCommit: f.baseCommit } : {}),
    provider: f.provider ?? '',
    agentState: f.agentState ?? 'idle',
    breaker: {
      state: f.breaker.open ? 'open' : 'closed',
      failures: f.breaker.failures,
      ...(f.breaker.errors.length ? { lastErrors: f.breaker.errors.slice(-10).map((e) => clip(e, LIMITS.shortText)) } : {}),
    },
    ...(f.queuePosition ? { queuePosition: f.queuePosition } : {}),
    capabilities: { pause: f.capabilities?.pause ?? false, messages: f.capabilities?.messages ?? false },
    ...(f.sandbox ? { sandbox: { state: f.sandbox.state, reason: clip(f.sandbox.reason, LIMITS.shortText), detail: clip(f.sandbox.detail, 1000) } } : {}),
  };
}

/** What can be done to a feature now; a draft can only be started (which creates its worktree), an archived one nothing. */
export function featureActions(f: FeatureSummary): AvailableActions {
  const a = availableActions(featureView(f));
  if (f.status === 'draft') return { start: true, pause: false, resume: false, stop: false, sendMessage: false, checkpointNow: false };
  if (f.status === 'archived') return { start: false, pause: false, resume: false, stop: false, sendMessage: false, checkpointNow: false };
  return a;
}

/** The tree item's contextValue: the type and a flag per action allowed (menus match `\+canPause\b`). */
export function featureContextValue(f: FeatureSummary): string {
  const a = featureActions(f);
  const flags = [
    f.status,
    a.start && 'canStart',
    a.pause && 'canPause',
    a.resume && 'canResume',
    a.stop && 'canStop',
    a.sendMessage && 'canMessage',
    a.checkpointNow && f.status === 'active' && 'canCheckpoint',
    f.breaker.open && 'breakerOpen',
    f.violations.length > 0 && 'violations',
  ].filter(Boolean);
  return ['feature', ...flags].join('+');
}

/** Needs a person: breaker open, agent failed, or standing errors. */
export function needsAttention(f: FeatureSummary): boolean {
  return f.breaker.open || f.agentState === 'failed' || f.violations.some((v) => v.severity !== 'warning') || Boolean(f.planError);
}
