// Bundles the extension host code and the review panel's front end.
// Usage: node esbuild.mjs [--watch] [--production]
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    entryPoints: ['src/extension.ts'],
    outfile: 'out/extension.js',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // vscode is provided by the host; the native watcher loads its own prebuilt binary at run time.
    external: ['vscode', '@parcel/watcher'],
    sourcemap: !production,
    minify: production,
  },
  // The built-in scripted agent (offline demos and tests); the extension runs it as `node out/scripted-agent.js`.
  {
    entryPoints: ['src/core/agents/scripted/main.ts'],
    outfile: 'out/scripted-agent.js',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: !production,
    minify: production,
  },
  // The review panel's front end (webview-ui/src) with its styles and the codicon font, for the browser.
  {
    entryPoints: { main: 'webview-ui/src/main.ts', codicon: 'webview-ui/src/codicon.css' },
    outdir: 'webview-ui/build',
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'esm',
    loader: { '.ttf': 'file' },
    assetNames: '[name]',
    sourcemap: !production,
    minify: production,
  },
  // The integration suite the extension host loads (test/integration/run.mjs); mocha is bundled in.
  ...(production
    ? []
    : [
        {
          entryPoints: ['test/integration/suite/index.ts'],
          outfile: 'out/test/suite/index.js',
          bundle: true,
          platform: 'node',
          target: 'node20',
          format: 'cjs',
          external: ['vscode'],
          sourcemap: true,
          // mocha's parallel mode resolves worker files at run time; the suite runs serially.
          logOverride: { 'require-resolve-not-external': 'silent' },
        },
      ]),
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
