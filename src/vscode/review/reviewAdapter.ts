/**
 * The review panel's data source and actions, implemented against the orchestrators: each call
 * names its feature by repository and id, and goes through that repository's façade.
 */
import { plural, rollbackTitle } from '../../shared/words';
import * as fs from 'node:fs/promises';
import type { AcceptOutcome } from '../../core/accept';
import type { ProviderId } from '../../core/agents';
import type { AopEvent } from '../../core/events';
import type { Orchestrator } from '../../core/orchestrator';
import { describeLeftInPlace, type RollbackResult } from '../../core/rollback';
import { AopError, resolveInside } from '../../core/util';
import { gatesView } from '../../shared/buildViews';
import type { DiffRange, GatesView } from '../../shared/viewModels';
import { describeAcceptOutcome } from '../commands/acceptText';
import type { DiffOpener } from '../content/diffs';
import type { GateService } from '../gates/gateService';
import type { ActionResult, BlobRead, IDisposable, ReviewActions, ReviewChange, ReviewDataSource, SnapshotRef } from '../webview';
import type { FeatureRef, Registry } from '../workspace/registry';
import { featureView } from '../../shared/featureView';

function locate(registry: Registry, ref: FeatureRef): { ref: FeatureRef; orch: Orchestrator } {
  return { ref, orch: registry.resolve(ref) };
}

export class OrchestratorReviewData implements ReviewDataSource {
  constructor(
    private readonly registry: Registry,
    private readonly gateService?: GateService,
  ) {}

  async gates(feature: FeatureRef): Promise<GatesView> {
    const { orch } = locate(this.registry, feature);
    if (!this.gateService) return { seq: orch.headSeq(feature.featureId), gates: [] };
    const snap = await this.gateService.statuses(feature);
    return gatesView(snap.seq, snap.gates, snap.running);
  }

  async threads(feature: FeatureRef) {
    return locate(this.registry, feature).orch.supervision.reviewThreads(feature.featureId);
  }

  async getFeature(feature: FeatureRef) {
    return featureView(locate(this.registry, feature).orch.summary(feature.featureId));
  }

  async listCheckpoints(feature: FeatureRef) {
    return locate(this.registry, feature).orch.listCheckpoints(feature.featureId);
  }

  async changes(feature: FeatureRef, range: DiffRange) {
    const { orch } = locate(this.registry, feature);
    const files = await orch.changedFiles(feature.featureId, range.from, range.to);
    return { files, violations: orch.violationsAt(feature.featureId, range.to) };
  }

  async readBlob(feature: FeatureRef, at: SnapshotRef, relPath: string, maxBytes: number): Promise<BlobRead | undefined> {
    const { orch } = locate(this.registry, feature);
    if (at === 'worktree') {
      const abs = resolveInside(this.worktreeOf(orch, feature.featureId), relPath);
      let st;
      try {
        st = await fs.lstat(abs);
      } catch {
        return undefined;
      }
      // A symlink is shown as its target text, as git stores it; it is never followed.
      if (st.isSymbolicLink()) {
        const target = Buffer.from(await fs.readlink(abs));
        return { size: target.length, bytes: target.subarray(0, maxBytes) };
      }
      if (!st.isFile()) return undefined;
      const fh = await fs.open(abs, 'r');
      try {
        const buf = Buffer.alloc(Math.min(st.size, maxBytes));
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        return { size: st.size, bytes: buf.subarray(0, bytesRead) };
      } finally {
        await fh.close();
      }
    }
    const data = await orch.readFileAt(feature.featureId, at === 'base' ? 'base' : at, relPath);
    return data ? { size: data.length, bytes: data.subarray(0, maxBytes) } : undefined;
  }

  async events(feature: FeatureRef, filter: { types?: readonly AopEvent['t'][]; limit: number }): Promise<AopEvent[]> {
    const all = await locate(this.registry, feature).orch.events(feature.featureId);
    const types = filter.types ? new Set(filter.types) : undefined;
    const picked = types ? all.filter((e) => types.has(e.t)) : all;
    return picked.slice(-filter.limit);
  }

  async worktreePath(feature: FeatureRef): Promise<string> {
    return this.worktreeOf(locate(this.registry, feature).orch, feature.featureId);
  }

  private worktreeOf(orch: Orchestrator, featureId: string): string {
    const wt = orch.summary(featureId).worktree;
    if (!wt) throw new AopError('NOT_FOUND', `Feature "${featureId}" has no worktree (it is a draft).`);
    return wt;
  }

  /** Every appended event of every active feature, plus header changes. */
  onDidChange(listener: (change: ReviewChange) => void): IDisposable {
    const sub = this.registry.onDidChange(({ repoRoot, change }) => {
      if (change.kind === 'log') listener({ repoRoot, featureId: change.featureId, event: change.event });
      else if (change.kind === 'agent' || change.kind === 'feature' || change.kind === 'violations') listener({ repoRoot, featureId: change.featureId, feature: true });
      else if (change.kind === 'review') listener({ repoRoot, featureId: change.featureId, threads: true });
    });
    const gates = this.gateService?.onDidChange((ref) => listener({ ...ref, gates: true }));
    return {
      dispose: () => {
        sub.dispose();
        gates?.dispose();
      },
    };
  }
}

/** What the panel reaches through the editor: the gate service, an output editor, the accept flow (its dialogs). */
export interface ReviewHooks {
  service: GateService;
  showOutput(ref: FeatureRef, gate: string): Promise<void>;
  /** Runs "Accept Feature" with its modal summary; undefined when the person cancelled. */
  accept(ref: FeatureRef): Promise<AcceptOutcome | undefined>;
  /** Runs "Review Change Outside the Worktrees" on one item (it shows the change and asks). */
  reviewOutside?(ref: FeatureRef, path: string, area: 'git' | 'checkout' | 'plan'): Promise<void>;
}

/** The panel's actions: the same code paths as the commands, without their prompts (the panel confirms). */
export class OrchestratorReviewActions implements ReviewActions {
  constructor(
    private readonly registry: Registry,
    private readonly diffs: DiffOpener,
    /** The agent of a feature nobody chose one for (one that can run). */
    private readonly defaultProvider: (ref: FeatureRef) => ProviderId,
    private readonly hooks?: ReviewHooks,
  ) {}

  private get use(): ReviewHooks {
    if (!this.hooks) throw new AopError('NOT_FOUND', 'Gates and accept are not available in this build.');
    return this.hooks;
  }

  async accept(feature: FeatureRef) {
    const outcome = await this.use.accept(feature);
    if (!outcome) return { cancelled: true, summary: 'Accept cancelled.' };
    return { summary: describeAcceptOutcome(feature.featureId, outcome).message };
  }

  async reviewOutside(feature: FeatureRef, p: string, area: 'git' | 'checkout' | 'plan') {
    const review = this.use.reviewOutside;
    if (!review) throw new AopError('NOT_FOUND', 'Reviewing changes outside the worktree is not available in this build.');
    await review(this.find(feature).ref, p, area);
    return { summary: '' };
  }

  async runGates(feature: FeatureRef, names: readonly string[]) {
    const runs = await this.use.service.run(feature, names);
    if (runs.length === 0) return { summary: 'This feature has no gates: add them under `gates:` in its plan.yaml.' };
    const failed = runs.filter((r) => !r.passed).map((r) => r.name);
    const seq = runs[runs.length - 1]!.seq;
    return { summary: failed.length ? `Gates on #${seq}: ${runs.length - failed.length} passed, ${failed.length} failed (${failed.join(', ')})` : `Gates on #${seq}: all ${runs.length} passed` };
  }

  async openGateOutput(feature: FeatureRef, name: string) {
    await this.use.showOutput(feature, name);
  }

  private find(feature: FeatureRef) {
    return locate(this.registry, feature);
  }

  private summary(r: RollbackResult, what: string): ActionResult {
    const left = describeLeftInPlace(r);
    return { summary: `${what}: ${plural(r.paths.length, 'file')} changed${left ? `; ${left}` : ''}` };
  }

  async rollbackToCheckpoint(feature: FeatureRef, seq: number) {
    const r = await this.find(feature).orch.rollbackToCheckpoint(feature.featureId, seq);
    return this.summary(r, rollbackTitle('checkpoint', seq));
  }

  async rollbackFiles(feature: FeatureRef, seq: number | 'base', paths: readonly string[]) {
    const r = await this.find(feature).orch.rollbackFiles(feature.featureId, seq === 'base' ? 0 : seq, [...paths]);
    return this.summary(r, rollbackTitle('files', seq === 'base' ? 0 : seq));
  }

  async smartRollback(feature: FeatureRef) {
    const r = await this.find(feature).orch.smartRollback(feature.featureId);
    return this.summary(r, rollbackTitle('smart', -1));
  }

  async undoRollback(feature: FeatureRef) {
    const r = await this.find(feature).orch.undoRollback(feature.featureId);
    return this.summary(r, rollbackTitle('undo', r.targetSeq));
  }

  async previewRollback(feature: FeatureRef, r: Parameters<ReviewActions['previewRollback']>[1]) {
    const { orch } = this.find(feature);
    if (r.kind === 'smart') return orch.previewRollback(feature.featureId, 'smart');
    if (r.kind === 'checkpoint') return orch.previewRollback(feature.featureId, 'checkpoint', r.seq);
    return orch.previewRollback(feature.featureId, 'files', r.seq === 'base' ? 0 : r.seq, [...r.paths]);
  }

  async start(feature: FeatureRef) {
    // The core refuses an untrusted workspace (UNTRUSTED); the terminal follows the 'agent' change.
    const { orch } = this.find(feature);
    const chosen = orch.summary(feature.featureId).provider;
    await orch.startAgent(feature.featureId, chosen ? undefined : { provider: this.defaultProvider(feature) });
  }

  async pause(feature: FeatureRef) {
    this.find(feature).orch.pauseAgent(feature.featureId);
  }

  async resume(feature: FeatureRef) {
    this.find(feature).orch.resumeAgent(feature.featureId);
  }

  async stop(feature: FeatureRef) {
    await this.find(feature).orch.stopAgent(feature.featureId);
  }

  async sendMessage(feature: FeatureRef, text: string) {
    const m = this.find(feature).orch.sendMessage(feature.featureId, text);
    return { summary: `Message ${m.id} queued` };
  }

  async checkpointNow(feature: FeatureRef) {
    const rec = await this.find(feature).orch.checkpointNow(feature.featureId);
    return { summary: rec ? `Checkpoint #${rec.seq}: ${plural(rec.files.length, 'file')}` : 'Nothing changed since the last checkpoint' };
  }

  async openNativeDiff(feature: FeatureRef, path: string, from: number | 'base', to: number | 'worktree') {
    await this.diffs.open(feature, from, to, path);
  }

  async addComment(feature: FeatureRef, c: { path: string; startLine: number; endLine: number; at: number | 'worktree'; body: string }) {
    const { orch } = this.find(feature);
    let seq = c.at;
    if (seq === 'worktree') {
      // The live file: checkpoint it so the lines name a version the agent can find.
      await orch.checkpointNow(feature.featureId);
      seq = orch.headSeq(feature.featureId);
    }
    const t = await orch.supervision.addReviewComment(feature.featureId, { path: c.path, startLine: c.startLine, endLine: c.endLine, seq, body: c.body });
    return { summary: `Comment on ${t.path} saved as a draft (checkpoint #${t.seq}); Send review sends it.` };
  }

  async replyComment(feature: FeatureRef, threadId: string, body: string) {
    await this.find(feature).orch.supervision.replyReview(feature.featureId, threadId, body);
    return { summary: 'Reply saved as a draft; Send review sends it.' };
  }

  async sendReview(feature: FeatureRef, threadIds?: readonly string[]) {
    const r = await this.find(feature).orch.supervision.sendReview(feature.featureId, threadIds);
    return { summary: `Review sent as message ${r.messageId}: ${r.threads.length === 1 ? 'one comment' : `${r.threads.length} comments`}.` };
  }

  async resolveThread(feature: FeatureRef, threadId: string, resolved: boolean) {
    await this.find(feature).orch.supervision.resolveReviewThread(feature.featureId, threadId, resolved);
    return { summary: resolved ? 'Thread resolved.' : 'Thread reopened.' };
  }
}
