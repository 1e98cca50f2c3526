/**
 * The agent-like writer: changes k files (rewrites their content), then goes quiet. Which
 * files is a seeded choice made once per repository, and each round takes the first k of it,
 * so the feature's cumulative change set is exactly the files of the largest round so far.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileContent } from './repos';
import { makeRng, shuffled, type Rng } from './rng';

export class AgentWriter {
  private readonly order: string[];
  private readonly rng: Rng;
  private round = 0;
  /** Next unused file from the far end of the order, for rounds of files never touched before. */
  private freshAt: number;

  constructor(
    private readonly root: string,
    files: readonly string[],
    seed: number,
  ) {
    this.rng = makeRng(seed ^ 0x5eed);
    this.order = shuffled(files, this.rng);
    this.freshAt = this.order.length;
  }

  /** The k files the next rounds change. */
  pick(k: number): string[] {
    return this.order.slice(0, Math.min(k, this.order.length));
  }

  /** Rewrites k files (new content every round); returns their worktree-relative paths. */
  change(k: number): string[] {
    this.round++;
    const paths = this.pick(k);
    for (const p of paths) fs.writeFileSync(path.join(this.root, p), fileContent(this.rng, `${p} round ${this.round}`));
    return paths;
  }

  /** Rewrites k files this writer has not touched before (taken from the far end of the order). */
  changeFresh(k: number): string[] {
    this.round++;
    const from = Math.max(0, this.freshAt - k);
    const paths = this.order.slice(from, this.freshAt);
    this.freshAt = from;
    for (const p of paths) fs.writeFileSync(path.join(this.root, p), fileContent(this.rng, `${p} round ${this.round}`));
    return paths;
  }
}
