/**
 * The review panel's requests, one typed handler each (the protocol's request and result
 * types): reads go to the data source; actions check the agent allows them; every rollback is
 * confirmed first with core's preview, in the same words as the palette.
 */
import type { AopEvent } from '../../core/events';
import type { FileChange } from '../../core/model';
import { AopError, resolveInside } from '../../core/util';
import { availableActions, type AvailableActions } from '../../shared/actions';
import { fileChangeViews, violationView } from '../../shared/buildViews';
import { buildDiffView } from '../../shared/diffView';
import { LIMITS } from '../../shared/limits';
import type { ActionOutcome } from '../../shared/protocol';
import { nothingToRollBack, rollbackConfirmation, type RollbackPreviewItem, type RollbackRequest } from '../../shared/rollbackConfirmation';
import type { ChangeSet, DiffRange, DiffView } from '../../shared/viewModels';
import type { FeatureRef } from '../../shared/featureKey';
import type { ActionResult, PanelLogger, ReviewActions, ReviewDataSource, ReviewHostUi } from './ports';
import type { Handlers } from './requestEndpoint';
import type { ReviewStream } from './reviewStream';

export interface ReviewRequestsOptions {
  feature: FeatureRef;
  data: ReviewDataSource;
  actions: ReviewActions;
  ui: ReviewHostUi;
  log: PanelLogger;
  stream: ReviewStream;
  /** How many files a confirmation lists before "and N more". */
  confirmListMax: number;
}

/** Change sets kept, so a diff request finds its file's modes and ids without asking again. */
const CACHED_RANGES = 4;

export class ReviewRequests {
  private readonly changeCache = new Map<string, FileChange[]>();
  /** For messages; the ports take the whole ref. */
  private readonly id: string;
  private readonly f: FeatureRef;

  constructor(private readonly o: ReviewRequestsOptions) {
    this.f = o.feature;
    this.id = o.feature.featureId;
  }

  readonly handlers: Handlers = {
    getChanges: (r) => this.getChanges(r.range),
    getDiff: (r) => this.getDiff(r.range, r.path),
    getLog: async (r) => {
      const events = await this.o.data.events(this.f, { ...(r.types.length ? { types: r.types } : {}), limit: LIMITS.logEvents });
      return this.o.stream.eventViews(events.slice(-LIMITS.logEvents));
    },
    rollbackToCheckpoint: (r) => this.rollback({ kind: 'checkpoint', seq: r.seq }, () => this.o.actions.previewRollback(this.f, { kind: 'checkpoint', seq: r.seq }), () => this.o.actions.rollbackToCheckpoint(this.f, r.seq)),
    rollbackFiles: (r) => {
      const paths = [...new Set(r.paths)];
      return this.rollback({ kind: 'files', seq: r.seq === 'base' ? 0 : r.seq }, () => this.o.actions.previewRollback(this.f, { kind: 'files', seq: r.seq, paths }), () => this.o.actions.rollbackFiles(this.f, r.seq, paths));
    },
    smartRollback: () => this.rollback({ kind: 'smart' }, () => this.o.actions.previewRollback(this.f, { kind: 'smart' }), () => this.o.actions.smartRollback(this.f)),
    undoRollback: () => this.undoRollback(),
    start: () => this.agentAction('start', () => this.o.actions.start(this.f)),
    pause: () => this.agentAction('pause', () => this.o.actions.pause(this.f)),
    resume: () => this.agentAction('resume', () => this.o.actions.resume(this.f)),
    stop: () => this.agentAction('stop', () => this.o.actions.stop(this.f)),
    checkpointNow: () => this.agentAction('checkpointNow', () => this.o.actions.checkpointNow(this.f)),
    sendMessage: (r) => this.agentAction('sendMessage', () => this.o.actions.sendMessage(this.f, r.text)),
    openNativeDiff: async (r) => {
      await this.o.actions.openNativeDiff(this.f, r.path, r.range.from, r.range.to);
      return { status: 'done' };
    },
    openFile: async (r) => {
      const abs = resolveInside(await this.o.data.worktreePath(this.f), r.path);
      await this.o.ui.openFile(abs, r.line);
      return { status: 'done' };
    },
    runGates: async (r) => done(await this.o.actions.runGates(this.f, r.names)),
    acceptFeature: async () => done(await this.o.actions.accept(this.f)),
    reviewOutside: async (r) => done(await this.o.actions.reviewOutside(this.f, r.path, r.area)),
    openGateOutput: async (r) => {
      await this.o.actions.openGateOutput(this.f, r.name);
      return { status: 'done' };
    },
    addComment: async (r) => done(await this.o.actions.addComment(this.f, { path: r.path, startLine: r.startLine, endLine: r.endLine, at: r.at, body: r.body })),
    replyComment: async (r) => done(await this.o.actions.replyComment(this.f, r.threadId, r.body)),
    sendReview: async (r) => done(await this.o.actions.sendReview(this.f, r.threadIds)),
    resolveThread: async (r) => done(await this.o.actions.resolveThread(this.f, r.threadId, r.resolved)),
  };

  // ---- reads -------------------------------------------------------------------------------

  private async getChanges(range: DiffRange): Promise<ChangeSet> {
    const { files, violations } = await this.o.data.changes(this.f, range);
    const key = rangeKey(range);
    this.changeCache.delete(key);
    this.changeCache.set(key, files);
    while (this.changeCache.size > CACHED_RANGES) this.changeCache.delete(this.changeCache.keys().next().value!);
    if (files.length > LIMITS.changeFiles || violations.length > LIMITS.violations) {
      this.o.log.warn(`Review panel ${this.id}: change set of ${files.length} files / ${violations.length} violations cut to the panel's limits.`);
    }
    return {
      range,
      files: fileChangeViews(files.slice(0, LIMITS.changeFiles), violations),
      violations: violations.slice(0, LIMITS.violations).map(violationView),
    };
  }

  private async getDiff(range: DiffRange, path: string): Promise<DiffView> {
    let files = this.changeCache.get(rangeKey(range));
    if (!files?.some((f) => f.path === path)) files = (await this.o.data.changes(this.f, range)).files;
    const change = files.find((f) => f.path === path);
    if (!change) throw new AopError('NOT_FOUND', `${path} did not change in this range; pick a file from the list.`);
    const isSubmodule = change.mode === '160000' || change.oldMode === '160000';
    const read = async (at: number | 'base' | 'worktree') => (isSubmodule ? undefined : this.o.data.readBlob(this.f, at, path, LIMITS.diffBytes));
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

  // ---- actions -----------------------------------------------------------------------------

  private async agentAction(name: keyof AvailableActions, run: () => Promise<ActionResult>): Promise<ActionOutcome> {
    const feature = await this.o.data.getFeature(this.f);
    if (!availableActions(feature)[name]) {
      throw new AopError('CONFLICT', `Cannot ${actionLabel(name)} now: the agent is ${feature.agentState}${feature.capabilities.messages || name !== 'sendMessage' ? '' : ' and its provider takes no messages'}.`);
    }
    return done(await run());
  }

  /** Asks with the preview (nothing to do: says so and does nothing), then runs. */
  private async rollback(request: RollbackRequest, preview: () => Promise<RollbackPreviewItem[]>, run: () => Promise<ActionResult>): Promise<ActionOutcome> {
    const items = await preview();
    if (items.length === 0) return { status: 'cancelled', summary: nothingToRollBack(this.id, request) };
    return this.confirmThenRun(rollbackConfirmation(this.id, request, items, this.o.confirmListMax), run);
  }

  private async undoRollback(): Promise<ActionOutcome> {
    const events = await this.o.data.events(this.f, { types: ['rollback'], limit: 50 });
    const last = [...events].reverse().find((e): e is Extract<AopEvent, { t: 'rollback' }> => e.t === 'rollback' && e.kind !== 'undo' && e.ok);
    const request: RollbackRequest = { kind: 'undo', preRollbackSeq: last?.preRollbackSeq };
    if (!last) return { status: 'cancelled', summary: nothingToRollBack(this.id, request) };
    const items = last.paths.map((path) => ({ path, action: 'restore' as const }));
    return this.confirmThenRun(rollbackConfirmation(this.id, request, items, this.o.confirmListMax), () => this.o.actions.undoRollback(this.f));
  }

  private async confirmThenRun(c: { message: string; detail: string; confirmLabel: string }, run: () => Promise<ActionResult>): Promise<ActionOutcome> {
    if (!(await this.o.ui.confirm(c.message, c.detail, c.confirmLabel))) return { status: 'cancelled' };
    return done(await run());
  }
}

function rangeKey(r: DiffRange): string {
  return `${r.from}..${r.to}`;
}

function done(result: ActionResult): ActionOutcome {
  const status = result && result.cancelled ? 'cancelled' : 'done';
  return result && typeof result.summary === 'string' ? { status, summary: result.summary.slice(0, LIMITS.shortText) } : { status };
}

function actionLabel(name: keyof AvailableActions): string {
  return name === 'checkpointNow' ? 'take a checkpoint' : name === 'sendMessage' ? 'send a message' : name;
}
