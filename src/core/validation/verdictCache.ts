/**
 * The Validator's per-file verdicts, kept by (path, content id, mode, planHash) so validating
 * after every checkpoint costs what changed, and saved at a clean stop to be taken back after a
 * restart. Apart from the rules: what makes two changes the same, and what a saved set must
 * hold to be trusted, are questions of their own.
 */
import type { FileChange, Violation } from '../model/types';
import { BoundedCache } from './boundedCache';
import type { DiskFacts } from './worktreeDisk';

export const DEFAULT_CACHE_ENTRIES = 50_000;
/**
 * Part of every saved verdict set: verdicts saved under another number are not taken back.
 * Bump it when a rule would judge the same file (path, content, plan) differently.
 */
export const VERDICT_RULES_VERSION = 1;

export interface FileVerdict {
  violations: readonly Violation[];
  /** Bytes the file occupies now (0 for deletions), for the quota. */
  size: number;
  /** Link text, when the change is a symlink. */
  linkTarget?: string;
}

/** Verdicts kept across a restart (see Validator.savedVerdicts). */
export interface SavedVerdicts {
  rules: number;
  planHash: string;
  entries: [string, FileVerdict][];
}

export class VerdictCache {
  private readonly cache: BoundedCache<string, FileVerdict>;

  constructor(entries = DEFAULT_CACHE_ENTRIES) {
    this.cache = new BoundedCache(entries);
  }

  get size(): number {
    return this.cache.size;
  }

  get(key: string): FileVerdict | undefined {
    return this.cache.get(key);
  }

  set(key: string, verdict: FileVerdict): void {
    this.cache.set(key, verdict);
  }

  clear(): void {
    this.cache.clear();
  }

  /** The key of a change's verdict under a plan; an ignored file's includes what lstat says. */
  key(planHash: string, change: FileChange, disk?: DiskFacts): string {
    return [
      planHash,
      change.path,
      change.status,
      change.mode,
      change.oldMode ?? '',
      change.oid ?? '',
      change.size ?? '',
      disk ? disk.stamp : change.ignored ? 'ignored' : '',
    ].join('\u0000');
  }

  /** The most recent verdicts (at most `max`), least recently used first. */
  saved(planHash: string, max: number): SavedVerdicts {
    const entries = this.cache.entries();
    return { rules: VERDICT_RULES_VERSION, planHash, entries: entries.slice(Math.max(0, entries.length - max)) };
  }

  /** Takes back verdicts saved under `planHash` and the same rules; returns how many (0 for anything else). */
  restore(saved: unknown, planHash: string): number {
    const s = saved as Partial<SavedVerdicts> | null;
    if (!s || s.rules !== VERDICT_RULES_VERSION || s.planHash !== planHash || !Array.isArray(s.entries)) return 0;
    let n = 0;
    for (const e of s.entries) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || !e[0].startsWith(`${s.planHash}\u0000`) || !isVerdict(e[1])) continue;
      if (this.cache.get(e[0]) === undefined) this.cache.set(e[0], e[1]);
      n++;
    }
    return n;
  }
}

function isVerdict(v: unknown): v is FileVerdict {
  const x = v as Partial<FileVerdict> | null;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.size === 'number' &&
    Array.isArray(x.violations) &&
    x.violations.every((o: Partial<Violation>) => typeof o === 'object' && o !== null && typeof o.kind === 'string' && typeof o.path === 'string' && typeof o.message === 'string') &&
    (x.linkTarget === undefined || typeof x.linkTarget === 'string')
  );
}
