/** Where a feature's files live, its state on disk, its worktree and branch, and where one can start. */
export { featurePaths, planFileOwner, featuresDir, defaultWorktreePath, type FeaturePaths } from './featurePaths';
export { repoRootOf, featureBranch } from './worktrees';
export { baseRefCandidates, type BaseRefCandidate } from './baseRefs';
