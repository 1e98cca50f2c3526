/**
 * Gates for the VS Code surfaces: one GateRunner per open repository (made by the factory the
 * composition root passes, so trust is decided there), and each feature's gate results for its
 * latest checkpoint, kept in memory so the tree can draw them synchronously. The results come
 * from the event log (read once per feature) plus every run the runners report afterwards.
 * No `vscode` import: plain-Node tests drive it against a real orchestrator.
 */
import { gateEvents, gateStatuses, type GateEvent, type GateRun, type GateRunner, type GateStatus } from '../../core/gates';
import type { Orchestrator, OrchestratorChange } from '../../core/orchestrator';
import { Emitter, type Disposable } from '../../core/util/emitter';
import { AopError, errorMessage } from '../../core/util/errors';
import type { FeatureRef } from '../workspace/registry';

/** The part of the Registry this needs. */
export interface GateRegistry {
  get(repoRoot: string): Orchestrator | undefined;
  resolve(ref: FeatureRef): Orchestrator;
  onDidChange(listener: (e: { repoRoot: string; change: OrchestratorChange }) => void): Disposable;
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

function key(ref: FeatureRef): string {
  return `${ref.repoRoot}#${ref.featureId}`;
}

export class GateService implements Disposable {
  private readonly runners = new Map<string, { runner: GateRunner; subs: Disposable[] }>();
  /** Gate events per feature, oldest first; absent until loaded. */
  private readonly events = new Map<string, GateEvent[]>();
  private readonly loading = new Map<string, Promise<GateEvent[]>>();
  private readonly running = new Map<string, Set<string>>();
  private readonly changed = new Emitter<FeatureRef>();
  /** A feature's gate results or running set changed. */
  readonly onDidChange = this.changed.event;
  private readonly subs: Disposable[] = [];
  private generation = 0;

  constructor(
    private readonly registry: GateRegistry,
    private readonly makeRunner: (orch: Orchestrator) => GateRunner,
    private readonly log: { warn(message: string): void } = { warn: () => undefined },
  ) {
    this.subs.push(
      registry.onDidChange(({ repoRoot, change }) => {
        // A feature deleted or made again starts from its log again.
        if (change.kind === 'features') {
          this.generation++;
          this.events.clear();
          this.loading.clear();
        } else if (change.kind === 'checkpoint' && change.featureId) {
          // A new head: the statuses now judge another checkpoint.
          this.changed.fire({ repoRoot, featureId: change.featureId });
        }
      }),
    );
  }

  /** The repository's runner, made on first use. */
  runner(repoRoot: string): GateRunner {
    const hit = this.runners.get(repoRoot);
    if (hit) return hit.runner;
    const orch = this.registry.get(repoRoot);
    if (!orch) throw new AopError('NOT_FOUND', `The repository ${repoRoot} is not open in this window.`);
    const runner = this.makeRunner(orch);
    const subs = [
      runner.onDidStart((s) => this.setRunning({ repoRoot, featureId: s.feature }, s.name, true)),
      runner.onDidRun((r) => this.recordRun({ repoRoot, featureId: r.feature }, r)),
    ];
    this.runners.set(repoRoot, { runner, subs });
    return runner;
  }

  /** The feature's gates declared by its plan (re-read, so edits to plan.yaml apply). */
  async plannedGates(ref: FeatureRef): Promise<GateStatus[]> {
    await this.registry.resolve(ref).reloadPlan(ref.featureId);
    return (await this.statuses(ref)).gates;
  }

  /** Runs the named gates (all of the plan's when `names` is empty), one after another. */
  async run(ref: FeatureRef, names: readonly string[], o: { signal?: AbortSignal } = {}): Promise<GateRun[]> {
    const plan = await this.registry.resolve(ref).reloadPlan(ref.featureId);
    const unknown = names.filter((n) => !plan.gates.some((g) => g.name === n));
    if (unknown.length) {
      const known = plan.gates.map((g) => g.name);
      throw new AopError('NOT_FOUND', `Feature "${ref.featureId}" has no gate ${unknown.map((n) => `"${n.slice(0, 64)}"`).join(', ')}; ${known.length ? `its gates are: ${known.join(', ')}` : 'its plan declares none (add them under `gates:` in plan.yaml)'}.`);
    }
    const runner = this.runner(ref.repoRoot);
    // Results land in memory as they come (the tree shows them at once).
    await this.load(ref);
    return runner.runAll(ref.featureId, { only: names.length ? names : 'all', trigger: 'manual', ...(o.signal ? { signal: o.signal } : {}) });
  }

  /** Statuses at the feature's latest checkpoint, reading its log the first time. */
  async statuses(ref: FeatureRef): Promise<GateSnapshot> {
    await this.load(ref);
    return this.compute(ref);
  }

  /**
   * The same, from memory: undefined until the log has been read (the read starts now, and
   * `onDidChange` fires when it is done).
   */
  peek(ref: FeatureRef): GateSnapshot | undefined {
    if (!this.events.has(key(ref))) {
      void this.load(ref).then(
        () => this.changed.fire(ref),
        (e: unknown) => this.log.warn(`gates of ${ref.featureId}: could not read the event log: ${errorMessage(e)}`),
      );
      return undefined;
    }
    try {
      return this.compute(ref);
    } catch {
      return undefined;
    }
  }

  /** The latest recorded run of a gate (on checkpoint `seq` when given). */
  async lastRun(ref: FeatureRef, name: string, seq?: number): Promise<GateEvent | undefined> {
    const all = await this.load(ref);
    for (let i = all.length - 1; i >= 0; i--) {
      const e = all[i]!;
      if (e.name === name && (seq === undefined || e.seq === seq)) return e;
    }
    return undefined;
  }

  private compute(ref: FeatureRef): GateSnapshot {
    const orch = this.registry.resolve(ref);
    const seq = orch.headSeq(ref.featureId);
    const gates = gateStatuses(orch.plan(ref.featureId).gates, this.events.get(key(ref)) ?? [], seq);
    return { seq, gates, running: [...(this.running.get(key(ref)) ?? [])] };
  }

  private load(ref: FeatureRef): Promise<GateEvent[]> {
    const k = key(ref);
    const have = this.events.get(k);
    if (have) return Promise.resolve(have);
    let p = this.loading.get(k);
    if (!p) {
      const gen = this.generation;
      p = this.registry
        .resolve(ref)
        .events(ref.featureId)
        .then((all) => {
          const read = gateEvents(all);
          // Runs recorded while the log was being read are in `read` or arrive through recordRun.
          if (gen === this.generation && !this.events.has(k)) this.events.set(k, read);
          return this.events.get(k) ?? read;
        })
        .finally(() => {
          if (this.loading.get(k) === p) this.loading.delete(k);
        });
      this.loading.set(k, p);
    }
    return p;
  }

  private recordRun(ref: FeatureRef, r: GateRun): void {
    const k = key(ref);
    this.setRunning(ref, r.name, false, false);
    const ev: GateEvent = { t: 'gate', ts: new Date().toISOString(), feature: ref.featureId, name: r.name, seq: r.seq, exitCode: r.exitCode, durationMs: r.durationMs, output: r.output, passed: r.passed };
    const add = (list: GateEvent[]) => {
      // A log read that raced the run may already hold it.
      if (!list.some((e) => e.name === ev.name && e.seq === ev.seq && e.durationMs === ev.durationMs && e.output === ev.output)) list.push(ev);
    };
    const list = this.events.get(k);
    if (list) add(list);
    else {
      // Not loaded: a read in progress may have missed this run; a later read will see it in the log.
      void this.loading.get(k)?.then(
        (l) => {
          add(l);
          this.changed.fire(ref);
        },
        () => undefined,
      );
    }
    this.changed.fire(ref);
  }

  private setRunning(ref: FeatureRef, name: string, on: boolean, fire = true): void {
    const k = key(ref);
    let set = this.running.get(k);
    if (!set) this.running.set(k, (set = new Set()));
    if (on) set.add(name);
    else set.delete(name);
    if (fire) this.changed.fire(ref);
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    for (const { runner, subs } of this.runners.values()) {
      for (const s of subs) s.dispose();
      runner.dispose();
    }
    this.runners.clear();
    this.changed.dispose();
  }
}
