/**
 * Figure 9: smart rollback and its preview against the number of violating files (issue 12,
 * point 4). A feature writes N files into a folder the plan forbids; we time the smart rollback's
 * preview and the smart rollback itself, then write the same N files again and time rolling them
 * back to the checkpoint before them: the same files written, the same verification. Each is the
 * whole call (safety checkpoint, writes, verification, result checkpoint), with a live watcher.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makePlan } from '../../src/core/plan';
import { RollbackService } from '../../src/core/rollback/rollbackService';
import { openFeature } from '../lib/feature';
import { gitSync } from '../lib/git';
import type { TargetResult } from '../lib/report';
import { summarize, timed } from '../lib/stats';

/** Medians over `runs` rounds. */
export interface SmartRollbackRow {
  files: number;
  runs: number;
  previewMs: number;
  smartMs: number;
  toCheckpointMs: number;
}

export interface SmartRollbackFigure {
  rows: SmartRollbackRow[];
}

async function measure(files: number, runs: number): Promise<SmartRollbackRow> {
  const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aop-bench-smart-')));
  const wt = path.join(scratch, 'repo');
  try {
    fs.mkdirSync(path.join(wt, 'src'), { recursive: true });
    fs.writeFileSync(path.join(wt, 'src/a.ts'), 'export const a = 1;\n');
    gitSync(wt, ['init', '-q', '-b', 'main']);
    gitSync(wt, ['add', '-A']);
    gitSync(wt, ['commit', '-qm', 'base']);
    const base = gitSync(wt, ['rev-parse', 'HEAD']);
    const plan = makePlan({ version: 1, forbidden: ['gen/**'], limits: { maxChangedFiles: 1_000_000 } });
    const feature = await openFeature({ worktree: wt, scratch, baseCommit: base, id: 'smart', plan });
    const rb = new RollbackService({ worktree: wt, checkpoints: feature.svc, log: feature.log, journalFile: path.join(scratch, 'journal.json'), watched: () => true });
    try {
      const write = (round: number): string[] => {
        const paths: string[] = [];
        for (let i = 0; i < files; i++) {
          const rel = `gen/d${Math.floor(i / 100)}/f${i}.ts`;
          if (i % 100 === 0) fs.mkdirSync(path.join(wt, path.dirname(rel)), { recursive: true });
          fs.writeFileSync(path.join(wt, rel), `export const v${i} = ${round};\n`);
          paths.push(rel);
        }
        return paths;
      };
      const clean = await feature.svc.request({ full: true, force: true, trigger: 'manual' });
      const times = { preview: [] as number[], smart: [] as number[], back: [] as number[] };
      for (let r = 0; r < runs; r++) {
        await feature.svc.request({ paths: write(2 * r + 1), trigger: 'watch' });
        if (new Set(feature.svc.violations.map((v) => v.path)).size < files) throw new Error('the forbidden files were not all flagged');
        let preview = 0;
        times.preview.push(await timed(async () => (preview = (await rb.previewSmart()).items.length)));
        let smart = 0;
        times.smart.push(await timed(async () => (smart = (await rb.smart()).paths.length)));
        await feature.svc.request({ paths: write(2 * r + 2), trigger: 'watch' });
        let back = 0;
        times.back.push(await timed(async () => (back = (await rb.toCheckpoint(clean!.seq)).paths.length)));
        if (preview !== files || smart !== files || back !== files) throw new Error(`expected ${files} files each, got preview ${preview}, smart ${smart}, to checkpoint ${back}`);
      }
      return { files, runs, previewMs: summarize(times.preview).median, smartMs: summarize(times.smart).median, toCheckpointMs: summarize(times.back).median };
    } finally {
      await feature.close();
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export async function smartRollbackFigure(opts: { counts: number[]; runsAtLargest: number }, note: (s: string) => void): Promise<SmartRollbackFigure> {
  const rows: SmartRollbackRow[] = [];
  const largest = Math.max(...opts.counts);
  for (const files of opts.counts) {
    const r = await measure(files, files === largest ? opts.runsAtLargest : 1);
    note(`  smart rollback of ${files} files: preview ${Math.round(r.previewMs)} ms, smart ${Math.round(r.smartMs)} ms, to checkpoint ${Math.round(r.toCheckpointMs)} ms`);
    rows.push(r);
  }
  return { rows };
}

const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: x >= 100 ? 0 : 2 });

export function smartRollbackTargets(f: SmartRollbackFigure): TargetResult[] {
  const top = f.rows.at(-1);
  if (!top) return [];
  const ratio = top.smartMs / top.toCheckpointMs;
  return [
    {
      group: '12.4',
      name: `Smart rollback of ${top.files.toLocaleString('en-US')} violating files vs rolling the same files back to a checkpoint (same run)`,
      target: '≤ 2×',
      measured: `${n(ratio)}× (medians of ${top.runs}: ${n(top.smartMs)} vs ${n(top.toCheckpointMs)} ms; preview ${n(top.previewMs)} ms)`,
      pass: ratio <= 2,
    },
  ];
}

export function smartRollbackMarkdown(f: SmartRollbackFigure): string[] {
  const L: string[] = [];
  L.push('### 9. Smart rollback against the number of violating files (live watcher)');
  L.push('');
  L.push('| Violating files | Preview | Smart rollback | Same files to a checkpoint | Smart / to checkpoint | Runs (medians) |');
  L.push('|---:|---:|---:|---:|---:|---:|');
  for (const r of f.rows) L.push(`| ${r.files.toLocaleString('en-US')} | ${n(r.previewMs)} ms | ${n(r.smartMs)} ms | ${n(r.toCheckpointMs)} ms | ${n(r.smartMs / r.toCheckpointMs)}× | ${r.runs} |`);
  L.push('');
  return L;
}
