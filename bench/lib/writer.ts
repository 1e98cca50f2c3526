/**
 * The agent-like writer: changes k files (rewrites their content), then goes quiet. Which
 * files is a seeded choice made once per repository, and each "spread" round takes the first k
 * of it, so the feature's cumulative change set is exactly the files of the largest round so
 * far. Other shapes: files never touched before, the same few folders, one big folder.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileContent } from './repos';
import { makeRng, shuffled, type Rng } from './rng';

/**
 * Part of every file written: the choice of files is seeded, but the content is this run's own,
 * so no run finds its objects already written by an earlier one (which would measure less work
 * than there is, for us and the baselines alike) and no cached repository needs pruning for it.
 */
const RUN = randomBytes(6).toString('hex');

export class AgentWriter {
  private readonly order: string[];
  private readonly rng: Rng;
  private round = 0;
  /** Next unused file from the far end of the order, for rounds of files never touched before. */
  private freshAt: number;
  private fewFolderFiles: string[] | undefined;

  constructor(
    private readonly root: string,
    files: readonly string[],
    seed: number,
  ) {
    this.rng = makeRng(seed ^ 0x5eed);
    this.order = shuffled(files, this.rng);
    this.freshAt = this.order.length;
  }

  /** The k files the next spread rounds change. */
  pick(k: number): string[] {
    return this.order.slice(0, Math.min(k, this.order.length));
  }

  /** Rewrites k files (new content every round); returns their worktree-relative paths. */
  change(k: number): string[] {
    return this.write(this.pick(k));
  }

  /** Rewrites k files this writer has not touched before (taken from the far end of the order). */
  changeFresh(k: number): string[] {
    const from = Math.max(0, this.freshAt - k);
    const paths = this.order.slice(from, this.freshAt);
    this.freshAt = from;
    return this.write(paths);
  }

  /**
   * Rewrites k files all in the same few folders (an agent working on one module): the first
   * `folders` folders of the order that hold enough files, the same ones every round.
   */
  changeInFewFolders(k: number, folders = 3): string[] {
    if (!this.fewFolderFiles) {
      const byFolder = new Map<string, string[]>();
      for (const f of this.order) {
        const d = path.posix.dirname(f);
        byFolder.set(d, [...(byFolder.get(d) ?? []), f]);
      }
      const per = Math.ceil(k / folders);
      const chosen = [...byFolder.values()].filter((l) => l.length >= per).slice(0, folders);
      this.fewFolderFiles = chosen.flatMap((l) => l.slice(0, per));
    }
    return this.write(this.fewFolderFiles.slice(0, k));
  }

  /** Rewrites the given files. */
  write(paths: readonly string[]): string[] {
    this.round++;
    for (const p of paths) fs.writeFileSync(path.join(this.root, p), fileContent(this.rng, `${p} round ${this.round} run ${RUN}`));
    return [...paths];
  }
}
