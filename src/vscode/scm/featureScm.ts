/**
 * Each active feature as a source control provider: its files changed since the base (from the
 * checkpoint head, which the watchdog keeps current), a quick-diff original at the base, and an
 * input box that sends a message to the feature's agent.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FileChange } from '../../core/model';
import { errorMessage } from '../../core/util';
import { checkpointUri } from '../content/checkpointUri';
import { COMMANDS } from '../ids';
import type { FeatureRef, Registry } from '../workspace/registry';
import { featureKey, refKey } from '../../shared/featureKey';

const STATUS_TEXT: Record<FileChange['status'], string> = { A: 'Added', M: 'Modified', D: 'Deleted', T: 'Type changed' };

class FeatureSourceControl implements vscode.Disposable {
  readonly scm: vscode.SourceControl;
  readonly group: vscode.SourceControlResourceGroup;
  private updating: Promise<void> = Promise.resolve();
  private again = false;
  private busy = false;

  constructor(
    readonly ref: FeatureRef,
    readonly worktree: string,
    private readonly registry: Registry,
    private readonly log: vscode.LogOutputChannel,
  ) {
    // Labelled apart from git's own provider for the same worktree (both are titled by the folder).
    this.scm = vscode.scm.createSourceControl('aop', `${ref.featureId} (agent)`, vscode.Uri.file(worktree));
    this.group = this.scm.createResourceGroup('changes', `${ref.featureId} changes since base`);
    this.group.hideWhenEmpty = false;
    this.scm.inputBox.placeholder = `Message to the agent of ${ref.featureId} (Ctrl+Enter to send)`;
    this.scm.acceptInputCommand = { command: COMMANDS.sendMessage, title: 'Send to Agent', arguments: [{ ...ref, fromScmInput: true }] };
    this.scm.quickDiffProvider = {
      provideOriginalResource: (uri) => {
        const rel = path.relative(worktree, uri.fsPath);
        if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
        return checkpointUri({ ...ref, at: 'base', relPath: rel.split(path.sep).join('/') });
      },
    };
  }

  /** Recomputes the change list; calls during an update run once more afterwards. */
  update(): Promise<void> {
    if (this.busy) {
      this.again = true;
      return this.updating;
    }
    this.busy = true;
    this.updating = (async () => {
      do {
        this.again = false;
        try {
          const changes = await this.registry.resolve(this.ref).cumulativeChanges(this.ref.featureId);
          this.apply(changes.filter((c) => !c.ignored));
        } catch (e) {
          this.log.warn(`source control for ${this.ref.featureId}: ${errorMessage(e)}`);
        }
      } while (this.again);
      this.busy = false;
    })();
    return this.updating;
  }

  private apply(changes: FileChange[]): void {
    this.group.resourceStates = changes
      .sort((a, b) => a.path.localeCompare(b.path))
      .map((c) => {
        const uri = vscode.Uri.file(path.join(this.worktree, ...c.path.split('/')));
        const base = checkpointUri({ ...this.ref, at: 'base', relPath: c.path });
        const right = c.status === 'D' ? checkpointUri({ ...this.ref, at: this.headSeq(), relPath: c.path }) : uri;
        return {
          // Named by a worktree-relative URI: rows then say "src", not the worktree's absolute path.
          resourceUri: vscode.Uri.from({ scheme: 'aop-worktree', authority: this.ref.featureId, path: `/${c.path}` }),
          decorations: { strikeThrough: c.status === 'D', tooltip: STATUS_TEXT[c.status], faded: false },
          command: { command: 'vscode.diff', title: 'Open Changes', arguments: [base, right, `${path.posix.basename(c.path)} (base ↔ ${this.ref.featureId})`] },
          contextValue: `aopChange+${c.status}`,
        };
      });
    this.scm.count = changes.length;
  }

  private headSeq(): number {
    return this.registry.resolve(this.ref).summary(this.ref.featureId).lastCheckpoint?.seq ?? 0;
  }

  dispose(): void {
    this.scm.dispose();
  }
}

export class FeatureScmManager implements vscode.Disposable {
  private readonly controls = new Map<string, FeatureSourceControl>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly registry: Registry,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subs.push(
      registry.onDidChange(({ repoRoot, change }) => {
        if (change.kind === 'features') this.sync();
        else if (change.featureId && (change.kind === 'checkpoint' || change.kind === 'violations')) void this.controls.get(featureKey(repoRoot, change.featureId))?.update();
      }),
      registry.onDidChangeRepositories(() => this.sync()),
    );
    this.sync();
  }

  /** Source controls for the active features; those of deleted features go away. */
  sync(): void {
    const live = new Set<string>();
    for (const orch of this.registry.repositories()) {
      for (const f of orch.list()) {
        if (f.status !== 'active' || !f.worktree) continue;
        const k = featureKey(orch.repoRoot, f.id);
        live.add(k);
        if (!this.controls.has(k)) {
          const c = new FeatureSourceControl({ repoRoot: orch.repoRoot, featureId: f.id }, f.worktree, this.registry, this.log);
          this.controls.set(k, c);
          void c.update();
        }
      }
    }
    for (const [k, c] of [...this.controls]) {
      if (!live.has(k)) {
        c.dispose();
        this.controls.delete(k);
      }
    }
  }

  get(ref: FeatureRef): vscode.SourceControl | undefined {
    return this.controls.get(refKey(ref))?.scm;
  }

  /** The feature's change group as the Source Control view shows it (tests). */
  changes(ref: FeatureRef): vscode.SourceControlResourceGroup | undefined {
    return this.controls.get(refKey(ref))?.group;
  }

  /** Waits for pending updates (tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.controls.values()].map((c) => c.update()));
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    for (const c of this.controls.values()) c.dispose();
    this.controls.clear();
  }
}
