/**
 * Permission requests the plan left to the person, held until someone answers: the "Needs you"
 * queue shows them (answerable in place), a notification may too, and whichever answers first
 * settles the request. The agent's own deadline (the abort signal) withdraws it, and silence
 * is a "deny" there (see agents/permissions.ts).
 */
import { randomBytes } from 'node:crypto';
import type { PermissionQuery } from '../agents';
import { Emitter } from '../util/emitter';

export type PermissionAnswer = 'allow' | 'deny';

export interface PendingPermission {
  id: string;
  featureId: string;
  title: string;
  kind?: string;
  /** Worktree-relative paths the tool call names. */
  paths: string[];
  /** Why the plan did not decide it (the rule that made it an ask). */
  rule: string;
  /** ISO time the request arrived. */
  since: string;
}

interface Held {
  request: PendingPermission;
  settle(answer: PermissionAnswer): void;
}

export class PermissionBroker {
  private readonly held = new Map<string, Held>();
  private readonly changed = new Emitter<readonly PendingPermission[]>();
  /** The pending list changed (a request arrived, was answered or withdrawn). */
  readonly onDidChange = this.changed.event;

  /**
   * Holds a request until `answer` or the signal. `alsoAsk` (e.g. a notification) races the
   * queue: the first answer wins, a later one is ignored.
   */
  ask(query: PermissionQuery & { rule?: string }, signal: AbortSignal, alsoAsk?: (query: PermissionQuery, signal: AbortSignal) => Promise<PermissionAnswer>): Promise<PermissionAnswer> {
    if (signal.aborted) return Promise.resolve('deny');
    const id = `p-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const request: PendingPermission = {
      id,
      featureId: query.featureId,
      title: query.title,
      ...(query.kind ? { kind: query.kind } : {}),
      paths: [...query.paths, ...query.outsidePaths],
      rule: query.rule ?? 'the plan does not decide this kind of request',
      since: new Date().toISOString(),
    };
    return new Promise<PermissionAnswer>((resolve) => {
      const inner = new AbortController();
      let done = false;
      const settle = (answer: PermissionAnswer) => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        inner.abort();
        this.held.delete(id);
        this.changed.fire(this.pending());
        resolve(answer);
      };
      const onAbort = () => settle('deny');
      signal.addEventListener('abort', onAbort, { once: true });
      this.held.set(id, { request, settle });
      this.changed.fire(this.pending());
      alsoAsk?.(query, inner.signal).then(settle, () => undefined);
    });
  }

  /** Answers a pending request; false when it is no longer pending (answered elsewhere, timed out). */
  answer(id: string, answer: PermissionAnswer): boolean {
    const h = this.held.get(id);
    if (!h) return false;
    h.settle(answer);
    return true;
  }

  /** Every request still waiting, oldest first. */
  pending(): PendingPermission[] {
    return [...this.held.values()].map((h) => ({ ...h.request, paths: [...h.request.paths] }));
  }

  /** Denies whatever still waits (the feature or the editor is going away). */
  denyAll(featureId?: string): void {
    for (const h of [...this.held.values()]) if (featureId === undefined || h.request.featureId === featureId) h.settle('deny');
  }

  dispose(): void {
    this.denyAll();
    this.changed.dispose();
  }
}
