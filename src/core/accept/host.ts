/** What accept needs of the orchestrator; the façade builds one (Orchestrator.prepareAccept / accept). */
import type { AgentSession } from '../agents';
import type { CrossFeatureHost } from '../collisions';
import type { FeatureRuntime } from '../orchestrator/featureRuntime';
import type { RepositoryGuards } from '../orchestrator/repositoryGuards';

export interface AcceptHost extends CrossFeatureHost {
  readonly repoRoot: string;
  feature(id: string): FeatureRuntime;
  session(id: string): AgentSession | undefined;
  deleteFeature(id: string): Promise<{ finalSeq?: number }>;
  /** Our own git writes run inside `expect()`; plan/spec changes waiting for the user are listed. */
  readonly guards: Pick<RepositoryGuards, 'expect' | 'pendingChanges'>;
}
