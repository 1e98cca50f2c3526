/**
 * The review panel in VS Code: one webview panel per feature (revealed if already open),
 * restored after a reload by a WebviewPanelSerializer, with resources limited to the built
 * bundle and media/. All behaviour lives in ReviewController; this file only adapts VS Code.
 */
import * as vscode from 'vscode';
import { assertFeatureId, errorMessage } from '../../core/util';
import { refKey, type FeatureRef } from '../../shared/featureKey';
import { persistedStateSchema } from '../../shared/protocol';
import { Disposable } from './disposable';
import { buildReviewHtml, makeNonce } from './html';
import type { PanelLogger, ReviewActions, ReviewDataSource, ReviewHostUi } from './ports';
import { ReviewController } from './reviewController';

export const REVIEW_VIEW_TYPE = 'aop.review';

export interface ReviewPanelDeps {
  extensionUri: vscode.Uri;
  /** A panel restored after a reload knows only its feature's id: the feature it names (refused when unknown or ambiguous). */
  refOf(featureId: string): Promise<FeatureRef>;
  data: ReviewDataSource;
  actions: ReviewActions;
  logger: PanelLogger;
}

/** The only folders the webview may load from. */
export function reviewResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'webview-ui', 'build'), vscode.Uri.joinPath(extensionUri, 'media')];
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, enableForms: false, enableCommandUris: false, localResourceRoots: reviewResourceRoots(extensionUri) };
}

const hostUi: ReviewHostUi = {
  async confirm(message, detail, confirmLabel) {
    const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, confirmLabel);
    return choice === confirmLabel;
  },
  async openFile(absolutePath, line) {
    const pos = line ? new vscode.Position(line - 1, 0) : undefined;
    await vscode.window.showTextDocument(vscode.Uri.file(absolutePath), {
      preview: true,
      viewColumn: vscode.ViewColumn.Beside,
      ...(pos ? { selection: new vscode.Range(pos, pos) } : {}),
    });
  },
};

export class ReviewPanel extends Disposable {
  private readonly controller: ReviewController;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly feature: FeatureRef,
    deps: ReviewPanelDeps,
  ) {
    super();
    const featureId = feature.featureId;
    this._register({ dispose: () => panel.dispose() });
    const webview = panel.webview;
    webview.options = webviewOptions(deps.extensionUri);
    panel.title = `Review: ${featureId}`;
    this.controller = this._register(new ReviewController(feature, webview, { data: deps.data, actions: deps.actions, ui: hostUi, logger: deps.logger }));
    this._register(panel.onDidChangeViewState(() => this.controller.setVisible(panel.visible)));
    const build = vscode.Uri.joinPath(deps.extensionUri, 'webview-ui', 'build');
    webview.html = buildReviewHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(build, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(build, 'main.css')).toString(),
      codiconUri: webview.asWebviewUri(vscode.Uri.joinPath(build, 'codicon.css')).toString(),
      title: `Review: ${featureId}`,
    });
  }

  reveal(): void {
    this.panel.reveal();
  }
}

/** Opens, reveals and restores review panels; one per feature (repository + id). */
export class ReviewPanelManager extends Disposable {
  private readonly panels = new Map<string, ReviewPanel>();

  constructor(private readonly deps: ReviewPanelDeps) {
    super();
    this._register({ dispose: () => [...this.panels.values()].forEach((p) => p.dispose()) });
  }

  /** Shows the feature's panel, creating it if needed. */
  show(ref: FeatureRef, column: vscode.ViewColumn = vscode.ViewColumn.Active): ReviewPanel {
    const feature = { repoRoot: ref.repoRoot, featureId: assertFeatureId(ref.featureId) };
    const open = this.panels.get(refKey(feature));
    if (open) {
      open.reveal();
      return open;
    }
    const panel = vscode.window.createWebviewPanel(REVIEW_VIEW_TYPE, `Review: ${feature.featureId}`, column, { ...webviewOptions(this.deps.extensionUri), enableFindWidget: true });
    return this.adopt(panel, feature);
  }

  get(ref: FeatureRef): ReviewPanel | undefined {
    return this.panels.get(refKey(ref));
  }

  /** Closes the feature's panel, e.g. when the feature is deleted. */
  close(ref: FeatureRef): void {
    this.panels.get(refKey(ref))?.dispose();
  }

  /** Registers the serializer that restores panels after a window reload; call during activation. */
  registerSerializer(): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(REVIEW_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        const parsed = persistedStateSchema.safeParse(state);
        if (!parsed.success) {
          this.deps.logger.warn('Review panel: no valid saved state to restore; closing it.');
          panel.dispose();
          return;
        }
        const id = parsed.data.featureId;
        try {
          const ref = await this.deps.refOf(id);
          if (this.panels.has(refKey(ref))) {
            // A second restored panel for the same feature: keep one per feature.
            panel.dispose();
            return;
          }
          this.adopt(panel, ref);
        } catch (err) {
          this.deps.logger.warn(`Review panel ${id}: could not restore: ${errorMessage(err)}`);
          panel.dispose();
        }
      },
    });
  }

  private adopt(panel: vscode.WebviewPanel, ref: FeatureRef): ReviewPanel {
    const key = refKey(ref);
    const review = new ReviewPanel(panel, ref, this.deps);
    this.panels.set(key, review);
    // Closing the editor tab disposes the panel; the review panel then releases everything.
    const sub = panel.onDidDispose(() => {
      sub.dispose();
      if (this.panels.get(key) === review) this.panels.delete(key);
      review.dispose();
    });
    return review;
  }
}
