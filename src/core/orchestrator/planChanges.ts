/**
 * A feature's plan or spec changed on disk: never applied on its own (ConfirmedFiles holds the
 * version in force). The user's save in the editor applies; anything else waits for the user to
 * apply or revert it, and while agents run it is held against them (`plan_tampered`). The third
 * of the repository guards' lists, beside the git folder's findings and the checkout's writes.
 */
import * as path from 'node:path';
import type { EventInput } from '../events/schema';
import type { ConfirmedFiles, ConfirmedKind, PendingChange } from '../features/confirmedFiles';
import type { Violation } from '../model/types';
import { AopError } from '../util/errors';
import { aopPathRole } from './aopPaths';
import type { StandingAction, StandingItem } from './standingItems';

export interface PlanChangesPorts {
  confirmed(id: string): ConfirmedFiles | undefined;
  /** Ids of the features whose agents are live now. */
  live(): string[];
  log(id: string, e: EventInput): void;
  /** The plan or spec in force for a feature changed (re-apply and re-validate). */
  onConfirmed(id: string, kind: ConfirmedKind): void;
  /** A path as the user sees it (relative to the checkout when inside it). */
  label(abs: string): string;
  /** A change is now held against these live agents (about to stand as a violation). */
  detected(path: string, features: string[]): void;
  /** The lists of changes waiting for the user changed (for the surfaces). */
  pendingChanged(): void;
  /** What is held against agents changed: recompute the standing violations. */
  refresh(): void;
}

/** A plan or spec changed on disk while agents ran, held against those agents. */
interface Tampering {
  owner: string;
  kind: ConfirmedKind;
  suspects: string[];
}

export class PlanChanges {
  private readonly tampering = new Map<string, Tampering>();
  /** Per feature: its plan/spec changes waiting for the user, as last checked. */
  private readonly pendingByFeature = new Map<string, ConfirmedKind[]>();

  constructor(private readonly o: PlanChangesPorts) {}

  /**
   * A feature's plan or spec was written: the user's save in the editor is applied; anything
   * else waits for confirmation, and while agents run it is held against them.
   */
  async onConfirmedFileWrite(owner: string, kind: ConfirmedKind, editorSave: boolean | { sha: string }, live: string[] = this.o.live()): Promise<void> {
    const confirmed = this.o.confirmed(owner);
    if (!confirmed) return;
    const key = `${owner}/${kind}`;
    const before = await confirmed.pending(kind);
    // The editor's save applies, but only the bytes it saved (when known): an agent rewriting
    // the file right after the save does not ride along. It is applied before anything lists
    // the file as pending: a listing, even for a moment, warns the user "not in force".
    const saved = before && (typeof editorSave === 'object' ? editorSave.sha : editorSave ? before.onDiskSha : undefined);
    if (before && saved === before.onDiskSha && (await this.confirmSaved(owner, kind, saved))) return;
    // Checked again: a save of the same file, applied meanwhile, leaves nothing pending.
    const pending = (await this.pendingChanges(owner)).find((p) => p.kind === kind);
    if (!pending) {
      if (this.tampering.delete(key)) this.o.refresh();
      return;
    }
    if (live.length > 0) {
      const had = this.tampering.get(key);
      this.tampering.set(key, { owner, kind, suspects: [...new Set([...(had?.suspects ?? []), ...live])] });
      this.o.detected(this.o.label(confirmed.diskFile(kind)), live);
    }
    this.o.log(owner, { t: 'warning', message: `${path.basename(confirmed.diskFile(kind))} changed on disk${live.length > 0 ? ` while agents ran (${live.join(', ')})` : ''}; the version in force is unchanged until you review and apply the change.` });
    this.o.refresh();
  }

  /** Applies the editor's save; false when the file changed again since (not the editor's bytes). */
  private async confirmSaved(owner: string, kind: ConfirmedKind, sha: string): Promise<boolean> {
    try {
      await this.confirm(owner, kind, sha);
      return true;
    } catch (err) {
      if (err instanceof AopError && err.code === 'CONFLICT') return false;
      throw err;
    }
  }

  /** The feature's plan/spec changes waiting for the user (checked on disk now). */
  async pendingChanges(id: string): Promise<PendingChange[]> {
    const all = (await this.o.confirmed(id)?.pendingAll()) ?? [];
    this.notePending(id, all.map((p) => p.kind));
    return all;
  }

  /** As last checked (for summaries, which cannot wait for the disk). */
  pendingKinds(id: string): ConfirmedKind[] | undefined {
    const k = this.pendingByFeature.get(id);
    return k && k.length > 0 ? k : undefined;
  }

  private notePending(id: string, kinds: ConfirmedKind[]): void {
    const before = this.pendingByFeature.get(id)?.join() ?? '';
    this.pendingByFeature.set(id, kinds);
    if (before !== kinds.join()) this.o.pendingChanged();
  }

  /** Applies what is on disk (exactly the bytes the user reviewed). */
  async confirm(id: string, kind: ConfirmedKind, seenSha: string): Promise<void> {
    const c = this.o.confirmed(id);
    if (!c) return;
    await c.confirm(kind, seenSha);
    await this.pendingChanges(id);
    this.o.log(id, { t: 'warning', message: `${path.basename(c.diskFile(kind))} as changed on disk was applied by the user.` });
    this.tampering.delete(`${id}/${kind}`);
    this.o.onConfirmed(id, kind);
    this.o.refresh();
  }

  /** Puts the version in force back on disk. */
  async revert(id: string, kind: ConfirmedKind): Promise<void> {
    const c = this.o.confirmed(id);
    if (!c) return;
    await c.revert(kind);
    await this.pendingChanges(id);
    this.tampering.delete(`${id}/${kind}`);
    this.o.refresh();
  }

  /** The plan/spec changes waiting for the user, as standing items. */
  items(): StandingItem[] {
    const out: StandingItem[] = [];
    for (const [id, kinds] of this.pendingByFeature) {
      const c = this.o.confirmed(id);
      if (!c) continue;
      for (const kind of kinds) {
        const t = this.tampering.get(`${id}/${kind}`);
        const file = this.o.label(c.diskFile(kind));
        out.push({ area: 'plan', path: file, features: t?.suspects ?? [], actions: ['apply', 'revert'], title: `${file} changed on disk${t ? ' while agents ran' : ''}: not in force` });
      }
    }
    return out;
  }

  /** What changed, as a unified diff, and the hash to pass to `act(..., 'apply')`. */
  async diffOf(item: StandingItem): Promise<{ text: string; seenSha?: string }> {
    const { owner, kind } = this.confirmedOf(item.path);
    const p = await this.o.confirmed(owner)?.pending(kind);
    return p ? { text: p.diff, seenSha: p.onDiskSha } : { text: `${item.path} no longer differs from the version in force.\n` };
  }

  /** Applies (the reviewed bytes) or reverts the change an item names. */
  async act(item: StandingItem, action: StandingAction, seenSha?: string): Promise<void> {
    const { owner, kind } = this.confirmedOf(item.path);
    if (action === 'apply') {
      if (seenSha === undefined) throw new AopError('INVALID_INPUT', 'Review the change before applying it.');
      await this.confirm(owner, kind, seenSha);
    } else await this.revert(owner, kind);
  }

  /** The standing `plan_tampered` violations: each held change, against each agent that ran. */
  violations(make: (id: string, file: string, message: string) => Violation | undefined): [string, Violation][] {
    const out: [string, Violation][] = [];
    for (const t of this.tampering.values()) {
      const c = this.o.confirmed(t.owner);
      const file = c ? this.o.label(c.diskFile(t.kind)) : `.aop/features/${t.owner}/${t.kind === 'plan' ? 'plan.yaml' : 'spec.md'}`;
      const message = `${file} was changed while agents ran (${t.suspects.join(', ')}). The ${t.kind} in force is still the one you saved or confirmed; review the change to apply it or put the confirmed one back.`;
      for (const id of t.suspects) {
        const v = make(id, file, message);
        if (v) out.push([id, v]);
      }
    }
    return out;
  }

  private confirmedOf(label: string): { owner: string; kind: ConfirmedKind } {
    const role = aopPathRole(label);
    if (role.role !== 'confirmed') throw new AopError('NOT_FOUND', `${label} is not a feature's plan or spec.`);
    return { owner: role.owner, kind: role.kind };
  }
}
