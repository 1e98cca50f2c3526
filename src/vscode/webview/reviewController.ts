/**
 * The host half of the review panel, free of `vscode` so it runs in plain-Node tests. It
 * validates every webview message against the shared protocol (refused ones are logged and,
 * when they carry a request id, answered with an error; never acted on), answers requests from
 * the injected data source and actions, asks before any rollback, and streams live changes.
 *
 * Handshake: nothing is posted until the webview says `ready`; every `ready` (first load, or a
 * reload after the panel was hidden) gets a fresh snapshot. Changes that arrive while the
 * snapshot is being read are held and merged into it, so none fall in the gap.
 */
import type { AopEvent, AopEventType } from '../../core/events';
import type { CheckpointRecord, FileChange } from '../../core/model';
import { AopError, errorMessage, resolveInside } from '../../core/util';
import { availableActions, type AvailableActions } from '../../shared/actions';
import {
  applyMessageEvent,
  checkpointSummary,
  checkpointSummaryFromEvent,
  eventView,
  fileChangeViews,
  rollbackView,
  violationView,
} from '../../shared/buildViews';
import { buildDiffView } from '../../shared/diffView';
import { LIMITS } from '../../shared/limits';
import {
  describeIssues,
  hostToWebviewSchema,
  peekEnvelope,
  PROTOCOL_VERSION,
  webviewToHostSchema,
  type ActionOutcome,
  type ErrorInfo,
  type HostToWebview,
  type RequestOf,
  type RequestType,
  type ResultOf,
  type Update,
  type WebviewRequest,
} from '../../shared/protocol';
import type { ChangeSet, CheckpointSummary, DiffRange, DiffView, EventView, GatesView, MessageView, RollbackView, Snapshot } from '../../shared/viewModels';
import { Disposable } from './disposable';
import type { ActionResult, PanelLogger, ReviewActions, ReviewChange, ReviewDataSource, ReviewHostUi, WebviewPort } from './ports';

export interface ReviewControllerOptions {
  data: ReviewDataSource;
  actions: ReviewActions;
  ui: ReviewHostUi;
  logger: PanelLogger;
  /** Live changes within this window go out as one update. */
  coalesceMs?: number;
  /** How many files a confirmation lists before "and N more". */
  confirmListMax?: number;
}

type Handler<K extends RequestType> = (req: RequestOf<K>) => Promise<ResultOf<K>>;

/** Requests that change the feature: one at a time, so a double click cannot roll back twice. */
const MUTATING: ReadonlySet<RequestType> = new Set([
  'rollbackToCheckpoint',
  'rollbackFiles',
  'smartRollback',
  'undoRollback',
  'start',
  'pause',
  'resume',
  'stop',
  'sendMessage',
  'checkpointNow',
  'runGates',
  'acceptFeature',
]);

const CONVERSATION_TYPES: AopEventType[] = ['message', 'rollback'];

export class ReviewController extends Disposable {
  private readonly data: ReviewDataSource;
  private readonly actions: ReviewActions;
  private readonly ui: ReviewHostUi;
  private readonly log: PanelLogger;
  private readonly coalesceMs: number;
  private readonly confirmListMax: number;

  /** True once a snapshot went out after the last `ready`; live updates only flow then. */
  private live = false;
  /** Changes received while a snapshot is being read. */
  private held: ReviewChange[] | undefined;
  private generation = 0;
  private nextEventNo = 0;
  private conversation = new Map<string, MessageView>();
  private busy: RequestType | undefined;
  private pending: { feature: boolean; gates: boolean; checkpoints: Map<number, CheckpointSummary>; messages: Map<string, MessageView>; rollbacks: RollbackView[]; log: EventView[] } | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Recent change sets, so a diff request finds its file's modes and ids without asking again. */
  private readonly changeCache = new Map<string, FileChange[]>();

  constructor(
    readonly featureId: string,
    private readonly port: WebviewPort,
    options: ReviewControllerOptions,
  ) {
    super();
    this.data = options.data;
    this.actions = options.actions;
    this.ui = options.ui;
    this.log = options.logger;
    this.coalesceMs = options.coalesceMs ?? 50;
    this.confirmListMax = options.confirmListMax ?? 40;
    this._register(port.onDidReceiveMessage((m) => this.receive(m)));
    this._register(this.data.onDidChange((c) => this.onChange(c)));
    this._register({ dispose: () => this.flushTimer !== undefined && clearTimeout(this.flushTimer) });
  }

  /** The panel was hidden: its webview is gone until the next `ready`. */
  setVisible(visible: boolean): void {
    if (!visible) {
      this.live = false;
      this.held = undefined;
      this.pending = undefined;
      this.generation++;
    }
  }

  // ---- incoming --------------------------------------------------------------------------

  private receive(raw: unknown): void {
    if (this.isDisposed) return;
    const parsed = webviewToHostSchema.safeParse(raw);
    if (!parsed.success) {
      const env = peekEnvelope(raw);
      this.log.warn(`Review panel ${this.featureId}: rejected a webview message (type ${JSON.stringify(env.type ?? typeof raw)}): ${describeIssues(parsed.error)}`);
      if (env.requestId !== undefined) {
        this.reply(env.requestId, { ok: false, error: { code: 'INVALID_INPUT', message: `Refused: ${describeIssues(parsed.error)}` } });
      }
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'ready':
        void this.sendSnapshot();
        return;
      case 'log':
        (msg.level === 'error' ? this.log.error : this.log.warn).call(this.log, `Review panel ${this.featureId} (webview): ${msg.message}`);
        return;
      default:
        void this.handle(msg);
    }
  }

  private async handle(req: WebviewRequest): Promise<void> {
    if (MUTATING.has(req.type)) {
      if (this.busy) {
        this.reply(req.requestId, { ok: false, error: { code: 'BUSY', message: `Wait for "${this.busy}" to finish, then try again.` } });
        return;
      }
      this.busy = req.type;
    }
    try {
      const handler = this.handlers[req.type] as Handler<typeof req.type>;
      const result = await handler(req as never);
      this.reply(req.requestId, { ok: true, result });
    } catch (err) {
      const error: ErrorInfo = AopError.is(err)
        ? { code: err.code, message: err.message.slice(0, LIMITS.shortText) }
        : { code: 'INTERNAL', message: `${req.type} failed: ${errorMessage(err)}`.slice(0, LIMITS.shortText) };
      this.log.error(`Review panel ${this.featureId}: ${req.type} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      this.reply(req.requestId, { ok: false, error });
    } finally {
      if (this.busy === req.type) this.busy = undefined;
    }
  }

  private readonly handlers: { [K in RequestType]: Handler<K> } = {
    getChanges: (r) => this.getChanges(r.range),
    getDiff: (r) => this.getDiff(r.range, r.path),
    getLog: async (r) => {
      const events = await this.data.events(this.featureId, { ...(r.types.length ? { types: r.types } : {}), limit: LIMITS.logEvents });
      return events.slice(-LIMITS.logEvents).map((e) => eventView(e, this.nextEventNo++));
    },
    rollbackToCheckpoint: (r) => this.rollbackToCheckpoint(r.seq),
    rollbackFiles: (r) => this.rollbackFiles(r.seq, r.paths),
    smartRollback: () => this.smartRollback(),
    undoRollback: () => this.undoRollback(),
    start: () => this.agentAction('start', () => this.actions.start(this.featureId)),
    pause: () => this.agentAction('pause', () => this.actions.pause(this.featureId)),
    resume: () => this.agentAction('resume', () => this.actions.resume(this.featureId)),
    stop: () => this.agentAction('stop', () => this.actions.stop(this.featureId)),
    checkpointNow: () => this.agentAction('checkpointNow', () => this.actions.checkpointNow(this.featureId)),
    sendMessage: (r) => this.agentAction('sendMessage', () => this.actions.sendMessage(this.featureId, r.text)),
    openNativeDiff: async (r) => {
      await this.actions.openNativeDiff(this.featureId, r.path, r.range.from, r.range.to);
      return { status: 'done' };
    },
    openFile: async (r) => {
      const abs = resolveInside(await this.data.worktreePath(this.featureId), r.path);
      await this.ui.openFile(abs, r.line);
      return { status: 'done' };
    },
    runGates: async (r) => done(await this.actions.runGates(this.featureId, r.names)),
    acceptFeature: async () => done(await this.actions.accept(this.featureId)),
    reviewOutside: async (r) => done(await this.actions.reviewOutside(this.featureId, r.path, r.area)),
    openGateOutput: async (r) => {
      await this.actions.openGateOutput(this.featureId, r.name);
      return { status: 'done' };
    },
  };

  // ---- data requests ---------------------------------------------------------------------

  private async getChanges(range: DiffRange): Promise<ChangeSet> {
    const { files, violations } = await this.data.changes(this.featureId, range);
    const key = rangeKey(range);
    this.changeCache.delete(key);
    this.changeCache.set(key, files);
    while (this.changeCache.size > 4) this.changeCache.delete(this.changeCache.keys().next().value!);
    if (files.length > LIMITS.changeFiles || violations.length > LIMITS.violations) {
      this.log.warn(`Review panel ${this.featureId}: change set of ${files.length} files / ${violations.length} violations cut to the panel's limits.`);
    }
    return {
      range,
      files: fileChangeViews(files.slice(0, LIMITS.changeFiles), violations),
      violations: violations.slice(0, LIMITS.violations).map(violationView),
    };
  }

  private async getDiff(range: DiffRange, path: string): Promise<DiffView> {
    let files = this.changeCache.get(rangeKey(range));
    if (!files?.some((f) => f.path === path)) files = (await this.data.changes(this.featureId, range)).files;
    const change = files.find((f) => f.path === path);
    if (!change) throw new AopError('NOT_FOUND', `${path} did not change in this range; pick a file from the list.`);
    const isSubmodule = change.mode === '160000' || change.oldMode === '160000';
    const read = async (at: number | 'base' | 'worktree') => (isSubmodule ? undefined : this.data.readBlob(this.featureId, at, path, LIMITS.diffBytes));
    const [oldBlob, newBlob] = await Promise.all([change.status === 'A' ? undefined : read(range.from), change.status === 'D' ? undefined : read(range.to)]);
    return buildDiffView({
      path,
      status: change.status,
      range,
      mode: change.mode,
      ...(change.oldMode ? { oldMode: change.oldMode } : {}),
      ...(change.oid ? { oid: change.oid } : {}),
      ...(change.oldOid ? { oldOid: change.oldOid } : {}),
      ...(change.added !== undefined ? { added: change.added } : {}),
      ...(change.removed !== undefined ? { removed: change.removed } : {}),
      ...(oldBlob ? { old: oldBlob } : {}),
      ...(newBlob ? { new: newBlob } : {}),
    });
  }

  // ---- actions ---------------------------------------------------------------------------

  private async agentAction(name: keyof AvailableActions, run: () => Promise<ActionResult>): Promise<ActionOutcome> {
    const feature = await this.data.getFeature(this.featureId);
    if (!availableActions(feature)[name]) {
      throw new AopError('CONFLICT', `Cannot ${actionLabel(name)} now: the agent is ${feature.agentState}${feature.capabilities.messages || name !== 'sendMessage' ? '' : ' and its provider takes no messages'}.`);
    }
    return done(await run());
  }

  private async rollbackToCheckpoint(seq: number): Promise<ActionOutcome> {
    const { files } = await this.data.changes(this.featureId, { from: seq, to: 'worktree' });
    if (files.length === 0) return { status: 'cancelled', summary: `Nothing to roll back: the worktree already matches checkpoint #${seq}.` };
    // Statuses read from the checkpoint to the worktree; rolling back reverses them.
    const verb = (f: FileChange): string => (f.status === 'A' ? 'delete ' : f.status === 'D' ? 'restore' : 'revert ');
    const ok = await this.ui.confirm(
      `Roll back feature "${this.featureId}" to checkpoint #${seq}? ${plural(files.length, 'file')} will change.`,
      this.listDetail(files.map((f) => `${verb(f)} ${f.path}`), 'A safety checkpoint is taken first, so this rollback can be undone.'),
      'Roll Back',
    );
    if (!ok) return { status: 'cancelled' };
    return done(await this.actions.rollbackToCheckpoint(this.featureId, seq));
  }

  private async rollbackFiles(seq: number | 'base', paths: readonly string[]): Promise<ActionOutcome> {
    const unique = [...new Set(paths)];
    const where = seq === 'base' ? 'the base' : `checkpoint #${seq}`;
    const ok = await this.ui.confirm(
      `Restore ${plural(unique.length, 'file')} of feature "${this.featureId}" to ${where}?`,
      this.listDetail(unique, 'Other files keep their changes. A safety checkpoint is taken first, so this can be undone.'),
      'Restore Files',
    );
    if (!ok) return { status: 'cancelled' };
    return done(await this.actions.rollbackFiles(this.featureId, seq, unique));
  }

  private async smartRollback(): Promise<ActionOutcome> {
    let paths: string[];
    if (this.actions.previewSmartRollback) paths = await this.actions.previewSmartRollback(this.featureId);
    else {
      const checkpoints = await this.data.listCheckpoints(this.featureId);
      const latest = checkpoints[checkpoints.length - 1];
      paths = [...new Set((latest?.violations ?? []).map((v) => v.path).filter((p) => p !== ''))];
    }
    if (paths.length === 0) return { status: 'cancelled', summary: 'Nothing to roll back: no file breaks the plan.' };
    const ok = await this.ui.confirm(
      `Smart rollback of feature "${this.featureId}": revert the ${plural(paths.length, 'file')} that break the plan and keep the rest?`,
      this.listDetail(paths, 'A safety checkpoint is taken first, so this can be undone.'),
      'Revert Files',
    );
    if (!ok) return { status: 'cancelled' };
    return done(await this.actions.smartRollback(this.featureId));
  }

  private async undoRollback(): Promise<ActionOutcome> {
    const events = await this.data.events(this.featureId, { types: ['rollback'], limit: 50 });
    const last = [...events].reverse().find((e): e is Extract<AopEvent, { t: 'rollback' }> => e.t === 'rollback' && e.kind !== 'undo' && e.ok);
    if (!last) return { status: 'cancelled', summary: 'There is no rollback to undo.' };
    const ok = await this.ui.confirm(
      `Undo the last rollback of feature "${this.featureId}"? Its ${plural(last.paths.length, 'file')} go back to checkpoint #${last.preRollbackSeq}.`,
      this.listDetail(last.paths, 'A safety checkpoint is taken first, so this can be undone too.'),
      'Undo Rollback',
    );
    if (!ok) return { status: 'cancelled' };
    return done(await this.actions.undoRollback(this.featureId));
  }

  private listDetail(lines: readonly string[], footer: string): string {
    const shown = lines.slice(0, this.confirmListMax);
    const more = lines.length - shown.length;
    return [...shown, ...(more > 0 ? [`…and ${more} more`] : []), '', footer].join('\n');
  }

  // ---- outgoing --------------------------------------------------------------------------

  private async sendSnapshot(): Promise<void> {
    const gen = ++this.generation;
    this.live = false;
    this.pending = undefined;
    this.held = [];
    let snapshot: Snapshot;
    let sourceEvents: AopEvent[];
    try {
      const [feature, records, conversationEvents, logEvents, gates] = await Promise.all([
        this.data.getFeature(this.featureId),
        this.data.listCheckpoints(this.featureId),
        this.data.events(this.featureId, { types: CONVERSATION_TYPES, limit: LIMITS.messages + LIMITS.rollbacks }),
        this.data.events(this.featureId, { limit: LIMITS.logEvents }),
        this.readGates(),
      ]);
      if (gen !== this.generation || this.isDisposed) return;
      this.conversation = new Map();
      const rollbacks: RollbackView[] = [];
      for (const e of conversationEvents) {
        if (e.t === 'message') applyMessageEvent(this.conversation, e);
        else if (e.t === 'rollback') rollbacks.push(rollbackView(e));
      }
      snapshot = {
        feature,
        gates,
        checkpoints: records.slice(-LIMITS.checkpoints).map((r: CheckpointRecord) => checkpointSummary(r)),
        messages: [...this.conversation.values()].slice(-LIMITS.messages),
        rollbacks: rollbacks.slice(-LIMITS.rollbacks),
        log: logEvents.slice(-LIMITS.logEvents).map((e) => eventView(e, this.nextEventNo++)),
      };
      sourceEvents = [...conversationEvents, ...logEvents];
    } catch (err) {
      if (gen !== this.generation || this.isDisposed) return;
      this.held = undefined;
      this.log.error(`Review panel ${this.featureId}: could not read the feature: ${errorMessage(err)}`);
      this.post({ type: 'unavailable', message: `Feature "${this.featureId}" cannot be shown: ${errorMessage(err)}`.slice(0, LIMITS.shortText) });
      return;
    }
    const held = this.held ?? [];
    this.held = undefined;
    if (this.post({ type: 'snapshot', protocol: PROTOCOL_VERSION, snapshot })) this.live = true;
    // Changes that raced the reads: drop the ones the snapshot already holds, stream the rest.
    const seen = held.length ? eventKeysSince(sourceEvents, held) : new Set<string>();
    for (const c of held) if (!c.event || !seen.has(JSON.stringify(c.event))) this.onChange(c);
  }

  private onChange(change: ReviewChange): void {
    if (change.featureId !== this.featureId || this.isDisposed) return;
    if (this.held) {
      this.held.push(change);
      return;
    }
    if (!this.live) return;
    if (!this.pending) this.pending = { feature: false, gates: false, checkpoints: new Map(), messages: new Map(), rollbacks: [], log: [] };
    const p = this.pending;
    if (change.feature) p.feature = true;
    if (change.gates) p.gates = true;
    const ev = change.event;
    if (ev) {
      p.log.push(eventView(ev, this.nextEventNo++));
      if (p.log.length > LIMITS.logEvents) p.log.shift();
      // A new checkpoint is what the gates are judged at now; a gate event is a new result.
      if (ev.t === 'checkpoint' || ev.t === 'gate') p.gates = true;
      if (ev.t === 'checkpoint') p.checkpoints.set(ev.seq, checkpointSummaryFromEvent(ev));
      else if (ev.t === 'message') p.messages.set(ev.id, applyMessageEvent(this.conversation, ev));
      else if (ev.t === 'rollback') p.rollbacks.push(rollbackView(ev));
      else if (ev.t === 'agent.state' || ev.t === 'breaker') p.feature = true;
    }
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.scheduleFlush();
    }, this.coalesceMs);
  }

  private scheduleFlush(): void {
    this.flushing = this.flushing
      .then(() => this.flush())
      .catch((err: unknown) => this.log.error(`Review panel ${this.featureId}: live update failed: ${errorMessage(err)}`));
  }

  private async flush(): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    if (!p || !this.live || this.isDisposed) return;
    const gen = this.generation;
    const update: Update = { type: 'update' };
    if (p.feature) {
      try {
        update.feature = await this.data.getFeature(this.featureId);
      } catch (err) {
        this.log.warn(`Review panel ${this.featureId}: could not refresh the header: ${errorMessage(err)}`);
      }
      if (gen !== this.generation || !this.live) return;
    }
    if (p.gates) {
      update.gates = await this.readGates();
      if (gen !== this.generation || !this.live) return;
    }
    if (p.checkpoints.size) update.checkpoints = [...p.checkpoints.values()];
    if (p.messages.size) update.messages = [...p.messages.values()];
    if (p.rollbacks.length) update.rollbacks = p.rollbacks;
    if (p.log.length) update.log = p.log;
    if (Object.keys(update).length > 1) this.post(update);
  }

  /** The gates, or none when they cannot be read (the rest of the panel still works). */
  private async readGates(): Promise<GatesView> {
    try {
      return await this.data.gates(this.featureId);
    } catch (err) {
      this.log.warn(`Review panel ${this.featureId}: could not read the gates: ${errorMessage(err)}`);
      return { seq: 0, gates: [] };
    }
  }

  private reply(requestId: number, body: { ok: true; result: unknown } | { ok: false; error: ErrorInfo }): void {
    this.post({ type: 'reply', requestId, ...body } as HostToWebview);
  }

  /** Validates and posts; a message that fails its own schema is a bug, logged and not sent. */
  private post(msg: HostToWebview): boolean {
    if (this.isDisposed) return false;
    const checked = hostToWebviewSchema.safeParse(msg);
    if (!checked.success) {
      this.log.error(`Review panel ${this.featureId}: refused to post an invalid ${msg.type}: ${describeIssues(checked.error)}`);
      if (msg.type === 'reply' && msg.ok) this.reply(msg.requestId, { ok: false, error: { code: 'INTERNAL', message: 'The host produced an invalid reply; see the log.' } });
      else if (msg.type !== 'reply' && msg.type !== 'error') {
        // The panel now lacks this change: say so and stop streaming onto stale state until it reloads.
        this.live = false;
        this.pending = undefined;
        this.post({ type: 'error', message: `The panel missed a change of feature "${this.featureId}" (details in the Agent Orchestrator log). Reload to see the current state.` });
      }
      return false;
    }
    try {
      this.port.postMessage(msg).then(undefined, (err: unknown) => this.log.warn(`Review panel ${this.featureId}: post failed: ${errorMessage(err)}`));
    } catch (err) {
      this.log.warn(`Review panel ${this.featureId}: post failed: ${errorMessage(err)}`);
      return false;
    }
    return true;
  }

  /** Resolves once queued live updates have been posted (for tests and orderly shutdown). */
  async whenIdle(): Promise<void> {
    while (this.flushTimer !== undefined || this.pending) {
      if (this.flushTimer !== undefined) {
        clearTimeout(this.flushTimer);
        this.flushTimer = undefined;
        this.scheduleFlush();
      }
      await this.flushing;
    }
    await this.flushing;
  }
}

function rangeKey(r: DiffRange): string {
  return `${r.from}..${r.to}`;
}

function done(result: ActionResult): ActionOutcome {
  const status = result && result.cancelled ? 'cancelled' : 'done';
  return result && typeof result.summary === 'string' ? { status, summary: result.summary.slice(0, LIMITS.shortText) } : { status };
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

function actionLabel(name: keyof AvailableActions): string {
  return name === 'checkpointNow' ? 'take a checkpoint' : name === 'sendMessage' ? 'send a message' : name;
}

/** JSON keys of the source events at or after the earliest held event, to spot duplicates. */
function eventKeysSince(source: readonly AopEvent[], held: readonly ReviewChange[]): Set<string> {
  const times = held.flatMap((c) => (c.event ? [Date.parse(c.event.ts)] : [])).filter((t) => !Number.isNaN(t));
  const since = times.length ? Math.min(...times) : Number.NEGATIVE_INFINITY;
  const keys = new Set<string>();
  for (const e of source) {
    const t = Date.parse(e.ts);
    if (Number.isNaN(t) || t >= since) keys.add(JSON.stringify(e));
  }
  return keys;
}
