/**
 * Carries a sandboxed agent's commits to its real branch. Inside the sandbox the branch lives
 * in a private file (see ./sandboxGit.ts); whenever that file changes, and once more when the
 * agent ends, its value is checked (an object id that names a commit) and the real ref is moved
 * with our own git (`update-ref` with the value we last set as the expected old one, so a branch
 * moved meanwhile by someone else is reported, not overwritten).
 */
import { watch, type FSWatcher } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { git } from '../git/gitRunner';
import { SerialQueue } from '../util/async';
import { errorMessage } from '../util/errors';

export interface BranchMirrorOptions {
  file: string;
  ref: string;
  gitDir: string;
  initial: string | undefined;
  /** Something worth telling the user (a value refused, the real branch moved meanwhile). */
  warn(message: string): void;
  /** The real branch moved to a new commit. */
  moved?(oid: string): void;
}

const OID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

export class BranchMirror {
  private last: string | undefined;
  private watcher: FSWatcher | undefined;
  private readonly lane = new SerialQueue();
  private closed = false;

  constructor(private readonly o: BranchMirrorOptions) {
    this.last = o.initial;
  }

  start(): void {
    // The folder, not the file: git replaces the file by rename on every commit.
    this.watcher = watch(path.dirname(this.o.file), () => void this.sync());
    this.watcher.on('error', () => undefined);
  }

  /** Copies the agent's branch to the real ref when it moved. */
  sync(): Promise<void> {
    return this.lane.run(async () => {
      let text: string;
      try {
        text = (await fs.readFile(this.o.file, 'utf8')).trim();
      } catch {
        return; // not there yet, or mid-rename: the next event brings it
      }
      if (text === this.last) return;
      if (!OID.test(text)) {
        this.o.warn(`The agent set its branch ${this.o.ref} to "${text.slice(0, 80)}", which is not a commit id; the real branch was left at ${this.last ?? 'its place'}.`);
        return;
      }
      try {
        await git(['cat-file', '-e', `${text}^{commit}`], { cwd: this.o.gitDir });
        await git(['update-ref', '-m', 'agent commit (sandboxed)', '--end-of-options', this.o.ref, text, this.last ?? ''], { cwd: this.o.gitDir });
        this.last = text;
        this.o.moved?.(text);
      } catch (err) {
        this.o.warn(`The agent's branch ${this.o.ref} could not follow its commit ${text.slice(0, 12)}: ${errorMessage(err)}`);
      }
    });
  }

  /** A last sync (the agent has ended), then stops watching. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    await this.sync();
  }
}
