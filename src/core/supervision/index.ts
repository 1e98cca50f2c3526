/** Supervising many agents at once: what needs the person, budgets, health, review comments, set-up. */
export { AttentionFold, type AttentionFacts } from './attentionFold';
export { needsYouItems, dismissalKey, type FeatureAttention } from './needsYou';
export { PermissionBroker, type PendingPermission, type PermissionAnswer } from './permissionBroker';
export { budgetLimits, BudgetLedger, UsageFold, type BudgetLimits, type BudgetUsage } from './budgets';
export { BudgetWatch, type BudgetHost, type BudgetChoice, type BudgetStatus } from './budgetWatch';
export { HealthFold, percentile, type FeatureHealthFigures, type LatencyFigures } from './health';
export { checkpointBytes, folderBytes, cleanDeleted, deletedFolder, pruneUnreachable, diskTotals, type DiskTotals, type DiskFigures } from './diskUsage';
export { CheckpointPacer, type Pace } from './checkpointPacer';
export { ReviewThreads, type ReviewHost, type NewComment } from './reviewThreads';
export { reviewMessage } from './reviewMessage';
export { rangeAfterEdit } from './lineRange';
export { runWorktreeSetup, setupDone, setupFailed, type SetupResult } from './worktreeSetup';
export { Supervision, type SupervisedFeature, type SupervisionSettings, type SupervisionChange } from './supervision';
