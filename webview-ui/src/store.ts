/**
 * The webview's state and the pure functions that change it. Live updates are merged by key
 * (checkpoints by seq, messages by id, log rows by number), so a repeated update is harmless.
 */
import { LIMITS } from '../../src/shared/limits';
import type { ErrorInfo, Update } from '../../src/shared/protocol';
import type { ChangeSet, CheckpointSummary, DiffRange, DiffView, EventView, FeatureView, GatesView, MessageView, RollbackView, Snapshot } from '../../src/shared/viewModels';
import type { ReviewThread } from '../../src/shared/review';
import type { UiState } from './uiState';

export interface Loadable<T> {
  key: string;
  value?: T;
  loading: boolean;
  error?: ErrorInfo;
}

export interface ViewState {
  feature?: FeatureView;
  /** The plan's gates at the latest checkpoint (replaced whole by each update that carries them). */
  gates?: GatesView;
  /** Review comments on the feature's diffs (replaced whole by each update that carries them). */
  threads: ReviewThread[];
  /** Why the feature cannot be shown, when it cannot. */
  unavailable?: string;
  /** Why what the panel shows may be out of date (a lost update); cleared by the next snapshot. */
  stale?: string;
  /** Oldest first. */
  checkpoints: CheckpointSummary[];
  /** Oldest first. */
  messages: MessageView[];
  rollbacks: RollbackView[];
  /** Oldest first, at most LIMITS.logEvents. */
  log: EventView[];
  ui: UiState;
  changes?: Loadable<ChangeSet>;
  diff?: Loadable<DiffView>;
  /** Paths ticked for "roll back selected files", for the current change set. */
  checked: ReadonlySet<string>;
  /** The request type of an action in flight; the action buttons wait for it. */
  busy?: string;
  status?: { kind: 'info' | 'error'; text: string };
}

export function initialState(ui: UiState): ViewState {
  return { threads: [], checkpoints: [], messages: [], rollbacks: [], log: [], ui, checked: new Set() };
}

const bySeq = (a: CheckpointSummary, b: CheckpointSummary): number => a.seq - b.seq;

export function mergeCheckpoints(current: readonly CheckpointSummary[], incoming: readonly CheckpointSummary[]): CheckpointSummary[] {
  if (incoming.length === 0) return current as CheckpointSummary[];
  const map = new Map(current.map((c) => [c.seq, c]));
  for (const c of incoming) map.set(c.seq, c);
  return [...map.values()].sort(bySeq);
}

export function mergeMessages(current: readonly MessageView[], incoming: readonly MessageView[]): MessageView[] {
  if (incoming.length === 0) return current as MessageView[];
  const out = [...current];
  const index = new Map(out.map((m, i) => [m.id, i]));
  for (const m of incoming) {
    const i = index.get(m.id);
    if (i === undefined) {
      index.set(m.id, out.length);
      out.push(m);
    } else out[i] = m;
  }
  return out.slice(-LIMITS.messages);
}

const rollbackKey = (r: RollbackView): string => `${r.time}|${r.kind}|${r.preRollbackSeq}|${r.targetSeq}`;

export function mergeRollbacks(current: readonly RollbackView[], incoming: readonly RollbackView[]): RollbackView[] {
  if (incoming.length === 0) return current as RollbackView[];
  const seen = new Set(current.map(rollbackKey));
  const out = [...current];
  for (const r of incoming) {
    if (seen.has(rollbackKey(r))) continue;
    out.push(r);
    seen.add(rollbackKey(r));
  }
  return out.slice(-LIMITS.rollbacks);
}

export function appendLog(current: readonly EventView[], incoming: readonly EventView[], max: number = LIMITS.logEvents): EventView[] {
  if (incoming.length === 0) return current as EventView[];
  const last = current.length ? current[current.length - 1]!.n : -1;
  const fresh = incoming.filter((e) => e.n > last);
  if (fresh.length === 0) return current as EventView[];
  const out = current.concat(fresh);
  return out.length > max ? out.slice(out.length - max) : out;
}

export function applySnapshot(state: ViewState, snap: Snapshot): ViewState {
  return {
    ...state,
    feature: snap.feature,
    gates: snap.gates,
    threads: snap.threads,
    unavailable: undefined,
    stale: undefined,
    checkpoints: [...snap.checkpoints].sort(bySeq),
    messages: snap.messages,
    rollbacks: snap.rollbacks,
    log: filterLog(snap.log, state.ui.logTypes),
  };
}

export function applyUpdate(state: ViewState, u: Update): ViewState {
  return {
    ...state,
    feature: u.feature ?? state.feature,
    gates: u.gates ?? state.gates,
    threads: u.threads ?? state.threads,
    checkpoints: mergeCheckpoints(state.checkpoints, u.checkpoints ?? []),
    messages: mergeMessages(state.messages, u.messages ?? []),
    rollbacks: mergeRollbacks(state.rollbacks, u.rollbacks ?? []),
    log: appendLog(state.log, filterLog(u.log ?? [], state.ui.logTypes)),
  };
}

/** The log rows the type filter lets through (all when the filter is empty). */
export function filterLog(log: readonly EventView[], types: readonly string[]): EventView[] {
  if (types.length === 0) return log as EventView[];
  const allowed = new Set(types);
  return log.filter((e) => allowed.has(e.t));
}

/** The checkpoint the Changes tab is about: the chosen one, or the newest. */
export function focusSeq(state: Pick<ViewState, 'checkpoints' | 'ui'>): number | undefined {
  const { selectedSeq } = state.ui;
  if (selectedSeq !== undefined && state.checkpoints.some((c) => c.seq === selectedSeq)) return selectedSeq;
  return state.checkpoints.at(-1)?.seq;
}

/**
 * The comparison the Changes tab shows: one checkpoint against the one before it (or the
 * base), two chosen checkpoints against each other, or everything since the base.
 */
export function currentRange(state: Pick<ViewState, 'checkpoints' | 'ui'>): DiffRange | undefined {
  const seq = focusSeq(state);
  if (seq === undefined) return undefined;
  if (state.ui.scope === 'base') return { from: 'base', to: seq };
  const other = state.ui.compareSeq;
  if (other !== undefined && other !== seq && state.checkpoints.some((c) => c.seq === other)) {
    return { from: Math.min(seq, other), to: Math.max(seq, other) };
  }
  const i = state.checkpoints.findIndex((c) => c.seq === seq);
  const prev = i > 0 ? state.checkpoints[i - 1]!.seq : undefined;
  return { from: prev ?? 'base', to: seq };
}

export function rangeKey(r: DiffRange): string {
  return `${r.from}..${r.to}`;
}

export function describeRange(r: DiffRange): string {
  const end = (x: number | 'base' | 'worktree') => (x === 'base' ? 'base' : x === 'worktree' ? 'worktree' : `#${x}`);
  return `${end(r.from)} → ${end(r.to)}`;
}
