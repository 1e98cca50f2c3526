/** Rollback of a feature's worktree to a checkpoint, of chosen files, or smart; each undoable. */
export { RollbackService, type RollbackItem, type RollbackResult, type RollbackKind } from './rollbackService';
export { describeLeftInPlace } from './summary';
