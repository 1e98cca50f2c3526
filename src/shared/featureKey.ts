/**
 * One feature among several repositories: features are named by repository AND id (two
 * repositories may both have a feature "auth"). The key of every map or session shared by
 * repositories, built only here.
 */
export interface FeatureRef {
  repoRoot: string;
  featureId: string;
}

export function featureKey(repoRoot: string, featureId: string): string {
  return `${repoRoot}#${featureId}`;
}

export function refKey(ref: FeatureRef): string {
  return featureKey(ref.repoRoot, ref.featureId);
}
