/** Accept: judge a feature's whole branch, then land it on its base without touching the user's checkout. */
export type { AcceptHost } from './host';
export { acceptFeature, type AcceptOptions, type AcceptOutcome } from './acceptFeature';
export { prepareAccept, type AcceptFile, type AcceptSummary, type PrepareAcceptOptions } from './summary';
export { integrate, ACCEPT_STRATEGIES, DEFAULT_MAX_REPLAY, type AcceptStrategy, type IntegrateInput, type IntegrateResult } from './integrate';
export { resolveTarget, listWorktrees, parseWorktreeList, type AcceptTarget, type WorktreeEntry } from './target';
export { mergeTree, parseMergeTree, applyTreeDiff, type ConflictFile, type MergeTreeResult } from './gitPlumbing';
