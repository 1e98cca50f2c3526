/** Rules across features: file collisions, plan overlaps, exclusive areas. */
export { globsOverlap, compileOverlapGlob, expandBraces, MAX_EXPANSIONS, type GlobOverlap, type OverlapGlob } from './globOverlap';
export { planOverlap, describePlanOverlap, MAX_PAIRS, type GlobPair, type PlanOverlap } from './planOverlap';
export {
  fileCollisions,
  exclusiveAreaViolations,
  gatherChangeSets,
  findCollisions,
  findExclusiveViolations,
  planOverlapWarnings,
  type Collision,
  type CrossFeatureHost,
  type CrossFeatureRuntime,
  type FeatureChangeSet,
  type GatherOptions,
  type PlanOverlapWarning,
} from './crossFeature';
