/**
 * Every id the manifest (package.json) and the code share: commands, views, settings, context
 * keys, URI schemes. Plain data with no `vscode` import, so the manifest test reads it in Node.
 */

export const EXTENSION_ID = 'aop-team.aop-vscode';
export const DISPLAY_NAME = 'Agent Orchestrator';

export const COMMANDS = {
  showVersion: 'aop.showVersion',
  newFeature: 'aop.newFeature',
  startAgent: 'aop.startAgent',
  startAgentWith: 'aop.startAgentWith',
  pauseAgent: 'aop.pauseAgent',
  resumeAgent: 'aop.resumeAgent',
  stopAgent: 'aop.stopAgent',
  sendMessage: 'aop.sendMessage',
  checkpointNow: 'aop.checkpointNow',
  rollbackToCheckpoint: 'aop.rollbackToCheckpoint',
  rollbackFiles: 'aop.rollbackFiles',
  smartRollback: 'aop.smartRollback',
  undoRollback: 'aop.undoRollback',
  revertFileToClean: 'aop.revertFileToClean',
  deleteFeature: 'aop.deleteFeature',
  showEventLog: 'aop.showEventLog',
  resetBreaker: 'aop.resetBreaker',
  openReview: 'aop.openReview',
  openCheckpointDiff: 'aop.openCheckpointDiff',
  compareWithWorktree: 'aop.compareWithWorktree',
  showAgentOutput: 'aop.showAgentOutput',
  showLog: 'aop.showLog',
  refresh: 'aop.refresh',
  runGates: 'aop.runGates',
  showGateOutput: 'aop.showGateOutput',
  acceptFeature: 'aop.acceptFeature',
  reviewOutsideChange: 'aop.reviewOutsideChange',
  restoreGitFolderFile: 'aop.restoreGitFolderFile',
  moveOutOfCheckout: 'aop.moveOutOfCheckout',
  acknowledgeOutsideChange: 'aop.acknowledgeOutsideChange',
  toggleSandbox: 'aop.toggleSandbox',
  needsYouOpen: 'aop.needsYou.open',
  needsYouAllow: 'aop.needsYou.allow',
  needsYouDeny: 'aop.needsYou.deny',
  needsYouDismiss: 'aop.needsYou.dismiss',
  needsYouExtend: 'aop.needsYou.extendBudget',
  needsYouAccept: 'aop.needsYou.acceptAsIs',
  needsYouStop: 'aop.needsYou.stop',
  needsYouResend: 'aop.needsYou.resend',
  needsYouRerunGate: 'aop.needsYou.rerunGate',
  needsYouRestart: 'aop.needsYou.restart',
  needsYouResetBreaker: 'aop.needsYou.resetBreaker',
  needsYouResume: 'aop.needsYou.resume',
  pauseAll: 'aop.pauseAll',
  resumeAll: 'aop.resumeAll',
  stopAll: 'aop.stopAll',
  supervisionMenu: 'aop.supervisionMenu',
  showHealth: 'aop.showHealth',
  reviewComment: 'aop.review.comment',
  reviewSend: 'aop.review.send',
  reviewResolve: 'aop.review.resolve',
  reviewReopen: 'aop.review.reopen',
  reviewDiscard: 'aop.review.discard',
  openSpec: 'aop.openSpec',
  openPlan: 'aop.openPlan',
  deleteDraft: 'aop.deleteDraft',
  removeArchived: 'aop.removeArchived',
} as const;
export type CommandKey = keyof typeof COMMANDS;
export type CommandId = (typeof COMMANDS)[CommandKey];

export const VIEW_CONTAINER = 'aop';
export const VIEWS = {
  features: 'aop.features',
  needsYou: 'aop.needsYou',
} as const;

/** Walkthrough id (full id: `${EXTENSION_ID}#gettingStarted`). */
export const WALKTHROUGH = 'gettingStarted';

/** Context keys set with `setContext` and used in `when` clauses. */
export const CONTEXT = {
  hasFeatures: 'aop.hasFeatures',
  ready: 'aop.ready',
} as const;

/** Read-only document schemes; their URIs carry ids (repo, feature, checkpoint, path), never content. */
export const SCHEMES = {
  checkpoint: 'aop-checkpoint',
  eventLog: 'aop-events',
  gateOutput: 'aop-gate',
} as const;

export const SETTINGS_SECTION = 'aop';
/** Setting keys under `aop.` (full key: `aop.<key>`). */
export const SETTINGS = {
  providers: 'providers',
  watcherBackend: 'watcher.backend',
  debounceMs: 'watcher.debounceMs',
  maxWaitMs: 'watcher.maxWaitMs',
  reconcileIntervalMs: 'watcher.reconcileIntervalMs',
  maxRunningAgents: 'agents.maxRunning',
  defaultProvider: 'agents.defaultProvider',
  worktreesRoot: 'worktreesRoot',
  checkpointBudgetMs: 'checkpoints.budgetMs',
  retainCheckpoints: 'checkpoints.retain',
  watchMainCheckout: 'watchMainCheckout',
  budgets: 'budgets',
  diskQuotaGB: 'disk.quotaGB',
  setupCommand: 'worktree.setupCommand',
  setupTimeoutSec: 'worktree.setupTimeoutSec',
  notificationsMute: 'notifications.mute',
} as const;
export type SettingKey = (typeof SETTINGS)[keyof typeof SETTINGS];

export function fullSettingKey(key: SettingKey): string {
  return `${SETTINGS_SECTION}.${key}`;
}

/** The diagnostics' `source`, so users and code actions recognise ours. */
export const DIAGNOSTIC_SOURCE = DISPLAY_NAME;
/** The `code` of the information diagnostic on a file another feature changes too (not a violation). */
export const SHARED_FILE_CODE = 'shared_file';
