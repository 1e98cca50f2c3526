/**
 * The two ways to snapshot a worktree with plain git that ours is compared with, each in its
 * best case (kept warm between rounds):
 * - the shadow repository most agent extensions use: a separate git folder whose work tree is
 *   the worktree, `git add -A && git commit` each time (it finds the changes by itself);
 * - a private index told the changed paths, as we are: `update-index` of those paths,
 *   `write-tree`, `commit-tree` (objects in the repository's own store, as ours).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gitAsync, gitSync } from './git';

export interface Baseline {
  /** Brings the baseline to the worktree's current state from nothing (its first snapshot). */
  init(): Promise<void>;
  /** Snapshots the worktree after `paths` changed. */
  snapshot(paths: readonly string[]): Promise<void>;
}

export class ShadowRepo implements Baseline {
  private readonly args: string[];
  private round = 0;

  constructor(
    private readonly worktree: string,
    scratch: string,
  ) {
    const gitDir = path.join(scratch, 'shadow.git');
    this.args = ['--git-dir', gitDir, '--work-tree', worktree];
    fs.mkdirSync(gitDir, { recursive: true });
    gitSync(scratch, ['init', '-q', '--bare', gitDir]);
    gitSync(scratch, ['--git-dir', gitDir, 'config', 'core.bare', 'false']);
    gitSync(scratch, ['--git-dir', gitDir, 'config', 'gc.auto', '0']);
  }

  init(): Promise<void> {
    return this.snapshot([]);
  }

  async snapshot(_paths?: readonly string[]): Promise<void> {
    this.round++;
    await gitAsync(this.worktree, [...this.args, 'add', '-A']);
    await gitAsync(this.worktree, [...this.args, 'commit', '-q', '--no-verify', '--allow-empty', '-m', `checkpoint ${this.round}`]);
  }
}

export class PrivateIndex implements Baseline {
  private readonly env: NodeJS.ProcessEnv;
  private parent: string;
  private round = 0;

  constructor(
    private readonly worktree: string,
    scratch: string,
    private readonly base: string,
  ) {
    this.env = { GIT_INDEX_FILE: path.join(scratch, 'private.index') };
    this.parent = base;
  }

  /** `read-tree` of the base, then `update-index --refresh` (which hashes every file once). */
  async init(): Promise<void> {
    await gitAsync(this.worktree, ['read-tree', this.base], { env: this.env });
    await gitAsync(this.worktree, ['update-index', '-q', '--refresh'], { env: this.env }).catch(() => undefined);
  }

  async snapshot(paths: readonly string[]): Promise<void> {
    this.round++;
    await gitAsync(this.worktree, ['update-index', '--add', '--remove', '-z', '--stdin'], { env: this.env, input: paths.map((p) => p + '\0').join('') });
    const tree = (await gitAsync(this.worktree, ['write-tree'], { env: this.env })).trim();
    this.parent = (await gitAsync(this.worktree, ['commit-tree', tree, '-p', this.parent, '-m', `checkpoint ${this.round}`], { env: this.env })).trim();
  }
}
