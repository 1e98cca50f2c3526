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
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
