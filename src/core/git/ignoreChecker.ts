/**
 * Asks git whether paths are ignored (.gitignore, .git/info/exclude, core.excludesFile), through
 * one long-lived `git check-ignore --stdin`. `--no-index` so the answer depends on the patterns
 * only: whether a path is tracked is the snapshot's business, not the agent's index.
 */
import { BatchProcess } from './batchProcess';

export class IgnoreChecker {
  private proc: BatchProcess;

  constructor(private readonly cwd: string) {
    this.proc = this.spawn();
  }

  private spawn(): BatchProcess {
    return new BatchProcess(['check-ignore', '--stdin', '-z', '-v', '-n', '--no-index'], this.cwd);
  }

  /**
   * Forget what git has read: it reads each folder's .gitignore once and keeps it (the top
   * folder's for good), so a .gitignore written or edited later would go unseen. Call when one
   * changed; questions already asked are answered by the old process.
   */
  reload(): void {
    const old = this.proc;
    this.proc = this.spawn();
    old.retire();
  }

  /** True when git would ignore `relPath` (a folder path may end with '/'). */
  isIgnored(relPath: string): Promise<boolean> {
    return this.proc.request(relPath + '\0', (buf) => {
      // Reply: <source>\0<line>\0<pattern>\0<path>\0 ; source is empty when not ignored.
      let at = 0;
      const fields: string[] = [];
      for (let i = 0; i < 4; i++) {
        const z = buf.indexOf(0, at);
        if (z < 0) return undefined;
        fields.push(buf.subarray(at, z).toString('utf8'));
        at = z + 1;
      }
      const pattern = fields[2]!;
      return { value: fields[0] !== '' && !pattern.startsWith('!'), used: at };
    });
  }

  close(): void {
    this.proc.close();
  }
}
