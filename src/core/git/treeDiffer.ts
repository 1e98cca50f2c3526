/**
 * Tree diffs through one long-lived `git diff-tree --stdin`. Spawning git in a large repository
 * costs 10-30 ms (it maps the pack indexes each time); a live process answers in a few. Each
 * request is a "<tree> <tree>" line followed by a marker line, which diff-tree echoes verbatim
 * after the diff, so we know where each answer ends.
 */
import { randomBytes } from 'node:crypto';
import { AopError } from '../util/errors';
import { BatchProcess } from './batchProcess';

export class TreeDiffer {
  private readonly raw: BatchProcess;
  private readonly withNumstat: BatchProcess;
  private readonly marker = `#aop-end-${randomBytes(8).toString('hex')}\n`;

  constructor(cwd: string) {
    const args = ['diff-tree', '--stdin', '-r', '-z', '--no-renames', '--raw', '--no-ext-diff', '--no-textconv'];
    this.raw = new BatchProcess(args, cwd);
    this.withNumstat = new BatchProcess([...args, '--numstat'], cwd);
  }

  /** The raw diff-tree -z output (raw records, and numstat records when asked) between two trees. */
  diff(fromTree: string, toTree: string, numstat: boolean): Promise<string> {
    if (!/^[0-9a-f]+$/.test(fromTree) || !/^[0-9a-f]+$/.test(toTree)) {
      return Promise.reject(new AopError('INVALID_INPUT', 'tree diff needs object ids'));
    }
    const marker = Buffer.from(this.marker);
    const proc = numstat ? this.withNumstat : this.raw;
    return proc.request(`${fromTree} ${toTree}\n${this.marker}`, (buf) => {
      const at = buf.indexOf(marker);
      if (at < 0) return undefined;
      let body = buf.subarray(0, at).toString('utf8');
      // A non-empty diff starts with the echoed "<from> <to>" line.
      const header = `${fromTree} ${toTree}\n`;
      if (body.startsWith(header)) body = body.slice(header.length);
      return { value: body, used: at + marker.length };
    });
  }

  close(): void {
    this.raw.close();
    this.withNumstat.close();
  }
}
