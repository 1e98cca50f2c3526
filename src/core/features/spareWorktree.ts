/**
 * A worktree's files prepared ahead of time, so creating a feature on a big repository does not
 * wait for 100,000 files to be written. Writing them is the kernel's work (git's own checkout
 * takes seconds for 100,000 files and far longer on a busy disk); moving a prepared folder's
 * top-level entries into the new worktree is a handful of renames.
 *
 * One spare per repository, for one commit (the base the last feature started from), made only
 * after a fill that was slow, in the sealed context like every fill. It is taken only when it is
 * exactly as prepared: `update-index --refresh` (every file's stat against the index written
 * with it) and no file the index does not know, ignored ones included. Anything else, and it is
 * thrown away and the feature's files are written the usual way.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { withSealedGit } from '../git/sealedGit';
import { SerialQueue } from '../util/async';
import { errorMessage } from '../util/errors';

/** From this many files on, a worktree takes long enough to write that one is prepared ahead. */
export const SPARE_MIN_FILES = 20_000;

export class SpareWorktrees {
  /** Where the spare lives once complete: `<folder>/tree`, `<folder>/index`, `<folder>/commit`. */
  private readonly folder: string;
  private readonly lane = new SerialQueue();
  private preparing: Promise<void> | undefined;
  private disposed = false;

  /** The last preparation's failure, if it failed (a spare is an optimisation: nothing else depends on it). */
  lastError: string | undefined;

  constructor(
    private readonly repoRoot: string,
    /** The folder the feature worktrees live in. */
    readonly worktreesRoot: string,
    /** A spare is prepared after filling a worktree of at least this many files. */
    readonly minFiles = SPARE_MIN_FILES,
  ) {
    const tag = createHash('sha256').update(path.resolve(repoRoot)).digest('hex').slice(0, 12);
    this.folder = path.join(worktreesRoot, `.aop-spare-${tag}`);
  }

  /** Starts preparing a spare for `commit` unless one exists or is being made; never throws. */
  prepare(commit: string): void {
    if (this.preparing || this.disposed) return;
    this.preparing = this.make(commit)
      .catch((e: unknown) => {
        this.lastError = `A spare worktree could not be prepared: ${errorMessage(e)}`;
      })
      .finally(() => {
        this.preparing = undefined;
      });
  }

  /** Resolves when no spare is being prepared (for tests and shutdown). */
  async idle(): Promise<void> {
    await this.preparing;
  }

  /**
   * Moves the spare's files into `worktree` (made with `worktree add --no-checkout`, holding only
   * its `.git` file) and its index to `indexFile`, when the spare is for `commit` and untouched.
   * Returns false otherwise (and a touched spare is thrown away).
   */
  take(commit: string, worktree: string, indexFile: string): Promise<boolean> {
    return this.lane.run(async () => {
      if ((await readText(path.join(this.folder, 'commit'))) !== commit) return false;
      const tree = path.join(this.folder, 'tree');
      const index = path.join(this.folder, 'index');
      if (!(await this.untouched(tree, index))) {
        await this.discard();
        return false;
      }
      for (const name of await fs.readdir(tree)) await fs.rename(path.join(tree, name), path.join(worktree, name));
      await fs.rename(index, indexFile);
      await fs.rm(this.folder, { recursive: true, force: true });
      return true;
    });
  }

  /** Removes the spare (after any preparation under way). */
  async remove(): Promise<void> {
    await this.idle();
    await this.lane.run(() => this.discard());
  }

  /** A preparation under way finishes in the background and is then thrown away. */
  dispose(): void {
    this.disposed = true;
  }

  private async make(commit: string): Promise<void> {
    if ((await readText(path.join(this.folder, 'commit'))) === commit) return;
    // Written aside and renamed into place whole, so a half-written spare is never taken.
    const work = `${this.folder}.tmp-${process.pid}-${Date.now()}`;
    await this.removeAbandoned();
    await fs.mkdir(path.join(work, 'tree'), { recursive: true });
    try {
      await withSealedGit(this.repoRoot, (s) => s.run(['read-tree', '--reset', '-u', commit], { workTree: path.join(work, 'tree'), indexFile: path.join(work, 'index') }));
      await fs.writeFile(path.join(work, 'commit'), commit);
      if (this.disposed) return;
      await this.lane.run(async () => {
        if (this.disposed) return;
        await this.discard();
        await fs.rename(work, this.folder);
      });
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  /** True when every file matches the index written with it and nothing else is there. */
  private untouched(tree: string, index: string): Promise<boolean> {
    return withSealedGit(
      this.repoRoot,
      async (s) => {
        const run = { workTree: tree, indexFile: index, okCodes: [1] };
        // Exits 1 when a file changed, went or changed type (its stat no longer matches, and its content neither).
        if ((await s.run(['update-index', '--refresh'], run)).code !== 0) return false;
        // No --exclude-standard: an ignored file the spare did not have counts too.
        const others = await s.run(['ls-files', '-z', '--others'], run);
        return others.code === 0 && others.stdout.length === 0;
      },
    );
  }

  /** Half-written spares of processes that died while writing them (e.g. the editor closed). */
  private async removeAbandoned(): Promise<void> {
    const prefix = `${path.basename(this.folder)}.tmp-`;
    let names: string[];
    try {
      names = await fs.readdir(this.worktreesRoot);
    } catch {
      return;
    }
    for (const n of names) {
      if (!n.startsWith(prefix)) continue;
      const pid = Number(n.slice(prefix.length).split('-')[0]);
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) continue;
      await fs.rm(path.join(this.worktreesRoot, n), { recursive: true, force: true });
    }
  }

  private async discard(): Promise<void> {
    await fs.rm(this.folder, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}
