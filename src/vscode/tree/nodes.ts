/**
 * The Features tree's elements: light keys with stable ids, cached so the same element object
 * comes back for the same id (reveal and partial refresh rely on identity).
 */
import type { FeatureRef } from '../workspace/registry';

export type InfoKey = 'agent' | 'watch' | 'violations' | 'queue' | 'breaker' | 'plan' | 'draft' | 'more';

export type TreeNode =
  | { kind: 'repo'; id: string; repoRoot: string }
  | ({ kind: 'feature'; id: string } & FeatureRef)
  | ({ kind: 'info'; id: string; key: InfoKey } & FeatureRef)
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
  feature(ref: FeatureRef) {
    return this.get({ kind: 'feature', id: `feature:${ref.repoRoot}#${ref.featureId}`, ...ref });
  }
  info(ref: FeatureRef, key: InfoKey) {
    return this.get({ kind: 'info', id: `info:${ref.repoRoot}#${ref.featureId}/${key}`, key, ...ref });
  }
  checkpoint(ref: FeatureRef, seq: number) {
    return this.get({ kind: 'checkpoint', id: `checkpoint:${ref.repoRoot}#${ref.featureId}/${seq}`, seq, ...ref });
  }
  file(ref: FeatureRef, seq: number, path: string) {
    return this.get({ kind: 'file', id: `file:${ref.repoRoot}#${ref.featureId}/${seq}/${path}`, seq, path, ...ref });
  }

  /** Forgets a feature's elements (deleted feature). */
  forget(ref: FeatureRef): void {
    const prefix = `${ref.repoRoot}#${ref.featureId}`;
    for (const id of [...this.nodes.keys()]) if (id.includes(`:${prefix}/`) || id.endsWith(`:${prefix}`)) this.nodes.delete(id);
  }
}
