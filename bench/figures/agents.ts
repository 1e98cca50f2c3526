/**
 * Figure 7: many agents at once on one machine. N features on the same repository, each with
 * its own worktree, opened as the orchestrator opens them (FeatureRuntime: live native
 * watchdog, periodic reconciliation) in one child process (the orchestrator); in this process,
 * one writer per feature at an agent's pace (1-5 files every 0.5-2.5 s). Read from /proc: the
 * orchestrator's CPU (its own, and with its git helpers) while idle and while all N write, its
 * memory per feature (resident set of the process, and proportional set size with its git
 * helpers), and OS watches per feature. Checkpoint p95 with all N writing is compared with one
 * feature writing alone (the others idle) in the same process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addWorktree, type BenchRepo, type Worktree } from '../lib/repos';
import { makeRng } from '../lib/rng';
import { round, summarize, type Summary } from '../lib/stats';
import { AgentWriter } from '../lib/writer';
import { countInotifyWatches } from './watch';
import type { AgentsCommand, AgentsMessage } from './agentsChild';

export interface AgentsPlan {
  features: number;
  idleSeconds: number;
  singleSeconds: number;
  writingSeconds: number;
}

export interface AgentsFigure {
  repo: string;
  label: string;
  files: number;
  features: number;
  worktreesSec: number;
  /** Opening every feature and its first reconciliation (fresh worktrees: every file hashed). */
  openSec: number;
  idle: { seconds: number; cpuPct: number; cpuPctWithGit: number };
  writing: { seconds: number; cpuPct: number; cpuPctWithGit: number; checkpoints: number };
  memory: { beforeMB: number; rssMB: number; pssWithGitMB: number; perFeatureRssMB: number; perFeaturePssMB: number; gitHelpers: number };
  osWatchesPerFeature: number;
  single: Summary;
  all: Summary;
  limits: { maxUserWatches: number; byWatches: number; memAvailableGB: number; byMemory: number };
}

const TICK_MS = 10; // Linux USER_HZ is 100 on every platform Node supports

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime (+ cutime + cstime: children already waited for), in ms. */
  cpuMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // Fields after the name start at 3 (state): ppid is 4, utime 14, stime 15, cutime 16, cstime 17.
    const n = (i: number) => Number(f[i - 3]);
    return { pid, ppid: n(4), cpuMs: (n(14) + n(15) + n(16) + n(17)) * TICK_MS };
  } catch {
    return undefined;
  }
}

function descendants(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) byParent.set(st.ppid, [...(byParent.get(st.ppid) ?? []), st.pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    for (const c of byParent.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

function kb(pid: number, file: string, key: string): number {
  try {
    return Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function memAvailableKb(): number {
  try {
    return Number(/^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU ms of the process alone and with its descendants. */
function cpuOf(pid: number): { own: number; all: number } {
  const own = readStat(pid)?.cpuMs ?? 0;
  return { own, all: own + descendants(pid).reduce((a, p) => a + (readStat(p)?.cpuMs ?? 0), 0) };
}

function memOf(pid: number): { rssMB: number; pssMB: number; helpers: number } {
  const kids = descendants(pid);
  const pss = [pid, ...kids].reduce((a, p) => a + kb(p, 'smaps_rollup', 'Pss'), 0);
  return { rssMB: kb(pid, 'status', 'VmRSS') / 1024, pssMB: pss / 1024, helpers: kids.length };
}

class Orchestrator {
  readonly proc: ChildProcess;
  private inbox: AgentsMessage[] = [];
  private wake: (() => void) | undefined;
  constructor() {
    this.proc = fork(path.join(__dirname, 'agentsChild.ts'), [], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc.on('message', (m: AgentsMessage) => {
      this.inbox.push(m);
      this.wake?.();
    });
    this.proc.on('exit', () => this.wake?.());
  }
  send(c: AgentsCommand): void {
    this.proc.send(c);
  }
  async next<T extends AgentsMessage['type']>(type: T, timeoutMs: number): Promise<Extract<AgentsMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type || m.type === 'error');
      if (i >= 0) {
        const m = this.inbox.splice(i, 1)[0]!;
        if (m.type === 'error') throw new Error(`orchestrator child: ${m.message}`);
        return m as Extract<AgentsMessage, { type: T }>;
      }
      if (this.proc.exitCode !== null) throw new Error(`orchestrator child exited while waiting for "${type}"`);
      if (Date.now() > deadline) throw new Error(`orchestrator child: no "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1000);
        this.wake = () => (clearTimeout(t), r());
      });
    }
  }
  async close(): Promise<void> {
    try {
      this.send({ cmd: 'close' });
      await this.next('closed', 120_000);
    } catch {
      // killed below
    }
    this.proc.kill('SIGKILL');
  }
}

/** Writes 1-5 of its files every 0.5-2.5 s until stopped. */
async function pacedWriter(w: AgentWriter, pool: string[], seed: number, until: () => boolean): Promise<number> {
  const rng = makeRng(seed);
  let writes = 0;
  while (!until()) {
    await new Promise((r) => setTimeout(r, 500 + rng() * 2000));
    if (until()) break;
    const n = 1 + Math.floor(rng() * 5);
    w.write(Array.from({ length: n }, () => pool[Math.floor(rng() * pool.length)]!));
    writes += n;
  }
  return writes;
}

async function writeFor(seconds: number, writers: { w: AgentWriter; pool: string[] }[]): Promise<void> {
  const end = Date.now() + seconds * 1000;
  await Promise.all(writers.map((x, i) => pacedWriter(x.w, x.pool, 0xa9e + i, () => Date.now() >= end)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function agentsFigure(repo: BenchRepo, plan: AgentsPlan, note: (s: string) => void): Promise<AgentsFigure> {
  const wts: Worktree[] = [];
  const orch = new Orchestrator();
  try {
    let t = performance.now();
    for (let i = 0; i < plan.features; i++) wts.push(addWorktree(repo, `agents${i}`));
    const worktreesSec = (performance.now() - t) / 1000;
    note(`  ${plan.features} worktrees of ${repo.label} files in ${Math.round(worktreesSec)} s`);
    await orch.next('idle', 60_000);
    const pid = orch.proc.pid!;
    orch.send({ cmd: 'gc' });
    await orch.next('gc', 60_000);
    const before = memOf(pid);
    t = performance.now();
    orch.send({ cmd: 'open', features: wts.map((w, i) => ({ id: `bench-agent${i}`, worktree: w.dir, scratch: w.scratch, base: repo.commit })) });
    await orch.next('opened', 3_600_000);
    const openSec = (performance.now() - t) / 1000;
    note(`  ${plan.features} features opened and reconciled in ${Math.round(openSec)} s`);

    // Idle: watchers live, nobody writes.
    await sleep(2000);
    orch.send({ cmd: 'gc' });
    await orch.next('gc', 60_000);
    const mem = memOf(pid);
    const watches = countInotifyWatches(pid);
    let c0 = cpuOf(pid);
    await sleep(plan.idleSeconds * 1000);
    let c1 = cpuOf(pid);
    const idle = { seconds: plan.idleSeconds, cpuPct: round((100 * (c1.own - c0.own)) / (plan.idleSeconds * 1000), 2), cpuPctWithGit: round((100 * (c1.all - c0.all)) / (plan.idleSeconds * 1000), 2) };
    note(`  idle: orchestrator CPU ${idle.cpuPct}% (${idle.cpuPctWithGit}% with git helpers) over ${plan.idleSeconds} s; ${round(mem.rssMB)} MB resident`);

    const writers = wts.map((w, i) => {
      const aw = new AgentWriter(w.dir, repo.spreadFiles, repo.seed + i);
      return { w: aw, pool: aw.pick(200) };
    });
    // One feature writing alone.
    orch.send({ cmd: 'checkpoints' });
    await orch.next('checkpoints', 60_000);
    await writeFor(plan.singleSeconds, writers.slice(0, 1));
    await sleep(1500);
    orch.send({ cmd: 'checkpoints' });
    const single = Object.values((await orch.next('checkpoints', 60_000)).byFeature).flat();
    // All of them.
    c0 = cpuOf(pid);
    await writeFor(plan.writingSeconds, writers);
    c1 = cpuOf(pid);
    await sleep(1500);
    orch.send({ cmd: 'checkpoints' });
    const all = Object.values((await orch.next('checkpoints', 60_000)).byFeature).flat();
    const writing = {
      seconds: plan.writingSeconds,
      cpuPct: round((100 * (c1.own - c0.own)) / (plan.writingSeconds * 1000), 1),
      cpuPctWithGit: round((100 * (c1.all - c0.all)) / (plan.writingSeconds * 1000), 1),
      checkpoints: all.length,
    };
    note(`  writing: orchestrator CPU ${writing.cpuPct}% (${writing.cpuPctWithGit}% with git), ${all.length} checkpoints, p95 ${summarize(all).p95} ms vs ${summarize(single).p95} ms alone`);

    const maxUserWatches = Number(fs.readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8').trim()) || NaN;
    const perFeaturePss = (mem.pssMB - before.pssMB) / plan.features;
    const memAvailableGB = memAvailableKb() / 1024 / 1024 || os.freemem() / 1024 ** 3;
    return {
      repo: repo.kind,
      label: repo.label,
      files: repo.files.length,
      features: plan.features,
      worktreesSec: round(worktreesSec, 1),
      openSec: round(openSec, 1),
      idle,
      writing,
      memory: {
        beforeMB: round(before.pssMB, 1),
        rssMB: round(mem.rssMB, 1),
        pssWithGitMB: round(mem.pssMB, 1),
        perFeatureRssMB: round((mem.rssMB - before.rssMB) / plan.features, 1),
        perFeaturePssMB: round(perFeaturePss, 1),
        gitHelpers: mem.helpers,
      },
      osWatchesPerFeature: Math.round(watches / plan.features),
      single: summarize(single),
      all: summarize(all),
      limits: {
        maxUserWatches,
        byWatches: Math.floor(maxUserWatches / Math.max(1, watches / plan.features)),
        memAvailableGB: round(memAvailableGB, 1),
        byMemory: Math.floor((memAvailableGB * 1024) / Math.max(1, perFeaturePss)),
      },
    };
  } finally {
    await orch.close();
    for (const w of wts) w.remove();
  }
}
