/**
 * The review panel's data source and actions, implemented against the orchestrators. The panel
 * names features by id only, so ids are looked up across the open repositories (an id present
 * in two repositories is refused with a clear message).
 */
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

function locate(registry: Registry, featureId: string): { ref: FeatureRef; orch: Orchestrator } {
  const found = registry.findById(featureId);
  if (found.length === 0) throw new AopError('NOT_FOUND', `There is no feature "${featureId.slice(0, 64)}" in the open repositories.`);
  if (found.length > 1) throw new AopError('CONFLICT', `Several open repositories have a feature "${featureId}"; the review panel cannot tell them apart. Close one of the folders.`);
  return { ref: found[0]!, orch: registry.resolve(found[0]!) };
}

export class OrchestratorReviewData implements ReviewDataSource {
  constructor(
    private readonly registry: Registry,
    private readonly gateService?: GateService,
  ) {}

  async gates(featureId: string): Promise<GatesView> {
    const { ref, orch } = locate(this.registry, featureId);
    if (!this.gateService) return { seq: orch.headSeq(featureId), gates: [] };
    const snap = await this.gateService.statuses(ref);
    return gatesView(snap.seq, snap.gates, snap.running);
  }

  async getFeature(featureId: string) {
    return featureView(locate(this.registry, featureId).orch.summary(featureId));
  }

  async listCheckpoints(featureId: string) {
    return locate(this.registry, featureId).orch.listCheckpoints(featureId);
  }

  async changes(featureId: string, range: DiffRange) {
    const { orch } = locate(this.registry, featureId);
    const files = await orch.changedFiles(featureId, range.from, range.to);
    return { files, violations: orch.violationsAt(featureId, range.to) };
  }

  async readBlob(featureId: string, at: SnapshotRef, relPath: string, maxBytes: number): Promise<BlobRead | undefined> {
    const { orch } = locate(this.registry, featureId);
    if (at === 'worktree') {
      const abs = resolveInside(this.worktreeOf(orch, featureId), relPath);
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
    const data = await orch.readFileAt(featureId, at === 'base' ? 'base' : at, relPath);
    return data ? { size: data.length, bytes: data.subarray(0, maxBytes) } : undefined;
  }

  async events(featureId: string, filter: { types?: readonly AopEvent['t'][]; limit: number }): Promise<AopEvent[]> {
    const all = await locate(this.registry, featureId).orch.events(featureId);
    const types = filter.types ? new Set(filter.types) : undefined;
    const picked = types ? all.filter((e) => types.has(e.t)) : all;
    return picked.slice(-filter.limit);
  }

  async worktreePath(featureId: string): Promise<string> {
    return this.worktreeOf(locate(this.registry, featureId).orch, featureId);
  }

  private worktreeOf(orch: Orchestrator, featureId: string): string {
    const wt = orch.summary(featureId).worktree;
    if (!wt) throw new AopError('NOT_FOUND', `Feature "${featureId}" has no worktree (it is a draft).`);
    return wt;
  }

  /** Every appended event of every active feature, plus header changes. */
  onDidChange(listener: (change: ReviewChange) => void): IDisposable {
    const sub = this.registry.onDidChange(({ change }) => {
      if (change.kind === 'log') listener({ featureId: change.featureId, event: change.event });
      else if (change.kind === 'agent' || change.kind === 'feature' || change.kind === 'violations') listener({ featureId: change.featureId, feature: true });
    });
    const gates = this.gateService?.onDidChange((ref) => listener({ featureId: ref.featureId, gates: true }));
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

  async accept(featureId: string) {
    const outcome = await this.use.accept(this.find(featureId).ref);
    if (!outcome) return { cancelled: true, summary: 'Accept cancelled.' };
    return { summary: describeAcceptOutcome(featureId, outcome).message };
  }

  async reviewOutside(featureId: string, p: string, area: 'git' | 'checkout' | 'plan') {
    const review = this.use.reviewOutside;
    if (!review) throw new AopError('NOT_FOUND', 'Reviewing changes outside the worktree is not available in this build.');
    await review(this.find(featureId).ref, p, area);
    return { summary: '' };
  }

  async runGates(featureId: string, names: readonly string[]) {
    const runs = await this.use.service.run(this.find(featureId).ref, names);
    if (runs.length === 0) return { summary: 'This feature has no gates: add them under `gates:` in its plan.yaml.' };
    const failed = runs.filter((r) => !r.passed).map((r) => r.name);
    const seq = runs[runs.length - 1]!.seq;
    return { summary: failed.length ? `Gates on #${seq}: ${runs.length - failed.length} passed, ${failed.length} failed (${failed.join(', ')})` : `Gates on #${seq}: all ${runs.length} passed` };
  }

  async openGateOutput(featureId: string, name: string) {
    await this.use.showOutput(this.find(featureId).ref, name);
  }

  private find(featureId: string) {
    return locate(this.registry, featureId);
  }

  private summary(r: RollbackResult, what: string): ActionResult {
    const left = describeLeftInPlace(r);
    return { summary: `${what}: ${r.paths.length} file(s) changed${left ? `; ${left}` : ''}` };
  }

  async rollbackToCheckpoint(featureId: string, seq: number) {
    const r = await this.find(featureId).orch.rollbackToCheckpoint(featureId, seq);
    return this.summary(r, `Rolled back to #${seq}`);
  }

  async rollbackFiles(featureId: string, seq: number | 'base', paths: readonly string[]) {
    const r = await this.find(featureId).orch.rollbackFiles(featureId, seq === 'base' ? 0 : seq, [...paths]);
    return this.summary(r, `Restored from ${seq === 'base' ? 'base' : `#${seq}`}`);
  }

  async smartRollback(featureId: string) {
    const r = await this.find(featureId).orch.smartRollback(featureId);
    return this.summary(r, 'Smart rollback');
  }

  async undoRollback(featureId: string) {
    const r = await this.find(featureId).orch.undoRollback(featureId);
    return this.summary(r, 'Undid the last rollback');
  }

  async previewRollback(featureId: string, r: Parameters<ReviewActions['previewRollback']>[1]) {
    const { orch } = this.find(featureId);
    if (r.kind === 'smart') return orch.previewRollback(featureId, 'smart');
    if (r.kind === 'checkpoint') return orch.previewRollback(featureId, 'checkpoint', r.seq);
    return orch.previewRollback(featureId, 'files', r.seq === 'base' ? 0 : r.seq, [...r.paths]);
  }

  async start(featureId: string) {
    // The core refuses an untrusted workspace (UNTRUSTED); the terminal follows the 'agent' change.
    const { orch, ref } = this.find(featureId);
    const chosen = orch.summary(featureId).provider;
    await orch.startAgent(featureId, chosen ? undefined : { provider: this.defaultProvider(ref) });
  }

  async pause(featureId: string) {
    this.find(featureId).orch.pauseAgent(featureId);
  }

  async resume(featureId: string) {
    this.find(featureId).orch.resumeAgent(featureId);
  }

  async stop(featureId: string) {
    await this.find(featureId).orch.stopAgent(featureId);
  }

  async sendMessage(featureId: string, text: string) {
    const m = this.find(featureId).orch.sendMessage(featureId, text);
    return { summary: `Message ${m.id} queued` };
  }

  async checkpointNow(featureId: string) {
    const rec = await this.find(featureId).orch.checkpointNow(featureId);
    return { summary: rec ? `Checkpoint #${rec.seq}: ${rec.files.length} file(s)` : 'Nothing changed since the last checkpoint' };
  }

  async openNativeDiff(featureId: string, path: string, from: number | 'base', to: number | 'worktree') {
    await this.diffs.open(this.find(featureId).ref, from, to, path);
  }
}
