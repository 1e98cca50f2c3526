/** The report as markdown: one table per figure, the targets with PASS/MISS, and the machine. */
import type { BenchReport } from '../bench';
import type { CheckpointCell } from '../figures/checkpoint';
import { REPO_FILES, type RepoSize } from './repos';
import type { Summary } from './stats';

export interface TargetResult {
  name: string;
  target: string;
  measured: string;
  pass: boolean | undefined;
  note?: string;
}

const n = (x: number, digits = 1): string =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: x >= 100 ? 0 : digits }) : 'n/a';
const range = (s: Summary): string => `${n(s.min)}–${n(s.max)}`;
const files = (size: string): string => (REPO_FILES[size as RepoSize] ?? 0).toLocaleString('en-US');

function cell(report: BenchReport, size: string | undefined, k: number, fresh = false): CheckpointCell | undefined {
  return report.checkpoint?.cells.find((c) => c.size === size && c.k === k && c.fresh === fresh);
}

function sizesMeasured(report: BenchReport): string[] {
  return [...new Set(report.checkpoint?.cells.map((c) => c.size) ?? [])].sort((a, b) => REPO_FILES[a as RepoSize] - REPO_FILES[b as RepoSize]);
}

export function evaluateTargets(report: BenchReport): TargetResult[] {
  const out: TargetResult[] = [];
  const sizes = sizesMeasured(report);
  const big = sizes.at(-1);
  const small = sizes[0];
  const k20 = cell(report, big, 20);
  const k20fresh = cell(report, big, 20, true);
  const k20small = cell(report, small, 20);
  const on = big ? `${files(big)}-file repo` : 'largest repo';
  out.push({
    name: `Checkpoint of 20 changed files, p95, ${on}`,
    target: '< 20 ms',
    measured: k20 ? `${n(k20.ours.p95)} ms` : 'not measured',
    pass: k20 ? k20.ours.p95 < 20 : undefined,
  });
  out.push({
    name: `… same, 20 files never touched before (first change of each path), ${on}`,
    target: '< 20 ms',
    measured: k20fresh ? `${n(k20fresh.ours.p95)} ms` : 'not measured',
    pass: k20fresh ? k20fresh.ours.p95 < 20 : undefined,
  });
  out.push({
    name: `Checkpoint p95, ${on} vs ${small ? files(small) : '?'}-file repo (20 files)`,
    target: '≤ 1.5×',
    measured: k20 && k20small ? `${n(k20.ours.p95 / k20small.ours.p95, 2)}× (${n(k20.ours.p95)} / ${n(k20small.ours.p95)} ms)` : 'not measured',
    pass: k20 && k20small && big !== small ? k20.ours.p95 / k20small.ours.p95 <= 1.5 : undefined,
  });
  out.push({
    name: `Checkpoint vs shadow-repo baseline, same run, ${on} (20 files, medians)`,
    target: '≥ 20× faster',
    measured: k20 ? `${n(k20.ratio)}× (${n(k20.baseline.median)} vs ${n(k20.ours.median)} ms)` : 'not measured',
    pass: k20 ? k20.ratio >= 20 : undefined,
  });
  const v = report.validation;
  out.push({
    name: 'Validation, 1,000 files × 100 globs, warm cache (median)',
    target: '< 20 ms',
    measured: v ? `${n(v.warm.median, 2)} ms (p95 ${n(v.warm.p95, 2)})` : 'not measured',
    pass: v ? v.warm.median < 20 : undefined,
  });
  for (const b of report.watch?.backends ?? []) {
    const where = `${files(report.watch!.repo)}-file repo`;
    out.push({
      name: `Watch latency p95, ${b.backend}, ${where}`,
      target: '< 250 ms',
      measured: b.ok ? `${n(b.latency.p95)} ms` : `failed: ${b.error ?? '?'}`,
      pass: b.ok ? b.latency.p95 < 250 && b.latency.lost === 0 : false,
      note: b.latency.lost ? `${b.latency.lost} writes never arrived` : undefined,
    });
    const top = b.rates.at(-1);
    const lossy = b.rates.find((r) => r.lost > 0);
    const fastest = Math.max(0, ...b.rates.map((r) => r.achievedPerSec));
    out.push({
      name: `Sustained writes without loss, ${b.backend}`,
      target: '≥ 1,000/s, 0 lost',
      measured: b.ok
        ? `${n(b.sustainedPerSec)}/s` +
          (lossy ? ` (lost ${lossy.lost} of ${lossy.written} at ${n(lossy.achievedPerSec)}/s)` : '') +
          (!lossy && top && top.achievedPerSec < 0.8 * top.targetPerSec ? ` (the writer reached only ${n(fastest)}/s on this machine)` : '')
        : 'failed',
      // Untested, not missed, when the writer could not reach 1,000/s and nothing was lost.
      pass: b.ok ? (b.sustainedPerSec >= 1000 ? true : lossy ? false : undefined) : false,
    });
    out.push({
      name: `Watchdog memory (RSS growth), ${b.backend}, ${where}`,
      target: '< 50 MB',
      measured: b.ok ? `${n(b.watchdogMB)} MB, ${b.osWatches.toLocaleString('en-US')} OS watches` : 'failed',
      pass: b.ok ? b.watchdogMB < 50 : false,
    });
  }
  const rb = report.rollback?.at(-1);
  out.push({
    name: `Rollback of 1,000 files to a checkpoint${rb ? `, ${files(rb.repo)}-file repo` : ''}, live watcher (median)`,
    target: '< 1 s',
    measured: rb ? `${n(rb.toCheckpoint.median / 1000, 2)} s` : 'not measured',
    pass: rb ? rb.toCheckpoint.median < 1000 : undefined,
  });
  if (rb?.toCheckpointFullScan) {
    out.push({
      name: `… same without a live watcher (the safety checkpoint scans every file)`,
      target: '< 1 s',
      measured: `${n(rb.toCheckpointFullScan.median / 1000, 2)} s`,
      pass: rb.toCheckpointFullScan.median < 1000,
    });
  }
  return out;
}

const verdict = (p: boolean | undefined): string => (p === undefined ? '—' : p ? '**PASS**' : '**MISS**');

export function renderMarkdown(report: BenchReport): string {
  const L: string[] = [];
  const m = report.machine;
  const partial = report.figures && report.figures.length < 5 ? `, ${report.figures.join(' + ')} only` : '';
  L.push(`Benchmark (${report.mode} run${partial}, seed ${report.seed}), ${m.date.slice(0, 10)}: ${m.nproc} cores (${m.cpuModel}), ${m.memGB} GB RAM, Node ${m.node}, git ${m.git}, ${m.platform}.`);
  L.push(
    `Code: ${m.commit.slice(0, 10)}${m.dirtySources.length ? ` plus uncommitted changes to ${m.dirtySources.join(', ')}` : ''}. ` +
      `Took ${Math.round(report.durationSec)} s. Load average (1 min) ${m.loadStart} at start, ${m.loadEnd ?? '?'} at end.`,
  );
  if (Math.max(m.loadStart, m.loadEnd ?? 0) > m.nproc * 0.75) {
    L.push('');
    L.push(`> Note: the machine was shared while this ran (load ${Math.max(m.loadStart, m.loadEnd ?? 0)} on ${m.nproc} cores: other builds and tests ran at the same time), so absolute times are inflated and noisy; ratios measured in the same run are the steadier numbers.`);
  }
  L.push('');
  L.push('Times in ms: median, with min–max of the runs; p95 where a target asks for it.');
  L.push('');

  L.push('### Targets');
  L.push('');
  L.push('| Target | Goal | Measured | Result |');
  L.push('|---|---|---|---|');
  for (const t of evaluateTargets(report).filter((x) => x.measured !== 'not measured')) L.push(`| ${t.name} | ${t.target} | ${t.measured}${t.note ? ` (${t.note})` : ''} | ${verdict(t.pass)} |`);
  L.push('');

  if (report.checkpoint) {
    L.push('### 1. Checkpoint latency after k changed files (ours vs shadow-repo `git add -A && git commit`)');
    L.push('');
    L.push('| Repo files | k | Ours median | Ours p95 | Ours min–max | In-service median / p95 | Baseline median | Baseline min–max | Baseline / ours | Runs |');
    L.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const c of report.checkpoint.cells) {
      L.push(
        `| ${c.files.toLocaleString('en-US')} | ${c.k.toLocaleString('en-US')}${c.fresh ? ' (first touch)' : ''} | ${n(c.ours.median)} | ${n(c.ours.p95)} | ${range(c.ours)} | ` +
          `${n(c.oursInService.median)} / ${n(c.oursInService.p95)} | ${n(c.baseline.median)} | ${range(c.baseline)} | ${n(c.ratio)}× | ${c.ours.n} |`,
      );
    }
    L.push('');
    L.push('"In-service" is the checkpoint record\'s own `durationMs`: all but the event log append + fsync and the stat cache save that end every checkpoint.');
    L.push('');
    L.push('| Repo files | Folders | Worktree add | First reconciliation (empty stat cache) | Warm reconciliation | Baseline first snapshot |');
    L.push('|---:|---:|---:|---:|---:|---:|');
    for (const s of report.checkpoint.setup) {
      const r = report.repos.find((x) => x.size === s.size);
      L.push(`| ${s.files.toLocaleString('en-US')} | ${s.folders.toLocaleString('en-US')} | ${r?.worktreeAddSec ?? '?'} s | ${n(s.firstReconcileMs)} ms | ${n(s.warmReconcileMs)} ms | ${n(s.baselineInitialMs)} ms |`);
    }
    L.push('');
  }

  if (report.validation) {
    const v = report.validation;
    L.push(`### 2. Validation: ${v.files.toLocaleString('en-US')} changed files × ${v.globs} globs (secret scan on; ${v.violations} violations found)`);
    L.push('');
    L.push('| Cache | Median | p95 | Min–max | Runs |');
    L.push('|---|---:|---:|---:|---:|');
    L.push(`| cold (reads every blob) | ${n(v.cold.median)} | ${n(v.cold.p95)} | ${range(v.cold)} | ${v.cold.n} |`);
    L.push(`| warm (same change set) | ${n(v.warm.median, 2)} | ${n(v.warm.p95, 2)} | ${range(v.warm)} | ${v.warm.n} |`);
    L.push(`| warm, 10 of the 1,000 changed | ${n(v.warmTenChanged.median, 2)} | ${n(v.warmTenChanged.p95, 2)} | ${range(v.warmTenChanged)} | ${v.warmTenChanged.n} |`);
    L.push('');
  }

  if (report.watch) {
    const w = report.watch;
    L.push(`### 3. Watching one feature's worktree (${w.files.toLocaleString('en-US')} files, ${w.folders.toLocaleString('en-US')} folders, debounce ${w.quietMs} ms)`);
    L.push('');
    L.push('| Backend | Ready | Latency p50 | Latency p95 | Sustained writes/s, 0 lost | Watchdog RSS | Process RSS (peak) | OS watches |');
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const b of w.backends) {
      if (!b.ok) {
        L.push(`| ${b.backend} | failed: ${b.error} | | | | | | |`);
        continue;
      }
      L.push(`| ${b.backend} | ${n(b.readyMs)} ms | ${n(b.latency.p50)} ms | ${n(b.latency.p95)} ms | ${n(b.sustainedPerSec)} | ${n(b.watchdogMB)} MB | ${n(b.rssReadyMB)} MB (${n(b.hwmMB)} MB) | ${b.osWatches.toLocaleString('en-US')} |`);
    }
    L.push('');
    L.push('| Backend | Target writes/s | Achieved | Written | Lost | Last path arrived after the last write | Reconcile requests |');
    L.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const b of w.backends) {
      for (const r of b.rates) L.push(`| ${b.backend} | ${n(r.targetPerSec)} | ${n(r.achievedPerSec)} | ${n(r.written)} | ${r.lost} | ${n(r.drainMs)} ms | ${r.reconcileRequests} |`);
    }
    L.push('');
  }

  if (report.rollback?.length) {
    L.push('### 4. Rollback (each includes the pre-rollback safety checkpoint, verification, and the result checkpoint; live watcher unless said)');
    L.push('');
    L.push('| Repo files | Operation | Files written | Median | Min–max | Runs |');
    L.push('|---:|---|---:|---:|---:|---:|');
    for (const r of report.rollback) {
      const f = r.files.toLocaleString('en-US');
      L.push(`| ${f} | to checkpoint | ${r.restored} | ${n(r.toCheckpoint.median)} | ${range(r.toCheckpoint)} | ${r.toCheckpoint.n} |`);
      if (r.toCheckpointFullScan) {
        L.push(`| ${f} | to checkpoint, no live watcher (full-scan safety checkpoint) | ${r.restored} | ${n(r.toCheckpointFullScan.median)} | ${range(r.toCheckpointFullScan)} | ${r.toCheckpointFullScan.n} |`);
      }
      L.push(`| ${f} | undo of that | ${r.restored} | ${n(r.undo.median)} | ${range(r.undo)} | ${r.undo.n} |`);
      L.push(`| ${f} | smart (${r.smartViolating} violating among 1,000 changed) | ${r.smartViolating} | ${n(r.smart.median)} | ${range(r.smart)} | ${r.smart.n} |`);
    }
    L.push('');
  }

  if (report.eventLog) {
    const e = report.eventLog;
    L.push(`### 5. Event log (${e.events.toLocaleString('en-US')} events, ${(e.fileBytes / 1024 / 1024).toFixed(1)} MB)`);
    L.push('');
    L.push('| Operation | Median | Min–max | Runs |');
    L.push('|---|---:|---:|---:|');
    L.push(`| append, awaited one by one (events/s) | ${n(e.appendPerSec.median)} | ${range(e.appendPerSec)} | ${e.appendPerSec.n} |`);
    L.push(`| append with an fsync every 100 events (events/s, over ${e.syncedEvents.toLocaleString('en-US')}) | ${n(e.appendSyncedPerSec.median)} | ${range(e.appendSyncedPerSec)} | ${e.appendSyncedPerSec.n} |`);
    L.push(`| read back and check all (ms) | ${n(e.readMs.median)} | ${range(e.readMs)} | ${e.readMs.n} |`);
    L.push('');
  }

  if (report.errors.length) {
    L.push('### Errors');
    L.push('');
    for (const e of report.errors) L.push(`- ${e.figure}: ${e.message.split('\n')[0]}`);
    L.push('');
  }
  return L.join('\n');
}
