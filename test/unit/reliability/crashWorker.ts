/**
 * The core in a child process, for the crash tests: it checkpoints, rolls back or appends to the
 * event log in a loop and prints a marker line after each step, so the parent can SIGKILL it at
 * varied moments. Run with `node --import tsx crashWorker.ts '<json>'`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventLog } from '../../../src/core/events/eventLog';
import { openLane, rng, write } from './lane';

interface Args {
  mode: 'checkpoints' | 'rollback' | 'log';
  repoDir: string;
  id: string;
  base: string;
  seed: number;
  /** rollback: the checkpoint to roll back to. */
  target?: number;
  /** log: the file to append to, and the first event number. */
  logFile?: string;
  from?: number;
}

const say = (line: string) => process.stdout.write(line + '\n');

/** One round of agent-like edits: new, changed and deleted files in a few folders, now and then a bigger one. */
function mutate(wt: string, round: number, rand: () => number): string[] {
  const paths: string[] = [];
  for (let k = 0; k < 30; k++) {
    const rel = `d${Math.floor(rand() * 4)}/s${Math.floor(rand() * 3)}/f${Math.floor(rand() * 25)}.txt`;
    const abs = path.join(wt, rel);
    if (rand() < 0.2 && fs.existsSync(abs)) fs.rmSync(abs);
    else write(wt, rel, `round ${round} file ${k}\n`.repeat(1 + Math.floor(rand() * 200)));
    paths.push(rel);
  }
  if (rand() < 0.3) {
    write(wt, 'big.bin', Buffer.alloc(512 * 1024 + round, round & 0xff));
    paths.push('big.bin');
  }
  return paths;
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2]!) as Args;
  const rand = rng(a.seed);
  if (a.mode === 'log') {
    const log = new EventLog(a.logFile!, a.id);
    // Long lines (about 60 KB) so a kill has a fair chance to land inside a write.
    const paths = Array.from({ length: 1500 }, (_, i) => `some/long/folder/name/file-${i}.ts`);
    for (let i = a.from ?? 1; ; i++) {
      await log.append({ t: 'files.changed', paths, count: i });
      if (i % 7 === 0) await log.sync();
      say(`ack ${i}`);
    }
  }
  const lane = await openLane(a.repoDir, a.id, a.base);
  if (a.mode === 'rollback') {
    say('ready');
    const r = await lane.rb.toCheckpoint(a.target!);
    say(`done ${r.ok} ${r.preRollbackSeq}`);
    await lane.close();
    return;
  }
  for (let round = 0; ; round++) {
    const paths = mutate(lane.wt, round, rand);
    const rec = await lane.svc.request(round % 3 === 2 ? { full: true, trigger: 'reconcile' } : { paths, trigger: 'watch' });
    say(`cp ${rec?.seq ?? '-'}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
