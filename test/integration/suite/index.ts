/**
 * Test entry the extension host loads (`extensionTestsPath`): runs every integration test with
 * mocha inside the real VS Code and writes a JSON result for the launcher.
 * Bundled with mocha by esbuild into out/test/suite/index.js (mocha 12 is ESM; bundling also
 * keeps it loadable in an Electron host whose Node cannot require ESM).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { GREP_ENV, RESULT_FILE_ENV, type SuiteResult, type TestOutcome } from './result';
import { TEST_MODULES } from './tests';

const { EVENT_SUITE_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

/** Collects outcomes and spec-style lines; prints the lines to the extension host's console too. */
function recordingReporter(result: SuiteResult) {
  return class Recorder extends Mocha.reporters.Base {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
      super(runner, options);
      let depth = 0;
      const say = (line: string) => {
        result.lines.push(line);
        console.log(line);
      };
      runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
        if (suite.root) return;
        depth = suite.titlePath().length;
        say(`${'  '.repeat(depth)}${suite.title}`);
      });
      const pad = () => '  '.repeat(depth + 1);
      runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => {
        result.tests.push({ fullTitle: test.fullTitle(), state: 'passed', durationMs: test.duration });
        say(`${pad()}✔ ${test.title} (${test.duration ?? 0} ms)`);
      });
      runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => {
        result.tests.push({ fullTitle: test.fullTitle(), state: 'pending' });
        say(`${pad()}- ${test.title} (pending)`);
      });
      runner.on(EVENT_TEST_FAIL, (test: Mocha.Test, err: Error) => {
        const outcome: TestOutcome = { fullTitle: test.fullTitle(), state: 'failed', error: { message: String(err?.message ?? err), stack: err?.stack } };
        result.tests.push(outcome);
        say(`${pad()}✘ ${test.title}`);
        for (const l of String(err?.stack ?? err).split('\n')) say(`${pad()}    ${l}`);
      });
    }
  };
}

function writeResult(result: SuiteResult): void {
  const file = process.env[RESULT_FILE_ENV];
  if (!file) {
    console.error(`${RESULT_FILE_ENV} is not set; the launcher will not see these results`);
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(result, null, 2));
  fs.renameSync(tmp, file); // the launcher polls for the file: it must appear complete
}

export async function run(): Promise<void> {
  const started = Date.now();
  // Stack traces point at test sources rather than the bundle.
  process.setSourceMapsEnabled(true);
  const result: SuiteResult = { files: [], passed: 0, failed: 0, pending: 0, durationMs: 0, tests: [], lines: [] };
  try {
    const grep = process.env[GREP_ENV];
    const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: recordingReporter(result), ...(grep ? { grep: new RegExp(grep) } : {}) });
    // Sets describe/it/before... as globals for the files loaded below.
    mocha.suite.emit('pre-require', globalThis, 'aop-integration', mocha);
    for (const [file, load] of TEST_MODULES) {
      await load();
      result.files.push(file);
    }
    await new Promise<void>((resolve) => mocha.run(() => resolve()));
  } catch (err) {
    result.fatal = err instanceof Error ? (err.stack ?? err.message) : String(err);
  }
  result.passed = result.tests.filter((t) => t.state === 'passed').length;
  result.failed = result.tests.filter((t) => t.state === 'failed').length;
  result.pending = result.tests.filter((t) => t.state === 'pending').length;
  result.durationMs = Date.now() - started;
  writeResult(result);
  // A rejection makes the desktop runner (@vscode/test-electron) exit non-zero as well.
  if (result.fatal) throw new Error(`integration suite could not run: ${result.fatal}`);
  if (result.failed > 0) throw new Error(`${result.failed} integration test(s) failed`);
}
