/**
 * Do two plans let their features change the same files? Compared on their `allowed` lists (an
 * empty list allows everything, like "**"), pair by pair with globsOverlap. `forbidden` is not
 * subtracted: a plan allowing "src/**" but forbidding "src/auth/**" still overlaps one allowing
 * "src/auth/**" here. That over-warns in a rare case and never misses a real overlap.
 * An `exclusive` area of one plan that the other plan allows is reported apart: changes there
 * would be violations, not just merge conflicts.
 * A plan with no `allowed` list declares no scope, so it overlaps every other plan: that is not
 * worth a warning (every new feature would get one), and files both features really change are
 * still reported as collisions when they happen.
 */
import type { Plan } from '../plan';
import { compileOverlapGlob, globsOverlap } from './globOverlap';

export interface GlobPair {
  /** A glob of the first plan. */
  a: string;
  /** A glob of the second plan. */
  b: string;
  /** A path both match, when one could be built. */
  example?: string;
}

export interface PlanOverlap {
  overlaps: boolean;
  /** One of the plans has no allowed list (everything): `overlaps` says nothing about intent. */
  unscoped: boolean;
  /** Pairs of allowed globs that overlap (at most MAX_PAIRS). */
  pairs: GlobPair[];
  /** Allowed globs of the second plan inside the first's exclusive areas, and the reverse. */
  exclusiveA: GlobPair[];
  exclusiveB: GlobPair[];
}

export const MAX_PAIRS = 20;
const EVERYTHING = '**';

type PlanLists = Pick<Plan, 'allowed'> & Partial<Pick<Plan, 'exclusive'>>;

export function planOverlap(planA: PlanLists, planB: PlanLists): PlanOverlap {
  const allowedA = planA.allowed.length > 0 ? planA.allowed : [EVERYTHING];
  const allowedB = planB.allowed.length > 0 ? planB.allowed : [EVERYTHING];
  const pairs = overlappingPairs(allowedA, allowedB);
  return {
    overlaps: pairs.length > 0,
    unscoped: planA.allowed.length === 0 || planB.allowed.length === 0,
    pairs,
    exclusiveA: overlappingPairs(planA.exclusive ?? [], allowedB),
    exclusiveB: overlappingPairs(allowedA, planB.exclusive ?? []),
  };
}

function overlappingPairs(as: readonly string[], bs: readonly string[]): GlobPair[] {
  const out: GlobPair[] = [];
  const cbs = bs.map(compileOverlapGlob);
  for (const a of as) {
    const ca = compileOverlapGlob(a);
    for (const cb of cbs) {
      const o = globsOverlap(ca, cb);
      if (o.overlaps) out.push(o.example === undefined ? { a, b: cb.glob } : { a, b: cb.glob, example: o.example });
      if (out.length >= MAX_PAIRS) return out;
    }
  }
  return out;
}

/** A one-line warning for a person, or undefined when the plans do not overlap. */
export function describePlanOverlap(idA: string, idB: string, o: PlanOverlap): string | undefined {
  const parts: string[] = [];
  if (o.overlaps && !o.unscoped) {
    const p = o.pairs[0]!;
    parts.push(`"${idA}" and "${idB}" may change the same files: "${p.a}" overlaps "${p.b}"${p.example ? ` (e.g. ${p.example})` : ''}${o.pairs.length > 1 ? ` and ${o.pairs.length - 1} more` : ''}.`);
  }
  if (o.exclusiveA.length > 0) parts.push(`"${idB}" is allowed into "${o.exclusiveA[0]!.a}", an area "${idA}" holds exclusively; its changes there will be violations.`);
  if (o.exclusiveB.length > 0) parts.push(`"${idA}" is allowed into "${o.exclusiveB[0]!.b}", an area "${idB}" holds exclusively; its changes there will be violations.`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}
