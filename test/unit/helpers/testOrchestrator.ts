/**
 * An orchestrator for tests: no periodic reconciliation and no main-checkout watch unless the
 * test asks (both add background work a test does not wait for).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Orchestrator, type OrchestratorOptions } from '../../../src/core/orchestrator';
import type { FeatureLifecycle } from '../../../src/core/orchestrator/featureLifecycle';
import type { FeatureRuntime } from '../../../src/core/orchestrator/featureRuntime';
import { makeTempRepo, type TempRepo } from './tempRepo';

type TestOptions = Omit<OrchestratorOptions, 'repoRoot'>;

export function testOrchestrator(repoRoot: string, o: TestOptions = {}): Promise<Orchestrator> {
  return Orchestrator.open({ ...o, repoRoot, settings: { reconcileIntervalMs: 0, watchMainCheckout: false, ...o.settings } });
}

/** A suite's repository and orchestrator, fresh for each test (see `useTestOrchestrator`). */
export interface OrchestratorFixture {
  readonly repo: TempRepo;
  readonly orch: Orchestrator;
  /** Writes a scripted agent's steps (YAML) beside the repository, outside it; returns the file. */
  script(name: string, yaml: string): string;
  /**
   * A restart: disposes the orchestrator, runs `whileClosed` (a change made while it is down), and
   * opens a new one on the same repository (with other options when given).
   */
  reopen(options?: TestOptions, whileClosed?: () => void): Promise<Orchestrator>;
}

/**
 * Declares the hooks of a suite that runs one orchestrator per test (call it inside `describe`,
 * before the suite's own hooks): before each test a repository holding `files` (then `prepare`,
 * e.g. more commits or branches) and `testOrchestrator` on it; after each, both are gone.
 */
export function useTestOrchestrator(
  o: { files?: Record<string, string>; prepare?: (repo: TempRepo) => void; options?: TestOptions } = {},
): OrchestratorFixture {
  let repo: TempRepo | undefined;
  let orch: Orchestrator | undefined;
  const f: OrchestratorFixture = {
    get repo() {
      if (!repo) throw new Error('the test repository exists only while a test runs');
      return repo;
    },
    get orch() {
      if (!orch) throw new Error('the test orchestrator exists only while a test runs');
      return orch;
    },
    script(name, yaml) {
      const file = path.join(f.repo.dir, '..', name);
      fs.writeFileSync(file, yaml);
      return file;
    },
    async reopen(options = o.options, whileClosed) {
      await orch?.dispose();
      orch = undefined;
      whileClosed?.();
      orch = await testOrchestrator(f.repo.dir, options);
      return orch;
    },
  };
  beforeEach(async () => {
    repo = makeTempRepo(o.files ?? { 'README.md': '# r\n', 'src/a.ts': 'a1\n' });
    o.prepare?.(repo);
    orch = await testOrchestrator(repo.dir, o.options);
  });
  afterEach(async () => {
    try {
      await orch?.dispose();
    } finally {
      repo?.cleanup();
      orch = repo = undefined;
    }
  });
  return f;
}

/**
 * A feature's runtime, for the few white-box tests that must observe inside an operation (e.g.
 * the agent's process state while a rollback rewrites its worktree). The surfaces never get one.
 */
export function featureRuntimeOf(orch: Orchestrator, id: string): FeatureRuntime {
  return (orch as unknown as { features: FeatureLifecycle }).features.feature(id);
}
