/** The JSON file the in-host suite writes for the launcher (test/integration/run.mjs) to read. */

/** Environment variable naming the result file; the extension host inherits it from code-server. */
export const RESULT_FILE_ENV = 'AOP_TEST_RESULT';
/** Optional regexp: run only tests whose full title matches. */
export const GREP_ENV = 'AOP_TEST_GREP';

export interface TestOutcome {
  fullTitle: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: { message: string; stack?: string };
}

export interface SuiteResult {
  /** Test files the suite loaded (the launcher compares them with the files on disk). */
  files: string[];
  passed: number;
  failed: number;
  pending: number;
  durationMs: number;
  tests: TestOutcome[];
  /** Spec-style lines, ready to print. */
  lines: string[];
  /** Set when the suite itself could not run (a load error, not a test failure). */
  fatal?: string;
}
