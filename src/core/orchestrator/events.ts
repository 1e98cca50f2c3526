/**
 * What the orchestrator tells the surfaces, one topic per kind, each carrying its data so a
 * listener need not pull `summary(id)` again to learn what changed.
 */
import type { AgentState, MessageRecord, StateChange } from '../agents';
import type { Collision } from '../collisions';
import type { AopEvent } from '../events/schema';
import type { CheckpointRecord, Violation } from '../model/types';
import { Emitter, type Disposable } from '../util/emitter';

export type OrchestratorEvent =
  /** Features were created, deleted or (re)opened: the list changed. */
  | { kind: 'features'; featureId?: undefined }
  /** Something else of the feature's summary changed (circuit breaker, watcher, plan). */
  | { kind: 'feature'; featureId: string }
  /** A checkpoint was recorded; without `checkpoint`, the list was rewritten (retention). */
  | { kind: 'checkpoint'; featureId: string; checkpoint?: CheckpointRecord }
  /** The violations standing on the feature, or the files it shares with other features, changed. */
  | { kind: 'violations'; featureId: string; violations: readonly Violation[]; collisions: readonly Collision[] }
  /** The agent's session started or changed state. */
  | { kind: 'agent'; featureId: string; state: AgentState; change?: StateChange }
  /** A message to the agent was queued, delivered, acknowledged or given up on. */
  | { kind: 'messages'; featureId: string; message: MessageRecord }
  /** A line was appended to the feature's event log. */
  | { kind: 'log'; featureId: string; event: AopEvent }
  /** The repository's guards changed: git-folder findings, main-checkout writes, plan or spec changes waiting for the user. */
  | { kind: 'guards'; featureId?: undefined }
  /** What waits for the person may have changed ("Needs you": a permission request, a budget, a finished turn...). */
  | { kind: 'needsYou'; featureId?: string }
  /** The feature's review threads changed (a comment, a send, its message's state, lines changed, resolved). */
  | { kind: 'review'; featureId: string }
  /** The feature's budgets or its usage against them changed. */
  | { kind: 'budget'; featureId: string };

export type ChangeKind = OrchestratorEvent['kind'];
export type EventOf<K extends ChangeKind> = Extract<OrchestratorEvent, { kind: K }>;
/** The name the adapters know it by. */
export type OrchestratorChange = OrchestratorEvent;

export class OrchestratorEvents {
  private readonly emitter = new Emitter<OrchestratorEvent>();
  /** Every topic. */
  readonly onDidChange = this.emitter.event;

  /** One topic, typed: `on('checkpoint', (e) => e.checkpoint)`. */
  on<K extends ChangeKind>(kind: K, listener: (e: EventOf<K>) => void): Disposable {
    return this.emitter.event((e) => {
      if (e.kind === kind) listener(e as EventOf<K>);
    });
  }

  fire(e: OrchestratorEvent): void {
    this.emitter.fire(e);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
