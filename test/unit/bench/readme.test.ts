/**
 * Every figure in the READMEs' benchmark sections comes from the committed bench results:
 * rendering bench/results/latest.json again must give exactly what the READMEs and the chart say.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchReport } from '../../../bench/bench';
import { readmeSections, svgCaption } from '../../../bench/run';
import { checkpointSvg } from '../../../bench/lib/svg';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function between(file: string, start: string, end: string): string {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  assert.ok(a >= 0 && b > a, `${file} has its ${start} and ${end} markers`);
  return text.slice(a + start.length, b).trim();
}

describe('bench: the READMEs say what the committed results say', () => {
  const report = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench', 'results', 'latest.json'), 'utf8')) as BenchReport;
  const expected = readmeSections(report);

  it('README.md benchmark summary (machine, every target with PASS or MISS, the chart)', () => {
    assert.equal(between('README.md', '<!-- bench:summary:start -->', '<!-- bench:summary:end -->'), expected.summary.trim());
  });

  it('bench/README.md results tables', () => {
    assert.equal(between('bench/README.md', '<!-- bench:results:start -->', '<!-- bench:results:end -->').split('\n#### Re-run of ')[0]!.trim(), expected.results.trim());
  });

  it('the chart', () => {
    const svg = fs.readFileSync(path.join(ROOT, 'bench', 'results', 'checkpoint-latency.svg'), 'utf8');
    assert.equal(svg, checkpointSvg(report.checkpoint?.cells ?? [], svgCaption(report)));
  });
});
