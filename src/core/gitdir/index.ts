export { GitDirGuard, type GitDirDetection, type GitDirFinding, type GitDirGuardOptions } from './gitDirGuard';
export { gitPathRole, type GitPathRole } from './scope';
export { sha256, type FileState } from './snapshot';
