/** The review panel: one webview per feature, backed by injected data and actions. */
export { ReviewPanel, ReviewPanelManager, REVIEW_VIEW_TYPE, reviewResourceRoots, type ReviewPanelDeps } from './reviewPanel';
export { ReviewController, type ReviewControllerOptions } from './reviewController';
export type { ActionResult, BlobRead, PanelLogger, ReviewActions, ReviewChange, ReviewDataSource, ReviewHostUi, SnapshotRef, WebviewPort } from './ports';
export { Disposable, toDisposable, type IDisposable } from './disposable';
export { buildReviewHtml, contentSecurityPolicy, makeNonce } from './html';
