/**
 * The host half of the review panel, free of `vscode` so it runs in plain-Node tests: the
 * request plumbing of ./requestEndpoint.ts, the typed handlers of ./reviewRequests.ts, and the
 * snapshot-then-live stream of ./reviewStream.ts. Nothing is posted until the webview says
 * `ready`; every `ready` gets a fresh snapshot.
 */
import type { FeatureRef } from '../../shared/featureKey';
import { LIMITS } from '../../shared/limits';
import type { HostToWebview } from '../../shared/protocol';
import type { PanelLogger, ReviewActions, ReviewDataSource, ReviewHostUi, WebviewPort } from './ports';
import { RequestEndpoint, type Handlers } from './requestEndpoint';
import { ReviewRequests } from './reviewRequests';
import { ReviewStream } from './reviewStream';

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

export class ReviewController extends RequestEndpoint {
  private readonly stream: ReviewStream;
  protected readonly handlers: Handlers;

  readonly featureId: string;

  constructor(
    readonly feature: FeatureRef,
    port: WebviewPort,
    options: ReviewControllerOptions,
  ) {
    super(`Review panel ${feature.featureId}`, port, options.logger);
    this.featureId = feature.featureId;
    this.stream = new ReviewStream({ feature, data: options.data, post: (m) => this.post(m), log: options.logger, coalesceMs: options.coalesceMs ?? 50 });
    this._register(this.stream);
    this.handlers = new ReviewRequests({
      feature,
      data: options.data,
      actions: options.actions,
      ui: options.ui,
      log: options.logger,
      stream: this.stream,
      confirmListMax: options.confirmListMax ?? LIMITS.confirmList,
    }).handlers;
    this._register(options.data.onDidChange((c) => this.stream.change(c)));
  }

  /** The panel was hidden: its webview is gone until the next `ready`. */
  setVisible(visible: boolean): void {
    if (!visible) this.stream.hidden();
  }

  protected onReady(): void {
    void this.stream.snapshot();
  }

  protected override onPostRefused(): void {
    this.stream.stale();
    this.post({ type: 'error', message: `The panel missed a change of feature "${this.featureId}" (details in the Agent Orchestrator log). Reload to see the current state.` } satisfies HostToWebview);
  }

  /** Resolves once queued live updates have been posted (for tests and orderly shutdown). */
  whenIdle(): Promise<void> {
    return this.stream.whenIdle();
  }
}
