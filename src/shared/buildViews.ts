/**
 * Pure converters from the core's records (types only: this file stays browser-safe) to the
 * panel's view models. Every string is cut to the schema's bound here, so whatever the core
 * produces, the view model validates.
 */
import type { CheckpointRecord, FileChange, Violation } from '../core/model/types';
import type { AopEvent } from '../core/events/schema';
import type { GateStatus } from '../core/gates/evidence';
import { LIMITS } from './limits';
import { agentStateText, BUDGET_LABEL, CHECKPOINT_KIND, formatBudgetValue, plural, ROLLBACK_ACTION, rollbackTitle } from './words';
import type {
  CheckpointSummary,
  EventView,
  FileChangeView,
  GatesView,
  GateView,
  MessageView,
  RollbackView,
  Severity,
  SeverityCounts,
  ViolationView,
} from './viewModels';

/** Cuts `s` to at most `max` UTF-16 units, marking the cut. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const mark = '…';
  return s.slice(0, Math.max(0, max - mark.length)) + mark;
}

/** Cuts `s` to at most `maxBytes` of UTF-8. */
export function clipBytes(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s;
  const bytes = new TextEncoder().encode(s);
  if (bytes.length <= maxBytes) return s;
  // Decode a prefix leaving room for the mark; a split character decodes to U+FFFD, which is dropped.
  return new TextDecoder().decode(bytes.subarray(0, maxBytes - 3)).replace(/\uFFFD$/, '') + '…';
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, error: 1, warning: 2 };

export function worse(a: Severity | undefined, b: Severity): Severity {
  return a === undefined || SEVERITY_RANK[b] < SEVERITY_RANK[a] ? b : a;
}

export function countBySeverity(violations: readonly { severity: Severity }[]): SeverityCounts {
  const c: SeverityCounts = { critical: 0, error: 0, warning: 0 };
  for (const v of violations) c[v.severity]++;
  return c;
}

/** The checkpoint fields the summary needs: a record, or a `checkpoint` event mapped by the caller. */
export type CheckpointLike = Pick<CheckpointRecord, 'seq' | 'time' | 'trigger' | 'commit' | 'files' | 'violations' | 'durationMs' | 'notSnapshotted'>;

export function checkpointSummary(cp: CheckpointLike): CheckpointSummary {
  let added = 0;
  let removed = 0;
  let binaryFiles = 0;
  for (const f of cp.files) {
    added += f.added ?? 0;
    removed += f.removed ?? 0;
    if (f.binary) binaryFiles++;
  }
  return {
    seq: cp.seq,
    time: clip(cp.time, 64),
    trigger: cp.trigger,
    commit: clip(cp.commit, 64),
    fileCount: cp.files.length,
    added,
    removed,
    binaryFiles,
    violations: countBySeverity(cp.violations),
    samplePaths: cp.files.slice(0, 3).map((f) => clip(f.path, LIMITS.pathLength)),
    notSnapshotted: cp.notSnapshotted?.length ?? 0,
    durationMs: Math.max(0, cp.durationMs),
  };
}

/** A checkpoint event from the log, as a summary. */
export function checkpointSummaryFromEvent(ev: Extract<AopEvent, { t: 'checkpoint' }>): CheckpointSummary {
  return checkpointSummary({ ...ev, time: ev.ts });
}

export function violationView(v: Violation): ViolationView {
  const out: ViolationView = {
    kind: v.kind,
    severity: v.severity,
    path: clip(v.path, LIMITS.pathLength),
    message: clip(v.message, LIMITS.shortText),
  };
  if (v.line !== undefined && Number.isInteger(v.line) && v.line >= 1) out.line = v.line;
  return out;
}

/** File rows with their violation markers (violations matched by path). */
export function fileChangeViews(files: readonly FileChange[], violations: readonly Violation[]): FileChangeView[] {
  const byPath = new Map<string, { count: number; worst: Severity | undefined }>();
  for (const v of violations) {
    if (v.path === '') continue;
    const e = byPath.get(v.path) ?? { count: 0, worst: undefined };
    e.count++;
    e.worst = worse(e.worst, v.severity);
    byPath.set(v.path, e);
  }
  return files.map((f) => {
    const mark = byPath.get(f.path);
    const view: FileChangeView = {
      path: clip(f.path, LIMITS.pathLength),
      status: f.status,
      mode: f.mode,
      binary: f.binary === true,
      ignored: f.ignored === true,
      violationCount: mark?.count ?? 0,
    };
    if (f.oldMode !== undefined && f.oldMode !== f.mode) view.oldMode = f.oldMode;
    if (f.added !== undefined) view.added = f.added;
    if (f.removed !== undefined) view.removed = f.removed;
    if (f.size !== undefined) view.size = f.size;
    if (mark?.worst) view.worstSeverity = mark.worst;
    return view;
  });
}

/** How a log line should be coloured. */
function levelOf(ev: AopEvent): EventView['level'] {
  switch (ev.t) {
    case 'checkpoint.failed':
    case 'violation.critical':
      return 'error';
    case 'checkpoint.degraded':
    case 'warning':
      return 'warning';
    case 'budget':
      return ev.state === 'reached' ? 'warning' : 'info';
    case 'setup':
      return ev.state === 'failed' ? 'error' : 'info';
    case 'rollback':
      return !ev.ok ? 'error' : ev.skipped?.length ? 'warning' : 'info';
    case 'watcher':
      return ev.state === 'error' || ev.state === 'overflow' ? 'warning' : 'info';
    case 'breaker':
      return ev.state === 'open' ? 'error' : 'info';
    case 'gate':
      return ev.passed ? 'info' : 'warning';
    case 'message':
      return ev.state === 'undelivered' ? 'warning' : 'info';
    case 'agent.output':
      return ev.stream === 'stderr' ? 'warning' : 'info';
    default:
      return 'info';
  }
}


/** One line that says what happened, for the log list. */
export function describeEvent(ev: AopEvent): string {
  switch (ev.t) {
    case 'feature.created':
      return `Feature created on ${ev.branch} from ${ev.baseRef}`;
    case 'feature.deleted':
      return 'Feature deleted';
    case 'feature.accepted':
      return `Accepted: ${ev.strategy} of checkpoint #${ev.seq} as ${ev.commit.slice(0, 8)}, ${ev.landed ? `landed on ${ev.target}` : `kept for ${ev.target} (finish in your checkout)`}`;
    case 'files.changed':
      return `${plural(ev.count, 'file')} changed`;
    case 'checkpoint':
      return `Checkpoint #${ev.seq} (${CHECKPOINT_KIND[ev.trigger]}): ${plural(ev.files.length, 'file')}, ${plural(ev.violations.length, 'violation')}`;
    case 'checkpoint.failed':
      return `Checkpoint failed: ${ev.error}`;
    case 'checkpoint.degraded':
      return `Checkpointing degraded: ${ev.reason}`;
    case 'validation':
      return `Validated #${ev.seq}: ${ev.checked} checked, ${ev.cacheHits} cached, ${plural(ev.violations, 'violation')}`;
    case 'violation.critical':
      return `Critical: ${ev.violations.map((v) => `${v.kind} ${v.path}`).join(', ')}`;
    case 'rollback': {
      const files = plural(ev.paths.length, 'file');
      const what =
        ev.kind === 'smart'
          ? `${ROLLBACK_ACTION.smart}: ${files} back to ${ev.paths.length === 1 ? 'its' : 'their'} last clean version`
          : ev.kind === 'undo'
            ? `${ROLLBACK_ACTION.undo}: ${files} back as of #${ev.targetSeq}`
            : `${rollbackTitle(ev.kind, ev.targetSeq)}: ${files}`;
      const left = ev.skipped?.length ? `, ${plural(ev.skipped.length, 'path')} left in place` : '';
      return `${what}${left}${ev.ok ? '' : `, FAILED (${plural(ev.mismatches?.length ?? 0, 'path')} not restored)`}`;
    }
    case 'watcher':
      return `Watcher ${ev.state}${ev.backend ? ` (${ev.backend})` : ''}${ev.message ? `: ${ev.message}` : ''}`;
    case 'reconcile':
      return `Reconciled (${ev.reason}): ${plural(ev.changed, 'change')}`;
    case 'agent.state':
      return agentStateText(ev.from, ev.to, ev.reason, ev.exitCode);
    case 'agent.output':
      return `${ev.stream}: ${ev.text}`;
    case 'agent.update':
      return `Agent update: ${ev.kind}`;
    case 'agent.usage':
      return `Usage: ${ev.inputTokens ?? 0} in, ${ev.outputTokens ?? 0} out${ev.costUsd !== undefined ? `, $${ev.costUsd.toFixed(4)}` : ''}`;
    case 'agent.permission':
      return `Permission ${ev.decision} for ${ev.tool}${ev.path ? ` on ${ev.path}` : ''}: ${ev.reason}`;
    case 'message':
      return `Message ${ev.id} ${ev.state}${ev.from ? ` (${ev.from})` : ''}${ev.reason ? `: ${ev.reason}` : ''}`;
    case 'breaker':
      return ev.state === 'open' ? `Agent held after ${plural(ev.failures, 'checkpoint failure')} in a row: review them, then reset` : 'Checkpoints work again: the hold is lifted';
    case 'gate':
      return `Gate ${ev.name} ${ev.passed ? 'passed' : 'failed'} on #${ev.seq}`;
    case 'warning':
      return ev.message;
    case 'retention':
      return `Retention dropped ${plural(ev.pruned.length, 'old checkpoint')}`;
    case 'budget': {
      const what = `${BUDGET_LABEL[ev.kind]} budget`;
      const figures = `${formatBudgetValue(ev.kind, ev.used)} of ${formatBudgetValue(ev.kind, ev.limit)}`;
      if (ev.state === 'reached') return `${what} reached (${figures}): agent paused, waiting for you`;
      if (ev.state === 'extended') return `${what} extended to ${formatBudgetValue(ev.kind, ev.limit)}`;
      return ev.state === 'accepted' ? `${what} overrun accepted (${figures})` : `Agent stopped at its ${what.toLowerCase()} (${figures})`;
    }
    case 'attention':
      return `Dismissed from Needs you: ${ev.dismissed}`;
    case 'checkpoint.pace':
      return ev.factor > 1 ? `Batching ${ev.factor}× coarser (${ev.quietMs} ms quiet, ${ev.maxWaitMs} ms max): ${ev.reason}` : `Batching back to normal: ${ev.reason}`;
    case 'setup':
      return ev.state === 'started'
        ? `Set-up started: ${ev.command}`
        : ev.state === 'passed'
          ? `Set-up done: ${ev.command}${ev.seq !== undefined ? ` (baseline #${ev.seq})` : ''}`
          : `Set-up failed${ev.exitCode !== undefined && ev.exitCode !== null ? ` with exit code ${ev.exitCode}` : ''}: ${ev.command}`;
  }
}

export function eventView(ev: AopEvent, n: number): EventView {
  let detail: string;
  try {
    detail = JSON.stringify(ev, null, 2);
  } catch {
    detail = '(not serialisable)';
  }
  return {
    n,
    t: ev.t,
    ts: clip(ev.ts, 64),
    summary: clip(describeEvent(ev).replace(/\s+/g, ' '), LIMITS.shortText),
    detail: clip(detail, LIMITS.eventDetail),
    level: levelOf(ev),
  };
}

type MessageEvent = Extract<AopEvent, { t: 'message' }>;

/**
 * Folds one `message` event into the conversation: the first event of an id creates the
 * message, later ones move its state. Returns the updated view.
 */
export function applyMessageEvent(conversation: Map<string, MessageView>, ev: MessageEvent): MessageView {
  const prev = conversation.get(ev.id);
  const next: MessageView = prev
    ? { ...prev, state: ev.state, updated: clip(ev.ts, 64) }
    : {
        id: clip(ev.id, 200),
        from: ev.from ?? 'user',
        text: '',
        state: ev.state,
        time: clip(ev.ts, 64),
        updated: clip(ev.ts, 64),
      };
  if (ev.text !== undefined && next.text === '') next.text = clipBytes(ev.text, LIMITS.messageTextBytes);
  if (ev.from !== undefined && !prev) next.from = ev.from;
  if (ev.attempt !== undefined) next.attempt = ev.attempt;
  if (ev.reason !== undefined) next.reason = clip(ev.reason, LIMITS.shortText);
  else if (ev.state !== 'undelivered') delete next.reason;
  conversation.set(ev.id, next);
  return next;
}

/** The conversation, oldest first, from the log's `message` events. */
export function conversationFromEvents(events: readonly AopEvent[]): MessageView[] {
  const conversation = new Map<string, MessageView>();
  for (const ev of events) if (ev.t === 'message') applyMessageEvent(conversation, ev);
  return [...conversation.values()];
}

export function rollbackView(ev: Extract<AopEvent, { t: 'rollback' }>): RollbackView {
  const view: RollbackView = {
    time: clip(ev.ts, 64),
    kind: ev.kind,
    targetSeq: ev.targetSeq,
    preRollbackSeq: ev.preRollbackSeq,
    ok: ev.ok,
    paths: ev.paths.slice(0, 50).map((p) => clip(p, LIMITS.pathLength)),
    pathCount: ev.paths.length,
    mismatchCount: ev.mismatches?.length ?? 0,
  };
  if (ev.resultSeq !== undefined) view.resultSeq = ev.resultSeq;
  if (ev.skipped?.length) view.skippedCount = ev.skipped.length;
  return view;
}

/** The feature's gates at checkpoint `seq` (core's statuses), with the ones running now. */
export function gatesView(seq: number, statuses: readonly GateStatus[], running: readonly string[] = []): GatesView {
  const now = new Set(running);
  return {
    seq,
    gates: statuses.slice(0, LIMITS.gates).map((g) => {
      const view: GateView = {
        name: g.name,
        command: clip(g.command, LIMITS.shortText),
        required: g.required,
        status: now.has(g.name) ? 'running' : g.status,
        hasOutput: Boolean(g.evidence ?? g.lastRun),
      };
      if (g.evidence) {
        view.exitCode = g.evidence.exitCode;
        view.durationMs = Math.max(0, g.evidence.durationMs);
      }
      if (g.lastRun && !g.evidence) view.lastRun = { seq: g.lastRun.seq, passed: g.lastRun.passed };
      return view;
    }),
  };
}
