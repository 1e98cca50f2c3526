/**
 * The review panel's HTML: a strict CSP (nothing by default, scripts only with a fresh nonce,
 * styles and fonts only from the extension's own webview resources), no inline handlers or
 * styles; the bundle builds everything else.
 */
import { randomBytes } from 'node:crypto';

export interface ReviewHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  nonce: string;
  /** Webview URIs (`asWebviewUri`) of the built bundle. */
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
  title: string;
}

/** A fresh nonce for each render: 128 random bits. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Escapes text and double-quoted attribute values (single quotes stay readable in the CSP). */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function buildReviewHtml(o: ReviewHtmlOptions): string {
  if (!/^[A-Za-z0-9+/_-]{16,}={0,2}$/.test(o.nonce)) throw new Error('A CSP nonce must be at least 16 base64 characters.');
  // A ';' or line break would let the source add directives of its own.
  if (/[;\r\n]/.test(o.cspSource)) throw new Error('Unexpected characters in the webview CSP source.');
  const e = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${e(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${e(o.codiconUri)}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${e(o.styleUri)}">
<title>${e(o.title)}</title>
</head>
<body>
<div id="app" class="app" aria-busy="true"><p class="loading">Loading review…</p></div>
<script type="module" nonce="${e(o.nonce)}" src="${e(o.scriptUri)}"></script>
</body>
</html>
`;
}
