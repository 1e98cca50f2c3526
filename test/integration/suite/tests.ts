/**
 * Every integration test file, loaded lazily by index.ts after mocha has set up its globals.
 * Add a line for each new `*.test.ts` here (the launcher fails the run if a file on disk is missing).
 * Static `import()` paths keep the files inside the esbuild bundle.
 */
export const TEST_MODULES: ReadonlyArray<readonly [file: string, load: () => Promise<unknown>]> = [
  ['activation.test.ts', () => import('./activation.test')],
  ['tree.test.ts', () => import('./tree.test')],
  ['diagnostics.test.ts', () => import('./diagnostics.test')],
  ['rollback.test.ts', () => import('./rollback.test')],
  ['agentControl.test.ts', () => import('./agentControl.test')],
  ['surfaces.test.ts', () => import('./surfaces.test')],
  ['gates.test.ts', () => import('./gates.test')],
  ['collisions.test.ts', () => import('./collisions.test')],
  ['demo.test.ts', () => import('./demo.test')],
  ['plans.test.ts', () => import('./plans.test')],
  ['agentSetup.test.ts', () => import('./agentSetup.test')],
  ['featureLife.test.ts', () => import('./featureLife.test')],
  ['realAgent.test.ts', () => import('./realAgent.test')],
  ['outside.test.ts', () => import('./outside.test')],
  ['supervision.test.ts', () => import('./supervision.test')],
  ['planSave.test.ts', () => import('./planSave.test')],
  ['sandboxRow.test.ts', () => import('./sandboxRow.test')],
  ['openPlan.test.ts', () => import('./openPlan.test')],
];
