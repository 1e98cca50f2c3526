import { strict as assert } from 'node:assert';
import { buildReviewHtml, contentSecurityPolicy, makeNonce } from '../../../../src/vscode/webview/html';

const opts = (nonce = makeNonce()) => ({
  cspSource: 'https://*.vscode-cdn.net',
  nonce,
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/webview-ui/build/main.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/webview-ui/build/main.css',
  codiconUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/webview-ui/build/codicon.css',
  title: 'Review: <feat>',
});

describe('webview/html: the panel page', () => {
  it('emits a strict CSP with a nonce for scripts and the webview source for styles and fonts', () => {
    const nonce = makeNonce();
    const html = buildReviewHtml(opts(nonce));
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    assert.ok(csp, 'has a CSP meta tag');
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
    assert.equal(directives['default-src'], "'none'");
    assert.equal(directives['script-src'], `'nonce-${nonce}'`);
    assert.equal(directives['style-src'], 'https://*.vscode-cdn.net');
    assert.equal(directives['font-src'], 'https://*.vscode-cdn.net');
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
  });

  it('loads scripts only with the nonce, and has no inline handlers, styles or scripts', () => {
    const nonce = makeNonce();
    const html = buildReviewHtml(opts(nonce));
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.equal(scripts.length, 1);
    for (const s of scripts) {
      assert.ok(s.includes(`nonce="${nonce}"`), s);
      assert.match(s, /src="[^"]+main\.js"/);
    }
    assert.doesNotMatch(html, /\son\w+\s*=/i, 'no inline event handlers');
    assert.doesNotMatch(html, /\sstyle\s*=/i, 'no inline style attributes');
    assert.doesNotMatch(html, /<style\b/i, 'no inline style elements');
    assert.doesNotMatch(html, /<script\b[^>]*>[^<]+<\/script>/, 'no inline script bodies');
    assert.match(html, /<link rel="stylesheet" href="[^"]+codicon\.css" id="vscode-codicon-stylesheet">/);
  });

  it('uses a fresh nonce each render and escapes what it interpolates', () => {
    assert.notEqual(makeNonce(), makeNonce());
    assert.match(makeNonce(), /^[A-Za-z0-9+/]{22}==$/);
    const html = buildReviewHtml(opts());
    assert.ok(html.includes('<title>Review: &lt;feat&gt;</title>'));
    assert.throws(() => buildReviewHtml({ ...opts(), nonce: 'short' }), /nonce/);
    assert.throws(() => buildReviewHtml({ ...opts(), scriptUri: 'x', cspSource: "https://x; script-src 'unsafe-inline'" }), /CSP source/);
  });

  it('builds the policy from its parts', () => {
    assert.equal(
      contentSecurityPolicy('vscode-resource:', 'abc'),
      "default-src 'none'; style-src vscode-resource:; font-src vscode-resource:; img-src vscode-resource: data:; script-src 'nonce-abc'; base-uri 'none'; form-action 'none'",
    );
  });
});
