/**
 * src/shared runs in the webview: bundling it for the browser must need no Node module and no
 * run-time code from core (type imports are erased), or the panel would break at load.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(__dirname, '../../..');

describe('shared is browser-safe', () => {
  it('bundles for the browser with no Node built-ins and nothing from core at run time', async () => {
    const dir = path.join(root, 'src/shared');
    const entryPoints = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
    assert.ok(entryPoints.length >= 5);
    const result = await esbuild.build({ entryPoints, bundle: true, write: false, platform: 'browser', format: 'esm', outdir: '/nonexistent', metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    assert.deepEqual(inputs.filter((i) => i.includes('src/core/') || i.startsWith('node:')), []);
    assert.ok(inputs.some((i) => i.includes('src/shared/protocol.ts')));
  });
});
