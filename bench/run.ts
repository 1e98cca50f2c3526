/**
 * `npm run bench` (full) and `npm run bench:quick`: runs the figures, prints the markdown
 * tables, writes bench/results/<date>-<mode>.json and, for a full run of every figure,
 * bench/results/latest.json, bench/results/checkpoint-latency.svg, the results section of
 * bench/README.md and the benchmark summary of the top-level README (both from latest.json).
 *
 *   node --import tsx bench/run.ts [--quick] [--seed N] [--sizes small,medium,large,real]
 *        [--repo PATH] [--only checkpoint,restart,validation,watch,rollback,eventlog,agents,bigcontent,smartrollback,featurestart]
 *        [--watch-backends native,chokidar] [--no-write] [--strict] [--append-readme]
 *   node --import tsx bench/run.ts --readme-only     # rewrite the READMEs from latest.json
 *
 * --repo PATH measures figure 1 (and the restart figure) on an existing repository at its HEAD,
 * through a shared clone: nothing is written into it. Its results are printed and saved, never
 * put in the READMEs.
 *
 * --append-readme adds a partial run's tables (say, figure 1 again at a quieter moment) to the
 * README's results section, under the full run's; the next full run replaces both.
 *
 * --strict exits with 2 when a target is missed (timings on shared CI runners are noisy, so
 * this is opt-in); a figure that fails outright always exits with 1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIGURES, REPO_CHOICES, runBench, type BenchOptions, type BenchReport, type FigureName, type RepoChoice } from './bench';
import { evaluateTargets, renderMarkdown, renderSummary } from './lib/report';
import { BENCH_DIR } from './lib/repos';
import { checkpointSvg } from './lib/svg';
import type { WatcherSetting } from '../src/core/watch';

const RESULTS_DIR = path.join(BENCH_DIR, 'results');
const README = path.join(BENCH_DIR, 'README.md');
const TOP_README = path.join(BENCH_DIR, '..', 'README.md');
const LATEST = path.join(RESULTS_DIR, 'latest.json');
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';
/** How a re-run appended below the results begins. */
const RERUN = '\n#### Re-run of ';
const SUMMARY_START = '<!-- bench:summary:start -->';
const SUMMARY_END = '<!-- bench:summary:end -->';

interface Cli extends BenchOptions {
  write: boolean;
  readmeOnly: boolean;
  strict: boolean;
  /** Add this (partial) run's tables to the README's results, below the full run's (a re-run of a noisy figure). */
  appendReadme: boolean;
}

function parseArgs(argv: string[]): Cli {
  const cli: Cli = { write: true, strict: false, appendReadme: false, readmeOnly: false };
  const list = (v: string | undefined, flag: string) => {
    if (!v) throw new Error(`${flag} needs a value`);
    return v.split(',').map((s) => s.trim()).filter(Boolean);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') cli.quick = true;
    else if (a === '--no-write') cli.write = false;
    else if (a === '--strict') cli.strict = true;
    else if (a === '--append-readme') cli.appendReadme = true;
    else if (a === '--readme-only') cli.readmeOnly = true;
    else if (a === '--repo') {
      const v = argv[++i];
      if (!v) throw new Error('--repo needs a path');
      cli.repoPath = v;
    }
    else if (a === '--seed') cli.seed = Number(argv[++i]);
    else if (a === '--sizes') {
      const sizes = list(argv[++i], a);
      for (const s of sizes) if (!(REPO_CHOICES as readonly string[]).includes(s)) throw new Error(`unknown size ${s}: use ${REPO_CHOICES.join(', ')}`);
      cli.sizes = sizes as RepoChoice[];
    } else if (a === '--only') {
      const figs = list(argv[++i], a);
      for (const f of figs) if (!(FIGURES as readonly string[]).includes(f)) throw new Error(`unknown figure ${f}: use ${FIGURES.join(', ')}`);
      cli.figures = figs as FigureName[];
    } else if (a === '--watch-backends') {
      const b = list(argv[++i], a);
      for (const x of b) if (!['native', 'chokidar', 'polling', 'auto'].includes(x)) throw new Error(`unknown backend ${x}: use native, chokidar, polling, auto`);
      cli.watchBackends = b as WatcherSetting[];
    } else throw new Error(`unknown argument ${a}`);
  }
  if (cli.seed !== undefined && !Number.isSafeInteger(cli.seed)) throw new Error('--seed needs an integer');
  if (cli.repoPath && cli.sizes) throw new Error('--repo and --sizes do not go together');
  return cli;
}

export function svgCaption(r: BenchReport): string {
  const m = r.machine;
  return `${m.date.slice(0, 10)}, ${m.nproc} cores, Node ${m.node}, git ${m.git}; k = changed files per checkpoint`;
}

/** Replaces what stands between two markers in a file; false when the markers are missing. */
function replaceBetween(file: string, start: string, end: string, body: string): boolean {
  const text = fs.readFileSync(file, 'utf8');
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return false;
  fs.writeFileSync(file, text.slice(0, a + start.length) + '\n' + body.trim() + '\n' + text.slice(b));
  return true;
}

/** The two README sections as rendered from a report (what `--readme-only` writes and the README test expects). */
export function readmeSections(report: BenchReport): { results: string; summary: string } {
  return { results: renderMarkdown(report), summary: renderSummary(report, 'bench/results/checkpoint-latency.svg') };
}

/** The re-runs appended below the results (`--append-readme`), as they stand in bench/README.md. */
function appendedReruns(): string {
  const text = fs.readFileSync(README, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return '';
  const inside = text.slice(a, b);
  const at = inside.indexOf(RERUN);
  return at < 0 ? '' : inside.slice(at);
}

/**
 * Rewrites the chart and both READMEs' result sections from a report; returns the files written.
 * `keepReruns` keeps the re-runs appended below the results (rendering the same results again);
 * a new full run replaces them.
 */
export function writeReadmes(report: BenchReport, keepReruns = false): string[] {
  const written: string[] = [];
  fs.writeFileSync(path.join(RESULTS_DIR, 'checkpoint-latency.svg'), checkpointSvg(report.checkpoint?.cells ?? [], svgCaption(report)));
  written.push(path.join(RESULTS_DIR, 'checkpoint-latency.svg'));
  const { results, summary } = readmeSections(report);
  const reruns = keepReruns ? appendedReruns() : '';
  if (replaceBetween(README, START, END, results + (reruns ? '\n' + reruns : ''))) written.push(README);
  if (replaceBetween(TOP_README, SUMMARY_START, SUMMARY_END, summary)) written.push(TOP_README);
  return written;
}

/** Writes the result files; returns their paths. */
export function writeResults(report: BenchReport): string[] {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = report.machine.date.replace(/[:.]/g, '-');
  const json = JSON.stringify({ ...report, targets: evaluateTargets(report) }, null, 2) + '\n';
  const written = [path.join(RESULTS_DIR, `${stamp}-${report.mode}.json`)];
  fs.writeFileSync(written[0]!, json);
  // Only a full run of every figure on the bench's own repositories speaks for the product.
  const complete = report.mode === 'full' && FIGURES.every((f) => report.figures.includes(f)) && !report.repos.some((r) => r.kind === 'external');
  if (complete) {
    fs.writeFileSync(LATEST, json);
    written.push(LATEST, ...writeReadmes(report));
  } else {
    fs.writeFileSync(path.join(RESULTS_DIR, `latest-${report.mode}.json`), json);
  }
  return written;
}

/** The numbers the tables give the figures (bench/README "What is measured"). */
const FIGURE_NUMBER: Record<FigureName, number> = { checkpoint: 1, validation: 2, watch: 3, rollback: 4, eventlog: 5, restart: 6, agents: 7, bigcontent: 8, smartrollback: 9, featurestart: 10 };

export function appendToReadme(report: BenchReport, markdown: string): void {
  const readme = fs.readFileSync(README, 'utf8');
  const b = readme.indexOf(END);
  if (b < 0) throw new Error(`${README} has no ${END} marker`);
  const what = report.repos.map((r) => r.label).join(' and ');
  const figures = (report.figures ?? FIGURES).map((f) => `figure ${FIGURE_NUMBER[f]} (${f})`).join(', ');
  const body = markdown.trim().replace(/^### /gm, '##### ');
  const section = `${RERUN}${figures}: ${what} files, ${report.machine.date.replace('T', ' ').slice(0, 16)} UTC\n\n${body}\n`;
  fs.writeFileSync(README, readme.slice(0, b) + section + readme.slice(b));
}

async function main(): Promise<number> {
  const cli = parseArgs(process.argv.slice(2));
  if (cli.readmeOnly) {
    const report = JSON.parse(fs.readFileSync(LATEST, 'utf8')) as BenchReport;
    for (const f of writeReadmes(report, true)) process.stderr.write(`wrote ${path.relative(process.cwd(), f)}\n`);
    return 0;
  }
  const report = await runBench(cli);
  const markdown = renderMarkdown(report);
  process.stdout.write(markdown + '\n');
  if (cli.write) for (const f of writeResults(report)) process.stderr.write(`wrote ${path.relative(process.cwd(), f)}\n`);
  if (cli.appendReadme) {
    appendToReadme(report, markdown);
    process.stderr.write(`appended to ${path.relative(process.cwd(), README)}\n`);
  }
  if (report.errors.length > 0) return 1;
  if (cli.strict && evaluateTargets(report).some((t) => t.pass === false)) return 2;
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
