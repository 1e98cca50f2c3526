/**
 * What a clean stop leaves for the next start, beside the stat cache: the validator's per-file
 * verdicts and the blob sizes of the feature's changes against its base. Taken back at open, the
 * first validation after a restart judges only what changed since instead of reading every blob
 * the feature touched, and no size is looked up again. Missing or unusable (another plan, a crash
 * before any save): judged and looked up afresh. (h-perf's restart work, moved here.)
 */
import * as fs from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomicFile';
import type { SavedVerdicts } from '../validation';

export interface RestartState {
  verdicts: SavedVerdicts;
  /** Blob sizes of the feature's changes against its base. */
  sizes: [string, number][];
}

/** What the state needs of the validator (both optional). */
export interface VerdictKeeper {
  savedVerdicts?(): SavedVerdicts;
  restoreVerdicts?(saved: unknown): number;
}

/** The file beside the stat cache (none without one). */
export function restartStateFile(statCacheFile: string | undefined): string | undefined {
  return statCacheFile === undefined ? undefined : `${statCacheFile}.verdicts.json`;
}

/** Gives the validator its verdicts back; returns the sizes that look right (a wrong pair can only name an id no change has). */
export async function restoreRestartState(file: string | undefined, validator: VerdictKeeper): Promise<[string, number][]> {
  if (!file) return [];
  let saved: Partial<RestartState>;
  try {
    saved = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<RestartState>;
  } catch {
    return []; // nothing saved, or unreadable: nothing to take back
  }
  validator.restoreVerdicts?.(saved.verdicts);
  if (!Array.isArray(saved.sizes)) return [];
  return saved.sizes.filter((e): e is [string, number] => Array.isArray(e) && /^[0-9a-f]{40,64}$/.test(String(e[0])) && Number.isSafeInteger(e[1]) && e[1] >= 0);
}

export async function saveRestartState(file: string | undefined, validator: VerdictKeeper, sizes: [string, number][]): Promise<void> {
  const verdicts = validator.savedVerdicts?.();
  if (!file || !verdicts || verdicts.entries.length === 0) return;
  const state: RestartState = { verdicts, sizes };
  await writeFileAtomic(file, JSON.stringify(state)).catch(() => undefined);
}
