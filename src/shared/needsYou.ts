/**
 * "Needs you": what waits for the person supervising the agents, across every feature, as one
 * list ordered by urgency. Declared here (browser-safe) because the core builds the items and
 * the tree, the status bar, notifications and the panel show them.
 */
import { z } from 'zod';

/**
 * The kinds, most urgent first. A permission request holds the agent mid-tool-call (and times
 * out into a "deny"); the next four have paused or stopped the agent; the last three wait for a
 * look but hold nothing.
 */
export const NEEDS_YOU_KINDS = [
  'permission',
  'critical_violation',
  'budget_reached',
  'breaker_open',
  'agent_failed',
  'gate_failed',
  'message_undelivered',
  'turn_ended',
] as const;
export type NeedsYouKind = (typeof NEEDS_YOU_KINDS)[number];

/** What each kind is called (view group headings, settings, notifications). */
export const NEEDS_YOU_LABEL: Readonly<Record<NeedsYouKind, string>> = {
  permission: 'Permission request',
  critical_violation: 'Critical violation',
  budget_reached: 'Budget reached',
  breaker_open: 'Checkpoints failing',
  agent_failed: 'Agent failed',
  gate_failed: 'Gate failed',
  message_undelivered: 'Message not delivered',
  turn_ended: 'Turn finished, waiting for review',
};

/**
 * The kinds that raise a notification (each can be muted in settings): those that hold an agent
 * until someone acts. A failed agent has its own notification (with its last output).
 */
export const URGENT_KINDS: readonly NeedsYouKind[] = ['permission', 'critical_violation', 'budget_reached', 'breaker_open'];

/** Where activating an item goes. */
export const openTargetSchema = z.discriminatedUnion('kind', [
  /** The permission request itself (answer in place). */
  z.strictObject({ kind: z.literal('permission'), requestId: z.string() }),
  /** A file of the feature's worktree, at a line when known. */
  z.strictObject({ kind: z.literal('file'), path: z.string(), line: z.number().int().min(1).optional() }),
  /** The feature's review panel. */
  z.strictObject({ kind: z.literal('review') }),
  /** A gate's latest output. */
  z.strictObject({ kind: z.literal('gate'), gate: z.string() }),
  /** The agent's output (its terminal). */
  z.strictObject({ kind: z.literal('output') }),
]);
export type OpenTarget = z.infer<typeof openTargetSchema>;

/** What can be done from the item itself. */
export const NEEDS_YOU_ACTIONS = ['allow', 'deny', 'extend', 'stop', 'accept', 'resume', 'resetBreaker', 'restart', 'rerunGate', 'resend', 'dismiss'] as const;
export type NeedsYouAction = (typeof NEEDS_YOU_ACTIONS)[number];

export const NEEDS_YOU_ACTION_LABEL: Readonly<Record<NeedsYouAction, string>> = {
  allow: 'Allow once',
  deny: 'Deny',
  extend: 'Extend budget',
  stop: 'Stop agent',
  accept: 'Accept as is',
  resume: 'Resume agent',
  resetBreaker: 'Reset breaker',
  restart: 'Start again',
  rerunGate: 'Run gate again',
  resend: 'Send again',
  dismiss: 'Dismiss',
};

export const needsYouItemSchema = z.strictObject({
  /** Stable while the item stands (tree ids, dismissals, notifications shown once). */
  id: z.string().min(1).max(2000),
  kind: z.enum(NEEDS_YOU_KINDS),
  repoRoot: z.string(),
  featureId: z.string(),
  /** One line: what happened ("Agent asks to run: npm test"). */
  title: z.string(),
  /** Why and where: the path and the plan rule that made it an ask, the violation's message... */
  detail: z.string(),
  /** ISO time it started waiting. */
  since: z.string(),
  open: openTargetSchema,
  actions: z.array(z.enum(NEEDS_YOU_ACTIONS)),
  /** What the actions act on: the request id, budget kind, gate name or message id. */
  subject: z.string().max(200).optional(),
});
export type NeedsYouItem = z.infer<typeof needsYouItemSchema>;

/** Urgency order: kind first, then the longest waiting first. */
export function compareNeedsYou(a: NeedsYouItem, b: NeedsYouItem): number {
  const k = NEEDS_YOU_KINDS.indexOf(a.kind) - NEEDS_YOU_KINDS.indexOf(b.kind);
  if (k !== 0) return k;
  if (a.since !== b.since) return a.since < b.since ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
