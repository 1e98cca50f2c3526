/**
 * Runs inside `unshare -Urm` with a 3 MB tmpfs mounted at argv[2]: a repository and worktree on
 * that small disk, the event log on another (argv[3]). Fills the disk, asks for a checkpoint,
 * frees the space, asks again, and prints what it observed as one JSON line for the parent test.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointService } from '../../../src/core/checkpoints/checkpointService';
import { EventLog } from '../../../src/core/events/eventLog';
import { makePlan } from '../../../src/core/plan';
import { AopError, errorMessage } from '../../../src/core/util/errors';
import { Validator } from '../../../src/core/validation';
import { referenceTree } from '../helpers/tempRepo';
import { assertRefsConsistent, checkpointRefs } from './helpers';

async function main(): Promise<void> {
  const [mnt, outside] = process.argv.slice(2) as [string, string];
  const repo = path.join(mnt, 'repo');
  const wt = path.join(mnt, 'wt');
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main', '--template=');
  fs.writeFileSync(path.join(repo, 'README.md'), '# r\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'initial');
  const base = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'worktree', 'add', '-q', '-b', 'aop/full', wt, base);

  const log = new EventLog(path.join(outside, 'events.jsonl'), 'full');
  const validator = new Validator(makePlan({ version: 1 }), { worktree: wt, readBlob: async () => Buffer.alloc(0) });
  const svc = await CheckpointService.open({ featureId: 'full', worktree: wt, baseCommit: base, log, validator, statCacheFile: path.join(outside, 'stat.json') });
  fs.writeFileSync(path.join(wt, 'small.txt'), 'before the disk fills\n');
  await svc.request({ paths: ['small.txt'], trigger: 'watch' });
  const refsBefore = JSON.stringify(checkpointRefs(repo, 'full'));

  // The agent writes a file; then the disk fills up before the checkpoint.
  fs.writeFileSync(path.join(wt, 'data.bin'), randomBytes(300 * 1024));
  const filler = path.join(mnt, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch {
    // ENOSPC: the disk is full
  }
  fs.closeSync(fd);

  let firstError = 'none';
  let firstMessage = '';
  try {
    await svc.request({ paths: ['data.bin'], trigger: 'watch' });
  } catch (e) {
    firstError = AopError.is(e) ? e.code : 'not an AopError';
    firstMessage = errorMessage(e);
  }
  const refsUnchanged = JSON.stringify(checkpointRefs(repo, 'full')) === refsBefore;
  const logged = (await log.read()).events.some((e) => e.t === 'checkpoint.failed');

  fs.rmSync(filler);
  const rec = await svc.request({ full: true, trigger: 'reconcile' });
  const afterEqualsReference = rec !== undefined && rec.tree === referenceTree(wt);
  let consistent = true;
  try {
    assertRefsConsistent(repo, 'full', base);
  } catch {
    consistent = false;
  }
  await svc.dispose();
  await log.close();
  process.stdout.write(JSON.stringify({ firstError, firstMessage, refsUnchanged, logged, afterEqualsReference, consistent }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
