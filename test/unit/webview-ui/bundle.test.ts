/** The webview bundle builds for the browser, with nothing from core or Node inside it. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(__dirname, '../../..');

describe('webview-ui bundle', () => {
  it('bundles main.ts for the browser without Node built-ins or core run-time code', async () => {
    const result = await esbuild.build({
      entryPoints: [path.join(root, 'webview-ui/src/main.ts')],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      outdir: '/nonexistent',
      loader: { '.ttf': 'file' },
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.deepEqual(inputs.filter((i) => i.includes('src/core/') || i.startsWith('node:') || i.includes('src/vscode/')), []);
    assert.ok(inputs.some((i) => i.includes('@vscode-elements/elements')));
  });

  it('builds its DOM without HTML strings, inline handlers or inline styles', () => {
    const dir = path.join(root, 'webview-ui/src');
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      // Code only: comments may name what the code avoids.
      const src = fs.readFileSync(path.join(dir, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      assert.doesNotMatch(src, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/, f);
      assert.doesNotMatch(src, /setAttribute\(\s*['"](style|on\w+)['"]/, f);
      assert.doesNotMatch(src, /['"]on[a-z]+['"]\s*:/, `${f}: no on* attributes through h()`);
    }
  });
});
