/**
 * The gates of one repository's features as the surfaces show them: each feature's results at
 * its latest checkpoint, kept in memory so a tree can draw them synchronously (read from the
 * event log once per feature, then every run the runner reports), the gates running now, and
 * runs by name (plan.yaml re-read first, unknown names refused with the known ones).
 */
import type { AopEvent } from '../events/schema';
import type { Plan } from '../plan';
import { Emitter, type Disposable } from '../util/emitter';
import { AopError, errorMessage } from '../util/errors';
import { gateEvents, gateStatuses, type GateEvent, type GateStatus } from './evidence';
import type { GateRun, GateRunner } from './gateRunner';

/** What this needs of the orchestrator (its façade satisfies it). */
export interface FeatureGatesHost {
  plan(id: string): Readonly<Plan>;
  reloadPlan(id: string): Promise<Readonly<Plan>>;
  headSeq(id: string): number;
  events(id: string): Promise<AopEvent[]>;
  onDidChange(listener: (c: { kind: string; featureId?: string }) => void): Disposable;
}

/** A feature's gates as judged at its latest checkpoint. */
export interface GateSnapshot {
  /** The checkpoint the statuses are for (the feature's head). */
  seq: number;
  /** Plan order; `missing` means no run on exactly this checkpoint. */
  gates: GateStatus[];
  /** Gates running now. */
  running: string[];
}

export class FeatureGates implements Disposable {
  private made: { runner: GateRunner; subs: Disposable[] } | undefined;
  /** Gate events per feature, oldest first; absent until loaded. */
  private readonly events = new Map<string, GateEvent[]>();
  private readonly loading = new Map<string, Promise<GateEvent[]>>();
  private readonly running = new Map<string, Set<string>>();
  private readonly changed = new Emitter<string>();
  /** A feature's gate results or running set changed (its id). */
  readonly onDidChange = this.changed.event;
  private readonly sub: Disposable;
  private generation = 0;

  constructor(
    private readonly host: FeatureGatesHost,
    private readonly makeRunner: () => GateRunner,
    private readonly log: { warn(message: string): void } = { warn: () => undefined },
  ) {
    this.sub = host.onDidChange((c) => {
      // A feature deleted or made again starts from its log again.
      if (c.kind === 'features') {
        this.generation++;
        this.events.clear();
        this.loading.clear();
      } else if (c.kind === 'checkpoint' && c.featureId) {
        // A new head: the statuses now judge another checkpoint.
        this.changed.fire(c.featureId);
      }
    });
  }

  /** The runner, made on first use. */
  get runner(): GateRunner {
    if (!this.made) {
      const runner = this.makeRunner();
      this.made = {
        runner,
        subs: [runner.onDidStart((s) => this.setRunning(s.feature, s.name, true)), runner.onDidRun((r) => this.recordRun(r))],
      };
    }
    return this.made.runner;
  }

  /** The feature's gates declared by its plan (re-read, so edits to plan.yaml apply). */
  async planned(id: string): Promise<GateStatus[]> {
    await this.host.reloadPlan(id);
    return (await this.statuses(id)).gates;
  }

  /** Runs the named gates (all of the plan's when `names` is empty), one after another. */
  async run(id: string, names: readonly string[], o: { signal?: AbortSignal } = {}): Promise<GateRun[]> {
    const plan = await this.host.reloadPlan(id);
    const unknown = names.filter((n) => !plan.gates.some((g) => g.name === n));
    if (unknown.length) {
      const known = plan.gates.map((g) => g.name);
      throw new AopError('NOT_FOUND', `Feature "${id}" has no gate ${unknown.map((n) => `"${n.slice(0, 64)}"`).join(', ')}; ${known.length ? `its gates are: ${known.join(', ')}` : 'its plan declares none (add them under `gates:` in plan.yaml)'}.`);
    }
    const runner = this.runner;
    // Results land in memory as they come (a tree shows them at once).
    await this.load(id);
    return runner.runAll(id, { only: names.length ? names : 'all', trigger: 'manual', ...(o.signal ? { signal: o.signal } : {}) });
  }

  /** Statuses at the feature's latest checkpoint, reading its log the first time. */
  async statuses(id: string): Promise<GateSnapshot> {
    await this.load(id);
    return this.compute(id);
  }

  /** The same, from memory: undefined until the log has been read (the read starts now; `onDidChange` fires when done). */
  peek(id: string): GateSnapshot | undefined {
    if (!this.events.has(id)) {
      void this.load(id).then(
        () => this.changed.fire(id),
        (e: unknown) => this.log.warn(`gates of ${id}: could not read the event log: ${errorMessage(e)}`),
      );
      return undefined;
    }
    try {
      return this.compute(id);
    } catch {
      return undefined;
    }
  }

  /** The latest recorded run of a gate (on checkpoint `seq` when given). */
  async lastRun(id: string, name: string, seq?: number): Promise<GateEvent | undefined> {
    const all = await this.load(id);
    for (let i = all.length - 1; i >= 0; i--) {
      const e = all[i]!;
      if (e.name === name && (seq === undefined || e.seq === seq)) return e;
    }
    return undefined;
  }

  private compute(id: string): GateSnapshot {
    const seq = this.host.headSeq(id);
    const gates = gateStatuses(this.host.plan(id).gates, this.events.get(id) ?? [], seq);
    return { seq, gates, running: [...(this.running.get(id) ?? [])] };
  }

  private load(id: string): Promise<GateEvent[]> {
    const have = this.events.get(id);
    if (have) return Promise.resolve(have);
    let p = this.loading.get(id);
    if (!p) {
      const gen = this.generation;
      p = this.host
        .events(id)
        .then((all) => {
          const read = gateEvents(all);
          // Runs recorded while the log was being read are in `read` or arrive through recordRun.
          if (gen === this.generation && !this.events.has(id)) this.events.set(id, read);
          return this.events.get(id) ?? read;
        })
        .finally(() => {
          if (this.loading.get(id) === p) this.loading.delete(id);
        });
      this.loading.set(id, p);
    }
    return p;
  }

  private recordRun(r: GateRun): void {
    const id = r.feature;
    this.setRunning(id, r.name, false, false);
    const ev: GateEvent = { t: 'gate', ts: new Date().toISOString(), feature: id, name: r.name, seq: r.seq, exitCode: r.exitCode, durationMs: r.durationMs, output: r.output, passed: r.passed };
    const add = (list: GateEvent[]) => {
      // A log read that raced the run may already hold it.
      if (!list.some((e) => e.name === ev.name && e.seq === ev.seq && e.durationMs === ev.durationMs && e.output === ev.output)) list.push(ev);
    };
    const list = this.events.get(id);
    if (list) add(list);
    else {
      // Not loaded: a read in progress may have missed this run; a later read will see it in the log.
      void this.loading.get(id)?.then(
        (l) => {
          add(l);
          this.changed.fire(id);
        },
        () => undefined,
      );
    }
    this.changed.fire(id);
  }

  private setRunning(id: string, name: string, on: boolean, fire = true): void {
    let set = this.running.get(id);
    if (!set) this.running.set(id, (set = new Set()));
    if (on) set.add(name);
    else set.delete(name);
    if (fire) this.changed.fire(id);
  }

  dispose(): void {
    this.sub.dispose();
    if (this.made) {
      for (const s of this.made.subs) s.dispose();
      this.made.runner.dispose();
    }
    this.made = undefined;
    this.changed.dispose();
  }
}
