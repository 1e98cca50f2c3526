/**
 * Runs a feature's gates (plan.gates: lint, typecheck, tests) and records each run as evidence.
 * Before a run the worktree is checkpointed, so the result names the exact content it judged
 * (checkpoint N); after it, the worktree is checkpointed again, and if it changed meanwhile (the
 * agent kept writing, or the gate itself wrote files) the record says the result holds for N
 * only. Gates of one feature run one at a time (they share a worktree); features run in parallel.
 * Never in an untrusted workspace, never in the user's checkout, never with the editor's whole
 * environment.
 */
import { buildAgentEnv } from '../agents/env';
import type { CheckpointRequest } from '../checkpoints/checkpointService';
import type { AopEvent, EventInput } from '../events/schema';
import type { CheckpointRecord } from '../model/types';
import type { Gate, Plan } from '../plan';
import { SerialQueue } from '../util/async';
import { Emitter } from '../util/emitter';
import { AopError } from '../util/errors';
import { assertFeatureId } from '../util/ids';
import { resolveGateCwd } from './gateCwd';
import { runGateProcess, type GateProcessResult } from './gateProcess';

/** The part of a feature runtime gates need (FeatureRuntime satisfies it). */
export interface GateFeature {
  readonly id: string;
  readonly worktree: string;
  readonly plan: Plan;
  readonly log: { append(e: EventInput): Promise<unknown>; read(): Promise<{ events: AopEvent[] }> };
  readonly checkpoints: {
    request(req: CheckpointRequest): Promise<CheckpointRecord | undefined>;
    readonly head: { seq: number; commit: string };
  };
  flush(): Promise<void>;
}

export interface GateRunnerOptions {
  /** The user's checkout: gates never run there. */
  repoRoot: string;
  /** Looks a feature up (the orchestrator passes its own: Orchestrator.createGateRunner). */
  feature(id: string): GateFeature;
  /** Gates are code from the repository: nothing runs in an untrusted workspace. */
  isTrusted(): boolean;
  /** Extra environment variable names passed through (the allowlist is agents/env.ts). */
  passEnv?: readonly string[];
  /** Explicit values set for every gate. */
  env?: Record<string, string>;
  killGraceMs?: number;
  headBytes?: number;
  tailBytes?: number;
}

/** A gate run: the process result (output with our notes added) plus what it judged. */
export interface GateRun extends Omit<GateProcessResult, 'spawnError'> {
  feature: string;
  name: string;
  command: string;
  /** The gate's folder as the plan gives it. */
  cwd: string;
  required: boolean;
  /** The checkpoint the run judged: its evidence is for this content. */
  seq: number;
  /** The checkpoint after the run; differs from `seq` when the worktree changed during it. */
  seqAfter: number;
  passed: boolean;
  trigger: GateTrigger;
}

export type GateTrigger = 'manual' | 'accept' | 'turn-end';

export interface RunGateOptions {
  trigger?: GateTrigger;
  signal?: AbortSignal;
}

export class GateRunner {
  private readonly lanes = new Map<string, SerialQueue>();
  private readonly running = new Map<string, Set<AbortController>>();
  private readonly started = new Emitter<{ feature: string; name: string; seq: number }>();
  private readonly finished = new Emitter<GateRun>();
  /** Fires when a gate starts, with the checkpoint it judges. */
  readonly onDidStart = this.started.event;
  /** Fires after each run is recorded. */
  readonly onDidRun = this.finished.event;
  private disposed = false;

  constructor(private readonly opts: GateRunnerOptions) {}

  /** Runs one gate of the feature's plan and records the result in its event log. */
  async run(featureId: string, gateName: string, o: RunGateOptions = {}): Promise<GateRun> {
    const id = assertFeatureId(featureId);
    this.assertUsable();
    const gate = this.gateOf(id, gateName);
    return this.lane(id).run(() => this.runNow(id, gate, o));
  }

  /**
   * Runs several gates in plan order: all of them, only those required for accept, or the named
   * ones. With `stopOnFailure`, the first failure ends the series.
   */
  async runAll(featureId: string, o: RunGateOptions & { only?: 'all' | 'required' | readonly string[]; stopOnFailure?: boolean } = {}): Promise<GateRun[]> {
    const id = assertFeatureId(featureId);
    this.assertUsable();
    const plan = this.opts.feature(id).plan;
    const only = o.only ?? 'all';
    const gates = plan.gates.filter((g) => (only === 'all' ? true : only === 'required' ? g.requiredForAccept : only.includes(g.name)));
    const runs: GateRun[] = [];
    for (const g of gates) {
      const r = await this.lane(id).run(() => this.runNow(id, g, o));
      runs.push(r);
      if (o.stopOnFailure && !r.passed) break;
      if (o.signal?.aborted) break;
    }
    return runs;
  }

  /** True while a gate of the feature runs. */
  isRunning(featureId: string): boolean {
    return (this.running.get(featureId)?.size ?? 0) > 0;
  }

  /** Stops the feature's running gates (their process groups are killed; runs are recorded as cancelled). */
  cancel(featureId: string): void {
    for (const c of this.running.get(featureId) ?? []) c.abort();
  }

  dispose(): void {
    this.disposed = true;
    for (const id of this.running.keys()) this.cancel(id);
    this.started.dispose();
    this.finished.dispose();
  }

  private assertUsable(): void {
    if (this.disposed) throw new AopError('DISPOSED', 'The gate runner was closed.');
    if (!this.opts.isTrusted()) {
      throw new AopError('UNTRUSTED', 'Gates run commands from the repository, so they do not run in an untrusted workspace. Trust the workspace first (Manage Workspace Trust).');
    }
  }

  private gateOf(id: string, name: string): Gate {
    const plan = this.opts.feature(id).plan;
    const gate = plan.gates.find((g) => g.name === name);
    if (!gate) {
      const known = plan.gates.map((g) => g.name);
      throw new AopError('NOT_FOUND', `Feature "${id}" has no gate "${String(name).slice(0, 64)}"; ${known.length ? `its gates are: ${known.join(', ')}` : 'its plan declares none (add them under `gates:` in plan.yaml)'}.`);
    }
    return gate;
  }

  private lane(id: string): SerialQueue {
    let q = this.lanes.get(id);
    if (!q) this.lanes.set(id, (q = new SerialQueue()));
    return q;
  }

  private async runNow(id: string, gate: Gate, o: RunGateOptions): Promise<GateRun> {
    // Trust is checked again in the lane: it may have been withdrawn while this run waited.
    this.assertUsable();
    const f = this.opts.feature(id);
    const cwd = await resolveGateCwd(this.opts.repoRoot, f.worktree, gate.cwd);
    const seq = await checkpointNow(f);
    const ctl = new AbortController();
    const onOuterAbort = () => ctl.abort();
    o.signal?.addEventListener('abort', onOuterAbort, { once: true });
    if (o.signal?.aborted) ctl.abort();
    let set = this.running.get(id);
    if (!set) this.running.set(id, (set = new Set()));
    set.add(ctl);
    this.started.fire({ feature: id, name: gate.name, seq });
    let r: GateProcessResult;
    try {
      r = await runGateProcess({
        command: gate.run,
        cwd,
        env: buildAgentEnv({
          parent: process.env,
          passEnv: this.opts.passEnv,
          set: { CI: 'true', AOP_FEATURE: id, AOP_GATE: gate.name, AOP_CHECKPOINT: String(seq), ...this.opts.env },
        }),
        timeoutMs: gate.timeoutSec * 1000,
        killGraceMs: this.opts.killGraceMs,
        headBytes: this.opts.headBytes,
        tailBytes: this.opts.tailBytes,
        signal: ctl.signal,
      });
    } finally {
      set.delete(ctl);
      o.signal?.removeEventListener('abort', onOuterAbort);
    }
    const seqAfter = await checkpointNow(f).catch(() => f.checkpoints.head.seq);
    const passed = r.exitCode === 0 && !r.timedOut && !r.aborted && r.spawnError === undefined;
    const notes: string[] = [];
    if (r.spawnError) notes.push(`[aop] the command could not start: ${r.spawnError}`);
    if (r.timedOut) notes.push(`[aop] timed out after ${gate.timeoutSec} s; the gate's process group was killed`);
    if (r.aborted) notes.push('[aop] cancelled; the gate\'s process group was killed');
    if (r.signal && !r.timedOut && !r.aborted) notes.push(`[aop] ended by signal ${r.signal}`);
    if (seqAfter !== seq) notes.push(`[aop] the worktree changed during the run (now checkpoint ${seqAfter}); this result is evidence for checkpoint ${seq} only`);
    const header = `[aop] gate "${gate.name}" ran \`${gate.run.length > 200 ? gate.run.slice(0, 200) + '…' : gate.run}\` in ${gate.cwd === '.' ? 'the worktree root' : gate.cwd} against checkpoint ${seq}`;
    const output = fitForLog([header, r.output.replace(/\n$/, ''), ...notes].filter((s) => s !== '').join('\n'));
    await f.log.append({ t: 'gate', name: gate.name, seq, exitCode: r.exitCode, durationMs: r.durationMs, output, passed });
    const run: GateRun = {
      feature: id,
      name: gate.name,
      command: gate.run,
      cwd: gate.cwd,
      required: gate.requiredForAccept,
      seq,
      seqAfter,
      exitCode: r.exitCode,
      signal: r.signal,
      timedOut: r.timedOut,
      aborted: r.aborted,
      durationMs: r.durationMs,
      output,
      omittedBytes: r.omittedBytes,
      passed,
      trigger: o.trigger ?? 'manual',
    };
    this.finished.fire(run);
    return run;
  }
}

/** Bytes of JSON a gate's output may take in its event (the log refuses lines over 256 KiB). */
const MAX_OUTPUT_JSON_BYTES = 160 * 1024;

/**
 * Output bounded in bytes is not bounded in JSON: undecodable bytes become U+FFFD (3 bytes)
 * and quotes double. Cut from the middle until it fits, so the evidence is never dropped.
 */
function fitForLog(text: string): string {
  let t = text;
  while (Buffer.byteLength(JSON.stringify(t)) > MAX_OUTPUT_JSON_BYTES) {
    const keep = Math.floor(t.length * 0.4);
    t = `${t.slice(0, keep)}\n[… output shortened to fit the event log …]\n${t.slice(t.length - keep)}`;
  }
  return t;
}

/**
 * Brings the feature's checkpoints up to the worktree and returns the head's number. The head is
 * read right after the full scan; a write landing in between makes the head newer, which only
 * makes the evidence more exact.
 */
async function checkpointNow(f: GateFeature): Promise<number> {
  await f.flush();
  await f.checkpoints.request({ full: true, trigger: 'manual' });
  return f.checkpoints.head.seq;
}

