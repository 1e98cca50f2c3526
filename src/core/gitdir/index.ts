export { GitDirGuard, type GitDirGuardOptions } from './gitDirGuard';
export type { GitDirDetection, GitDirFinding } from './findings';
export { gitPathRole, type GitPathRole } from './scope';
export { sha256, type FileState } from './snapshot';
