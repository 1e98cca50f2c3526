/** Looking at real processes (Linux /proc): the members of a process group and their state. */
import * as fs from 'node:fs';

/** The fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, ... */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The process's state letter (R, S, T stopped, Z zombie...), or undefined when it is gone or a zombie. */
export function processState(pid: number): string | undefined {
  const state = statFields(pid)?.[0];
  return state === 'Z' || state === 'X' ? undefined : state;
}

/** Every live process in the group led by `pgid`. */
export function groupProcesses(pgid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f && Number(f[2]) === pgid && f[0] !== 'Z') out.push(Number(name));
  }
  return out;
}
