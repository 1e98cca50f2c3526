/**
 * The Features tree's elements: light keys with stable ids, cached so the same element object
 * comes back for the same id (reveal and partial refresh rely on identity).
 */
import type { FeatureRef } from '../workspace/registry';
import { featureKey, refKey } from '../../shared/featureKey';

export type InfoKey = 'agent' | 'watch' | 'sandbox' | 'violations' | 'queue' | 'breaker' | 'plan' | 'spec' | 'draft' | 'ended' | 'history' | 'more';

export type TreeNode =
  | { kind: 'repo'; id: string; repoRoot: string }
  /** The "Accepted / archived" group of a repository. */
  | { kind: 'archive'; id: string; repoRoot: string }
  | ({ kind: 'feature'; id: string } & FeatureRef)
  | ({ kind: 'info'; id: string; key: InfoKey } & FeatureRef)
  | ({ kind: 'gates'; id: string } & FeatureRef)
  /** A violation about something outside the worktree (git folder, checkout, .aop/), waiting for the user. */
  | ({ kind: 'outside'; id: string; path: string; area: 'git' | 'checkout' | 'plan' } & FeatureRef)
  | ({ kind: 'gate'; id: string; name: string } & FeatureRef)
  | ({ kind: 'checkpoint'; id: string; seq: number } & FeatureRef)
  | ({ kind: 'file'; id: string; seq: number; path: string } & FeatureRef);

export class NodeCache {
  private readonly nodes = new Map<string, TreeNode>();

  private get<T extends TreeNode>(n: T): T {
    const hit = this.nodes.get(n.id);
    if (hit) return hit as T;
    this.nodes.set(n.id, n);
    return n;
  }

  repo(repoRoot: string) {
    return this.get({ kind: 'repo', id: `repo:${repoRoot}`, repoRoot });
  }
  archive(repoRoot: string) {
    return this.get({ kind: 'archive', id: `archive:${repoRoot}`, repoRoot });
  }
  // Only the two ref fields are copied: callers often pass another node, whose kind and id must not leak in.
  feature({ repoRoot, featureId }: FeatureRef) {
    return this.get({ kind: 'feature', id: `feature:${featureKey(repoRoot, featureId)}`, repoRoot, featureId });
  }
  info({ repoRoot, featureId }: FeatureRef, key: InfoKey) {
    return this.get({ kind: 'info', id: `info:${featureKey(repoRoot, featureId)}/${key}`, key, repoRoot, featureId });
  }
  outside({ repoRoot, featureId }: FeatureRef, area: 'git' | 'checkout' | 'plan', path: string) {
    return this.get({ kind: 'outside', id: `outside:${featureKey(repoRoot, featureId)}/${area}/${path}`, area, path, repoRoot, featureId });
  }
  gates({ repoRoot, featureId }: FeatureRef) {
    return this.get({ kind: 'gates', id: `gates:${featureKey(repoRoot, featureId)}`, repoRoot, featureId });
  }
  gate({ repoRoot, featureId }: FeatureRef, name: string) {
    return this.get({ kind: 'gate', id: `gate:${featureKey(repoRoot, featureId)}/${name}`, name, repoRoot, featureId });
  }
  checkpoint({ repoRoot, featureId }: FeatureRef, seq: number) {
    return this.get({ kind: 'checkpoint', id: `checkpoint:${featureKey(repoRoot, featureId)}/${seq}`, seq, repoRoot, featureId });
  }
  file({ repoRoot, featureId }: FeatureRef, seq: number, path: string) {
    return this.get({ kind: 'file', id: `file:${featureKey(repoRoot, featureId)}/${seq}/${path}`, seq, path, repoRoot, featureId });
  }

  /** Forgets a feature's elements (deleted feature). */
  forget(ref: FeatureRef): void {
    const prefix = refKey(ref);
    for (const id of [...this.nodes.keys()]) if (id.includes(`:${prefix}/`) || id.endsWith(`:${prefix}`)) this.nodes.delete(id);
  }
}
