/**
 * The plan and spec in force for a feature. Both live in the main checkout
 * (`.aop/features/<id>/`), where an unsandboxed agent can write them, and an agent that widens
 * its own plan has escaped every rule in it. So the versions in force are the ones the user last
 * saved in the editor or confirmed, kept as private copies in the feature's `.runtime/`; a
 * different file on disk is a *pending* change, applied only when the user confirms it after
 * seeing the diff (and only the exact bytes they saw), or put back with `revert`.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describeChange } from '../gitdir/describe';
import { sha256 } from '../gitdir/snapshot';
import { writeFileAtomic } from '../util/atomicFile';
import { AopError } from '../util/errors';
import type { FeaturePaths } from './featurePaths';

export type ConfirmedKind = 'plan' | 'spec';
export const CONFIRMED_KINDS: readonly ConfirmedKind[] = ['plan', 'spec'];

export interface PendingChange {
  kind: ConfirmedKind;
  /** The file on disk. */
  file: string;
  /** What is in force (absent: no such file was confirmed). */
  inForce?: Buffer;
  /** What is on disk now (absent: the file was deleted). */
  onDisk?: Buffer;
  /** SHA-256 of what is on disk (what `confirm` must be given), or '' when deleted. */
  onDiskSha: string;
  diff: string;
}

export class ConfirmedFiles {
  private readonly inForce = new Map<ConfirmedKind, Buffer | undefined>();

  private constructor(private readonly paths: FeaturePaths) {}

  /** Loads the copies; a feature without one (made before this existed) confirms what is on disk. */
  static async open(paths: FeaturePaths): Promise<ConfirmedFiles> {
    const c = new ConfirmedFiles(paths);
    for (const kind of CONFIRMED_KINDS) {
      const copy = await c.readCopy(kind);
      if (copy.found) c.inForce.set(kind, copy.data);
      else await c.adopt(kind, await readOpt(c.diskFile(kind)));
    }
    return c;
  }

  diskFile(kind: ConfirmedKind): string {
    return kind === 'plan' ? this.paths.plan : this.paths.spec;
  }

  /** The text in force (undefined: none). */
  text(kind: ConfirmedKind): string | undefined {
    return this.inForce.get(kind)?.toString('utf8');
  }

  /** The file on disk differs from the one in force. */
  async pending(kind: ConfirmedKind): Promise<PendingChange | undefined> {
    const file = this.diskFile(kind);
    const disk = await readOpt(file);
    const held = this.inForce.get(kind);
    if (same(disk, held)) return undefined;
    const label = path.basename(file);
    return { kind, file, inForce: held, onDisk: disk, onDiskSha: disk ? sha256(disk) : '', diff: describeChange(label, asState(held), asState(disk)) };
  }

  async pendingAll(): Promise<PendingChange[]> {
    const out: PendingChange[] = [];
    for (const kind of CONFIRMED_KINDS) {
      const p = await this.pending(kind);
      if (p) out.push(p);
    }
    return out;
  }

  /**
   * The user accepts what is on disk. `seenSha` is the hash of the content they were shown:
   * if the file changed since, nothing is confirmed (they must look again).
   */
  async confirm(kind: ConfirmedKind, seenSha: string): Promise<Buffer | undefined> {
    const disk = await readOpt(this.diskFile(kind));
    if ((disk ? sha256(disk) : '') !== seenSha) {
      throw new AopError('CONFLICT', `${path.basename(this.diskFile(kind))} changed again since you reviewed it; review the new change before applying it.`);
    }
    await this.adopt(kind, disk);
    return disk;
  }

  /** Puts the version in force back on disk, byte for byte (or removes a file none was confirmed for). */
  async revert(kind: ConfirmedKind): Promise<void> {
    const file = this.diskFile(kind);
    const held = this.inForce.get(kind);
    if (held) await writeFileAtomic(file, held);
    else await fs.rm(file, { force: true });
  }

  /** Our own write, or the user's save in the editor: this is now the version in force. */
  async adopt(kind: ConfirmedKind, data: Buffer | undefined): Promise<void> {
    this.inForce.set(kind, data);
    if (data) await writeFileAtomic(this.copyFile(kind), data);
    else await fs.rm(this.copyFile(kind), { force: true });
    // "No file confirmed" is recorded too, so that a file the agent creates is still pending.
    if (!data) await writeFileAtomic(this.absentMarker(kind), '');
    else await fs.rm(this.absentMarker(kind), { force: true });
  }

  private async readCopy(kind: ConfirmedKind): Promise<{ found: boolean; data?: Buffer }> {
    const data = await readOpt(this.copyFile(kind));
    if (data) return { found: true, data };
    // An "absent" marker is a copy too: the confirmed state is "no file".
    return { found: (await readOpt(this.absentMarker(kind))) !== undefined };
  }

  private copyFile(kind: ConfirmedKind): string {
    return path.join(this.paths.runtime, 'confirmed', kind === 'plan' ? 'plan.yaml' : 'spec.md');
  }

  private absentMarker(kind: ConfirmedKind): string {
    return `${this.copyFile(kind)}.absent`;
  }
}

async function readOpt(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch {
    return undefined;
  }
}

function same(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (!a || !b) return a === b;
  return a.equals(b);
}

function asState(b: Buffer | undefined) {
  return b ? { type: 'file' as const, mode: 0o644, size: b.length, sha256: sha256(b), data: b } : undefined;
}
