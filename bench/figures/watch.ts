/**
 * Figure 3: watching one feature's worktree, per backend, each in a child process of its own.
 * - ready: Watchdog.start() until writes are reported.
 * - latency: an isolated write (alternately a modified and a new file) until its path arrives in
 *   a batch, default debounce (quietMs 150). Write time is taken when the write returned, arrival
 *   in the child when the batch is handed over; both on the wall clock.
 * - sustained rate: writes at a target rate for a few seconds, half rewrites of existing files
 *   and half new files, every path once; every path must then arrive. The highest achieved rate
 *   with nothing lost is the result (the writer itself may saturate first: it says so).
 * - memory: VmRSS of the child after the watchdog is ready, minus before it started (modules
 *   loaded, after gc); OS watches: `inotify wd:` lines in /proc/<pid>/fdinfo of its inotify fds.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WatcherSetting } from '../../src/core/watch';
import type { BenchRepo, Worktree } from '../lib/repos';
import { makeRng, shuffled } from '../lib/rng';
import { percentile, round, summarize, type Summary } from '../lib/stats';
import { wallNow, type ChildCommand, type ChildMemory, type ChildMessage } from './watchProtocol';

export interface RateStep {
  targetPerSec: number;
  achievedPerSec: number;
  written: number;
  arrived: number;
  lost: number;
  /** Milliseconds from the last write until the last path arrived. */
  drainMs: number;
  reconcileRequests: number;
  /** Some paths that never arrived, for diagnosis. */
  missingSample?: string[];
}

export interface WatchBackendResult {
  backend: string;
  ok: boolean;
  error?: string;
  readyMs: number;
  latency: Summary & { p50: number; lost: number };
  rates: RateStep[];
  /** Highest achieved writes/s with no path lost. */
  sustainedPerSec: number;
  rssIdleMB: number;
  rssReadyMB: number;
  /** The watchdog's own share: rssReady - rssIdle. */
  watchdogMB: number;
  hwmMB: number;
  osWatches: number;
}

export interface WatchFigure {
  repo: string;
  files: number;
  folders: number;
  quietMs: number;
  backends: WatchBackendResult[];
}

export interface WatchPlan {
  backends: WatcherSetting[];
  latencySamples: number;
  rates: number[];
  rateSeconds: number;
}

const MB = 1024 * 1024;
const READY_TIMEOUT_MS = 240_000;
const ARRIVAL_TIMEOUT_MS = 5_000;
/** After a rate step: wait for stragglers until all arrived, nothing new came for a while, or a cap. */
const DRAIN_TIMEOUT_MS = 60_000;
const DRAIN_STALL_MS = 10_000;

/** Counts OS watches held by a process: inotify watch lines in the fdinfo of its inotify fds. */
export function countInotifyWatches(pid: number): number {
  let n = 0;
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return NaN;
  }
  for (const fd of fds) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
      for (const line of fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').split('\n')) if (line.startsWith('inotify wd:')) n++;
    } catch {
      // fd closed meanwhile
    }
  }
  return n;
}

class Child {
  readonly proc: ChildProcess;
  private readonly inbox: ChildMessage[] = [];
  private wake: (() => void) | undefined;
  /** Arrival time of each path, first arrival wins. */
  readonly arrivals = new Map<string, number>();
  reconciles = 0;
  exited = false;

  constructor() {
    this.proc = fork(path.join(__dirname, 'watchChild.ts'), [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m: ChildMessage) => {
      if (m.type === 'batch') {
        for (const p of m.paths) if (!this.arrivals.has(p)) this.arrivals.set(p, m.at);
      } else if (m.type === 'reconcile') this.reconciles++;
      this.inbox.push(m);
      this.wake?.();
    });
    this.proc.on('exit', () => {
      this.exited = true;
      this.wake?.();
    });
  }

  send(c: ChildCommand): void {
    this.proc.send(c);
  }

  /** The next message of a type (others are dropped), or an error after the deadline. */
  async next<T extends ChildMessage['type']>(type: T, timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.inbox.length > 0) {
        const m = this.inbox.shift()!;
        if (m.type === type) return m as Extract<ChildMessage, { type: T }>;
        if (m.type === 'error') throw new Error(`watch child: ${m.message}`);
      }
      if (this.exited) throw new Error(`watch child exited while waiting for "${type}"`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`watch child: no "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Waits until every path arrived, or the deadline, or (with stallMs) no new arrival for that long. */
  async waitForPaths(paths: readonly string[], timeoutMs: number, stallMs = timeoutMs): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let seen = this.arrivals.size;
    let progressAt = Date.now();
    let left = paths.filter((p) => !this.arrivals.has(p));
    while (left.length > 0 && Date.now() < deadline && Date.now() - progressAt < stallMs) {
      await sleep(5);
      if (this.arrivals.size !== seen) {
        seen = this.arrivals.size;
        progressAt = Date.now();
        left = left.filter((p) => !this.arrivals.has(p));
      }
    }
    return left.length === 0;
  }

  async mem(): Promise<ChildMemory> {
    this.send({ cmd: 'mem' });
    return (await this.next('mem', 30_000)).mem;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    try {
      this.send({ cmd: 'close' });
      await this.next('closed', 30_000);
    } catch {
      // killed below
    }
    this.proc.kill('SIGKILL');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function measureBackend(
  backend: WatcherSetting,
  repo: BenchRepo,
  wt: Worktree,
  plan: WatchPlan,
  quietMs: number,
  note: (s: string) => void,
): Promise<WatchBackendResult> {
  const child = new Child();
  const result: WatchBackendResult = {
    backend,
    ok: false,
    readyMs: NaN,
    latency: { ...summarize([]), p50: NaN, lost: 0 },
    rates: [],
    sustainedPerSec: 0,
    rssIdleMB: NaN,
    rssReadyMB: NaN,
    watchdogMB: NaN,
    hwmMB: NaN,
    osWatches: NaN,
  };
  try {
    const idle = (await child.next('idle', 60_000)).mem;
    child.send({ cmd: 'start', root: wt.dir, backend, quietMs });
    const ready = await child.next('ready', READY_TIMEOUT_MS);
    result.readyMs = round(ready.readyMs, 0);
    const mem = await child.mem();
    result.rssIdleMB = round(idle.rss / MB, 1);
    result.rssReadyMB = round(mem.rss / MB, 1);
    result.watchdogMB = round((mem.rss - idle.rss) / MB, 1);
    result.osWatches = countInotifyWatches(child.proc.pid!);
    note(`  watch ${backend}: ready in ${result.readyMs} ms, watchdog ${result.watchdogMB} MB, ${result.osWatches} OS watches`);

    // Latency of isolated writes.
    const rng = makeRng(repo.seed ^ 0x3a7c);
    const existing = shuffled(repo.spreadFiles, rng);
    const leafDirs = [...new Set(repo.spreadFiles.map((f) => path.posix.dirname(f)))];
    // posix.join, not a template: a file at the root has the folder '.', and the watchdog reports
    // 'x.txt', never './x.txt' (written as a template it was counted lost although it arrived).
    const inLeaf = (i: number, name: string): string => path.posix.join(leafDirs[i % leafDirs.length]!, name);
    const lat: number[] = [];
    let lost = 0;
    for (let i = 0; i < plan.latencySamples; i++) {
      const rel = i % 2 === 0 ? existing[i]! : inLeaf(i * 7919, `watch-${backend}-${i}.txt`);
      fs.writeFileSync(path.join(wt.dir, rel), `latency sample ${i}\n`);
      const at = wallNow();
      child.arrivals.delete(rel);
      if (await child.waitForPaths([rel], ARRIVAL_TIMEOUT_MS)) lat.push(child.arrivals.get(rel)! - at);
      else lost++;
      await sleep(20 + Math.floor(rng() * 30));
    }
    result.latency = { ...summarize(lat), p50: round(percentile(lat, 50)), lost };
    note(`  watch ${backend}: latency p50 ${result.latency.p50} ms, p95 ${result.latency.p95} ms, ${lost} lost`);

    // Sustained write rate. Existing files not yet written in this figure, for the rewrites.
    const unused = existing.slice(plan.latencySamples).reverse();
    let stepNo = 0;
    for (const target of plan.rates) {
      stepNo++;
      await sleep(quietMs * 2); // let the previous step's batches settle
      const reconBefore = child.reconciles;
      const paths: string[] = [];
      const started = performance.now();
      const durationMs = plan.rateSeconds * 1000;
      for (let now = 0; now < durationMs; now = performance.now() - started) {
        // Write what is due by now, but never longer than 5 ms at a time, so the clock is honest.
        const due = Math.floor((now / 1000) * target);
        const sliceEnd = performance.now() + 5;
        while (paths.length < due && performance.now() < sliceEnd) {
          // Half rewrites of existing files (each path once per step), half new files.
          const i = paths.length;
          const rel =
            i % 2 === 0 && unused.length > 0
              ? unused.pop()!
              : inLeaf(i * 31 + stepNo, `rate-${backend}-${stepNo}-${i}.txt`);
          fs.writeFileSync(path.join(wt.dir, rel), `r${stepNo} ${i}\n`);
          paths.push(rel);
        }
        await sleep(1);
      }
      const elapsed = (performance.now() - started) / 1000;
      const lastWrite = wallNow();
      await child.waitForPaths(paths, DRAIN_TIMEOUT_MS, DRAIN_STALL_MS);
      const arrived = paths.filter((p) => child.arrivals.has(p));
      const missing = paths.filter((p) => !child.arrivals.has(p));
      const lastArrival = Math.max(lastWrite, ...arrived.map((p) => child.arrivals.get(p)!));
      const step: RateStep = {
        targetPerSec: target,
        achievedPerSec: round(paths.length / elapsed, 0),
        written: paths.length,
        arrived: arrived.length,
        lost: paths.length - arrived.length,
        drainMs: round(lastArrival - lastWrite, 0),
        reconcileRequests: child.reconciles - reconBefore,
      };
      if (missing.length > 0) step.missingSample = missing.slice(0, 10);
      result.rates.push(step);
      note(`  watch ${backend}: ${step.achievedPerSec} writes/s (target ${target}): ${step.lost} lost, drained ${step.drainMs} ms after the last write`);
      if (step.lost === 0) result.sustainedPerSec = Math.max(result.sustainedPerSec, step.achievedPerSec);
      else break; // higher rates only lose more
      if (step.achievedPerSec < 0.8 * target) break; // the writer (or the machine) is saturated
    }
    const after = await child.mem();
    result.hwmMB = round(after.hwm / MB, 1);
    result.ok = true;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    note(`  watch ${backend}: FAILED: ${result.error}`);
  } finally {
    await child.close();
  }
  return result;
}

export async function watchFigure(repo: BenchRepo, wt: Worktree, plan: WatchPlan, note: (s: string) => void): Promise<WatchFigure> {
  const quietMs = 150;
  const backends: WatchBackendResult[] = [];
  for (const b of plan.backends) backends.push(await measureBackend(b, repo, wt, plan, quietMs, note));
  return { repo: repo.kind, files: repo.files.length, folders: repo.folders, quietMs, backends };
}
