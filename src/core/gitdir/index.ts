export { GitDirGuard, type GitDirDetection, type GitDirFinding, type GitDirGuardOptions } from './gitDirGuard';
export { gitPathRole, type GitPathRole } from './scope';
export type { FileState } from './snapshot';
