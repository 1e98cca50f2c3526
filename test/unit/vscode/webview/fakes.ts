/** In-memory stand-ins for the panel's ports: a webview, a data source, actions, UI and logger. */
import type { ReviewThread } from '../../../../src/shared/review';
import type { AopEvent, AopEventType } from '../../../../src/core/events/schema';
import type { CheckpointRecord, FileChange, Violation } from '../../../../src/core/model/types';
import { Emitter } from '../../../../src/core/util/emitter';
import type { DiffRange, FeatureView, GatesView } from '../../../../src/shared/viewModels';
import type { FeatureRef } from '../../../../src/shared/featureKey';
import type { RollbackPreviewItem } from '../../../../src/shared/rollbackConfirmation';

/** The repository of the fake feature. */
export const REPO = '/repo';
import type { BlobRead, PanelLogger, ReviewActions, ReviewChange, ReviewDataSource, ReviewHostUi, SnapshotRef, WebviewPort } from '../../../../src/vscode/webview/ports';

export class FakeWebview implements WebviewPort {
  readonly posted: unknown[] = [];
  private readonly incoming = new Emitter<unknown>();
  listeners = 0;
  postMessage(message: unknown): Promise<boolean> {
    // Structured clone, as the real channel does: nothing shared by reference.
    this.posted.push(structuredClone(message));
    return Promise.resolve(true);
  }
  onDidReceiveMessage(listener: (message: unknown) => void) {
    this.listeners++;
    const sub = this.incoming.event(listener);
    return { dispose: () => (this.listeners--, sub.dispose()) };
  }
  send(message: unknown): void {
    this.incoming.fire(message);
  }
  ofType<T extends string>(type: T): ({ type: T } & Record<string, unknown>)[] {
    return this.posted.filter((m): m is { type: T } & Record<string, unknown> => (m as { type?: string }).type === type);
  }
  reply(requestId: number): Record<string, unknown> | undefined {
    return this.ofType('reply').find((r) => r.requestId === requestId);
  }
}

export const TS = (minute: number): string => new Date(Date.UTC(2025, 0, 1, 10, minute)).toISOString();

export function record(seq: number, files: FileChange[], violations: Violation[] = []): CheckpointRecord {
  return { featureId: 'feat', seq, commit: `c${seq}`.padEnd(40, '0'), tree: 't'.repeat(40), parent: 'p'.repeat(40), time: TS(seq), trigger: 'watch', files, durationMs: 5, violations };
}

export const change = (path: string, status: FileChange['status'] = 'M', over: Partial<FileChange> = {}): FileChange => ({ path, status, mode: '100644', added: 1, removed: 1, ...over });

export class FakeData implements ReviewDataSource {
  feature: FeatureView = {
    id: 'feat',
    branch: 'aop/feat',
    base: 'main',
    provider: 'scripted',
    agentState: 'running',
    breaker: { state: 'closed', failures: 0 },
    capabilities: { pause: true, messages: true },
  };
  checkpoints: CheckpointRecord[] = [record(1, [change('a.ts')]), record(2, [change('b.ts', 'A')], [{ kind: 'out_of_scope', severity: 'error', path: 'b.ts', message: 'b.ts is out of scope' }])];
  log: AopEvent[] = [];
  /** Files per range key "from..to". */
  changeSets = new Map<string, { files: FileChange[]; violations: Violation[] }>();
  /** Blob content per "at:path". */
  blobs = new Map<string, string | Uint8Array>();
  worktree = '/tmp/worktree-feat';
  featureError: Error | undefined;
  /** When set, reads wait for it (to let changes race a snapshot). */
  gate: Promise<void> | undefined;
  readonly changed = new Emitter<ReviewChange>();
  listeners = 0;
  calls: string[] = [];

  private async wait(): Promise<void> {
    if (this.gate) await this.gate;
  }
  async getFeature(): Promise<FeatureView> {
    this.calls.push('getFeature');
    await this.wait();
    if (this.featureError) throw this.featureError;
    return structuredClone(this.feature);
  }
  async listCheckpoints(): Promise<CheckpointRecord[]> {
    await this.wait();
    return this.checkpoints;
  }
  async changes(_f: FeatureRef, range: DiffRange) {
    this.calls.push(`changes ${range.from}..${range.to}`);
    return this.changeSets.get(`${range.from}..${range.to}`) ?? { files: [], violations: [] };
  }
  async readBlob(_f: FeatureRef, at: SnapshotRef, path: string, maxBytes: number): Promise<BlobRead | undefined> {
    this.calls.push(`readBlob ${at} ${path}`);
    const content = this.blobs.get(`${at}:${path}`);
    if (content === undefined) return undefined;
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    return { size: bytes.length, bytes: bytes.subarray(0, maxBytes) };
  }
  async events(_f: FeatureRef, filter: { types?: readonly AopEventType[]; limit: number }): Promise<AopEvent[]> {
    await this.wait();
    const matching = this.log.filter((e) => !filter.types || filter.types.includes(e.t));
    return matching.slice(-filter.limit);
  }
  async worktreePath(): Promise<string> {
    return this.worktree;
  }
  gatesView: GatesView = { seq: 2, gates: [] };
  gatesError: Error | undefined;
  async gates(): Promise<GatesView> {
    this.calls.push('gates');
    await this.wait();
    if (this.gatesError) throw this.gatesError;
    return structuredClone(this.gatesView);
  }
  threadList: ReviewThread[] = [];
  async threads(): Promise<ReviewThread[]> {
    this.calls.push('threads');
    await this.wait();
    return structuredClone(this.threadList);
  }
  onDidChange(listener: (c: ReviewChange) => void) {
    this.listeners++;
    const sub = this.changed.event(listener);
    return { dispose: () => (this.listeners--, sub.dispose()) };
  }
  /** Appends an event to the log and announces it, as the orchestrator would. */
  append(event: AopEvent): void {
    this.log.push(event);
    this.changed.fire({ repoRoot: REPO, featureId: event.feature, event });
  }
}

export class FakeActions implements ReviewActions {
  calls: unknown[][] = [];
  failWith: Error | undefined;
  private record(name: string, ...args: unknown[]) {
    this.calls.push([name, ...args]);
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve({ summary: `${name} done` });
  }
  rollbackToCheckpoint = (f: FeatureRef, seq: number) => this.record('rollbackToCheckpoint', f.featureId, seq);
  rollbackFiles = (f: FeatureRef, seq: number | 'base', paths: readonly string[]) => this.record('rollbackFiles', f.featureId, seq, [...paths]);
  smartRollback = (f: FeatureRef) => this.record('smartRollback', f.featureId);
  undoRollback = (f: FeatureRef) => this.record('undoRollback', f.featureId);
  /** What the previews answer (core's RollbackItem lines). */
  preview: RollbackPreviewItem[] = [];
  previewRollback = async (_f: FeatureRef, r: Parameters<ReviewActions['previewRollback']>[1]) => {
    return r.kind === 'files' ? r.paths.map((path) => ({ path, action: 'restore' as const, fromSeq: r.seq === 'base' ? 0 : r.seq })) : this.preview;
  };
  start = (f: FeatureRef) => this.record('start', f.featureId);
  pause = (f: FeatureRef) => this.record('pause', f.featureId);
  resume = (f: FeatureRef) => this.record('resume', f.featureId);
  stop = (f: FeatureRef) => this.record('stop', f.featureId);
  sendMessage = (f: FeatureRef, text: string) => this.record('sendMessage', f.featureId, text);
  checkpointNow = (f: FeatureRef) => this.record('checkpointNow', f.featureId);
  openNativeDiff = async (f: FeatureRef, path: string, from: number | 'base', to: number | 'worktree') => {
    this.calls.push(['openNativeDiff', f.featureId, path, from, to]);
  };
  runGates = (f: FeatureRef, names: readonly string[]) => this.record('runGates', f.featureId, [...names]);
  reviewOutside = (f: FeatureRef, path: string, area: string) => this.record('reviewOutside', f.featureId, path, area);
  /** What accept answers (the person may cancel the host's dialog). */
  acceptResult: { summary?: string; cancelled?: boolean } = { summary: 'Feature "feat" landed on main as 1234abcd (squash of checkpoint #2).' };
  accept = async (f: FeatureRef) => {
    await this.record('accept', f.featureId);
    return this.acceptResult;
  };
  openGateOutput = async (f: FeatureRef, name: string) => {
    this.calls.push(['openGateOutput', f.featureId, name]);
  };
  addComment = (f: FeatureRef, c: { path: string; startLine: number; endLine: number; at: number | 'worktree'; body: string }) => this.record('addComment', f.featureId, c);
  replyComment = (f: FeatureRef, threadId: string, body: string) => this.record('replyComment', f.featureId, threadId, body);
  sendReview = (f: FeatureRef, threadIds?: readonly string[]) => this.record('sendReview', f.featureId, threadIds);
  resolveThread = (f: FeatureRef, threadId: string, resolved: boolean) => this.record('resolveThread', f.featureId, threadId, resolved);
}

export class FakeUi implements ReviewHostUi {
  confirms: { message: string; detail: string; label: string }[] = [];
  answer = true;
  /** When set, confirmations wait for it (a modal left open). */
  hold: Promise<void> | undefined;
  opened: [string, number | undefined][] = [];
  async confirm(message: string, detail: string, label: string): Promise<boolean> {
    this.confirms.push({ message, detail, label });
    if (this.hold) await this.hold;
    return this.answer;
  }
  async openFile(p: string, line?: number): Promise<void> {
    this.opened.push([p, line]);
  }
}

export class FakeLogger implements PanelLogger {
  lines: string[] = [];
  info = (m: string) => void this.lines.push(`info ${m}`);
  warn = (m: string) => void this.lines.push(`warn ${m}`);
  error = (m: string) => void this.lines.push(`error ${m}`);
}
