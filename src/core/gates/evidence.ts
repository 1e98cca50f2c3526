/**
 * What the event log says about gates: for a given checkpoint, did each gate pass on exactly that
 * content? Only a run recorded against the same checkpoint number counts as evidence; an older
 * pass is shown as history, never as proof.
 */
import type { AopEvent } from '../events/schema';
import type { Gate } from '../plan';

export type GateEvent = Extract<AopEvent, { t: 'gate' }>;

export interface GateEvidence {
  seq: number;
  passed: boolean;
  exitCode: number | null;
  durationMs: number;
  ts: string;
  output: string;
}

export interface GateStatus {
  name: string;
  command: string;
  required: boolean;
  /** For the checkpoint asked about: the latest run there passed, failed, or there was none. */
  status: 'passed' | 'failed' | 'missing';
  /** The latest run against the checkpoint asked about. */
  evidence?: GateEvidence;
  /** The latest run against any checkpoint (shown when there is no evidence for this one). */
  lastRun?: GateEvidence;
}

export function gateEvents(events: readonly AopEvent[]): GateEvent[] {
  return events.filter((e): e is GateEvent => e.t === 'gate');
}

/** The status of each of the plan's gates at checkpoint `seq`, in plan order. */
export function gateStatuses(gates: readonly Gate[], events: readonly AopEvent[], seq: number): GateStatus[] {
  const atSeq = new Map<string, GateEvent>();
  const last = new Map<string, GateEvent>();
  for (const e of gateEvents(events)) {
    last.set(e.name, e);
    if (e.seq === seq) atSeq.set(e.name, e);
  }
  return gates.map((g) => {
    const ev = atSeq.get(g.name);
    const lr = last.get(g.name);
    return {
      name: g.name,
      command: g.run,
      required: g.requiredForAccept,
      status: ev ? (ev.passed ? 'passed' : 'failed') : 'missing',
      evidence: ev && toEvidence(ev),
      lastRun: lr && toEvidence(lr),
    };
  });
}

/** Required gates without a pass on the checkpoint, each with a reason a person can act on. */
export function unmetRequiredGates(statuses: readonly GateStatus[], seq: number): string[] {
  return statuses
    .filter((s) => s.required && s.status !== 'passed')
    .map((s) =>
      s.status === 'failed'
        ? `Required gate "${s.name}" failed on checkpoint ${seq} (exit ${s.evidence?.exitCode ?? 'none'}); fix the cause and run it again.`
        : `Required gate "${s.name}" has not run on checkpoint ${seq}${s.lastRun ? ` (its last run was on checkpoint ${s.lastRun.seq}, ${s.lastRun.passed ? 'passed' : 'failed'})` : ''}; run it.`,
    );
}

function toEvidence(e: GateEvent): GateEvidence {
  return { seq: e.seq, passed: e.passed, exitCode: e.exitCode, durationMs: e.durationMs, ts: e.ts, output: e.output };
}
