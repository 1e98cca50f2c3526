/**
 * What a path under `.aop/` is: our own runtime files (never an agent's write to judge), a
 * feature's plan or spec in force (changes wait for the user), or anything else. Pure, so the
 * repository guards and their tests classify paths the same way.
 */
import type { ConfirmedKind } from '../features/confirmedFiles';
import { isFeatureId } from '../util/ids';

export type AopPathRole = { role: 'ours' } | { role: 'confirmed'; owner: string; kind: ConfirmedKind } | { role: 'other' };

/** Our own runtime files under `.aop/` (state, logs, caches, atomic-write temporaries). */
export function aopPathRole(rel: string): AopPathRole {
  const parts = rel.split('/');
  if (parts[0] !== '.aop') return { role: 'other' };
  const name = parts[parts.length - 1]!;
  if (/^\..+\.[0-9a-f]{12}\.tmp$/.test(name)) return { role: 'ours' };
  // The folders themselves (made when a feature is created, removed with it): what matters is
  // judged by the files written in them.
  if (parts.length === 1 || (parts[1] === 'features' && (parts.length === 2 || (parts.length === 3 && isFeatureId(parts[2]))))) return { role: 'ours' };
  if (parts[1] === 'features' && parts.length >= 4 && isFeatureId(parts[2])) {
    const inside = parts.slice(3).join('/');
    if (inside === 'state.json' || inside === 'events.jsonl' || parts[3] === '.runtime') return { role: 'ours' };
    if (inside === 'plan.yaml') return { role: 'confirmed', owner: parts[2]!, kind: 'plan' };
    if (inside === 'spec.md') return { role: 'confirmed', owner: parts[2]!, kind: 'spec' };
  }
  return { role: 'other' };
}
