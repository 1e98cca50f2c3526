/**
 * Checkpoint refs: `refs/aop/<feature>/<seq>` (and `refs/aop/<feature>/base`), updated through
 * one long-lived `git update-ref --stdin -z` with a transaction per update, so a checkpoint does
 * not pay for spawning git.
 */
import { AopError } from '../util/errors';
import { assertFeatureId } from '../util/ids';
import { BatchProcess, lineParser } from './batchProcess';
import { git } from './gitRunner';

export interface CheckpointRef {
  seq: number;
  commit: string;
}

export class RefStore {
  private readonly updater: BatchProcess;

  constructor(private readonly cwd: string) {
    this.updater = new BatchProcess(['update-ref', '--stdin', '-z'], cwd);
  }

  static prefix(featureId: string): string {
    return `refs/aop/${assertFeatureId(featureId)}/`;
  }

  static checkpointRef(featureId: string, seq: number): string {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new AopError('INVALID_INPUT', `invalid checkpoint number ${seq}`);
    return `${RefStore.prefix(featureId)}${seq}`;
  }

  static baseRef(featureId: string): string {
    return `${RefStore.prefix(featureId)}base`;
  }

  /** Creates a ref that must not exist yet (`zero` is the all-zero id of the repository's hash). */
  async create(ref: string, oid: string): Promise<void> {
    await this.transaction(`create ${ref}\0${oid}\0`);
  }

  async set(ref: string, oid: string): Promise<void> {
    await this.transaction(`update ${ref}\0${oid}\0\0`);
  }

  /** Applies several updates (new id, or null to delete) as one transaction: all or nothing. */
  async updateMany(updates: { ref: string; oid: string | null; old?: string }[]): Promise<void> {
    if (updates.length === 0) return;
    const cmds = updates.map((u) => (u.oid === null ? `delete ${u.ref}\0${u.old ?? ''}\0` : `update ${u.ref}\0${u.oid}\0${u.old ?? ''}\0`));
    await this.transaction(cmds.join(''));
  }

  async delete(ref: string): Promise<void> {
    await this.transaction(`delete ${ref}\0\0`);
  }

  private async transaction(command: string): Promise<void> {
    const expect = (want: string) => (line: string) => {
      if (line !== want) throw new AopError('GIT_FAILED', `update-ref answered ${JSON.stringify(line)} (expected ${want})`);
    };
    // The command itself has no reply; the commit's reply says whether the transaction held.
    await Promise.all([
      this.updater.request('start\0', lineParser).then(expect('start: ok')),
      this.updater.request(command, () => ({ value: undefined, used: 0 })),
      this.updater.request('commit\0', lineParser).then(expect('commit: ok')),
    ]);
  }

  /** Lists a feature's checkpoints, oldest first. */
  async list(featureId: string): Promise<CheckpointRef[]> {
    const out = await git(['for-each-ref', '--format=%(refname) %(objectname)', RefStore.prefix(featureId)], { cwd: this.cwd });
    const refs: CheckpointRef[] = [];
    const prefix = RefStore.prefix(featureId);
    for (const line of out.split('\n')) {
      if (!line) continue;
      const [name, commit] = line.split(' ');
      const tail = name!.slice(prefix.length);
      if (/^\d+$/.test(tail)) refs.push({ seq: Number(tail), commit: commit! });
    }
    return refs.sort((a, b) => a.seq - b.seq);
  }

  async deleteAll(featureId: string): Promise<void> {
    const out = await git(['for-each-ref', '--format=%(refname)', RefStore.prefix(featureId)], { cwd: this.cwd });
    const names = out.split('\n').filter(Boolean);
    if (names.length === 0) return;
    await git(['update-ref', '--stdin', '-z'], { cwd: this.cwd, input: names.map((n) => `delete ${n}\0\0`).join('') });
  }

  close(): void {
    this.updater.close();
  }
}
