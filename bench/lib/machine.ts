/** The machine a run happened on, and how busy it was (other work on a shared box skews timings). */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memGB: number;
  node: string;
  git: string;
  platform: string;
  date: string;
  /** The code measured: HEAD, and the core files that differed from it (someone's uncommitted work). */
  commit: string;
  dirtySources: string[];
  /** 1-minute load average when the run started and ended. */
  loadStart: number;
  loadEnd?: number;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function machineInfo(): MachineInfo {
  let nproc = os.availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // keep Node's answer
  }
  return {
    nproc,
    cpuModel: cpuModel(),
    memGB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    git: execFileSync('git', ['--version'], { encoding: 'utf8' }).trim().replace(/^git version /, ''),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    ...codeState(),
    loadStart: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

function codeState(): { commit: string; dirtySources: string[] } {
  const root = path.resolve(__dirname, '..', '..');
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src/core'], { cwd: root, encoding: 'utf8' });
    return { commit, dirtySources: dirty.split('\n').filter(Boolean).map((l) => l.slice(3)) };
  } catch {
    return { commit: 'unknown', dirtySources: [] };
  }
}

export function currentLoad(): number {
  return Math.round(os.loadavg()[0]! * 100) / 100;
}
