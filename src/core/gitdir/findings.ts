/**
 * What the git folder guard holds against agents: a finding (a guarded file changed, or a ref
 * moved that nobody running owns), and the file that keeps findings across restarts, so that a
 * restart does not forget a poisoned config.
 */
import * as fs from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomicFile';
import { errorMessage } from '../util/errors';
import { gitPathRole } from './scope';
import { loadState, storeState, type FileState, type StoredFileState } from './snapshot';

export interface GitDirFinding {
  /** Relative to the git folder, with '/': `config`, `hooks/pre-commit`, `refs/heads/main`. */
  path: string;
  role: 'guarded' | 'ref';
  /** Absent: the path did not exist before. */
  before?: FileState;
  /** Absent: the path is gone now. */
  after?: FileState;
  /** For `packed-refs`: the refs it moved that nobody may move. */
  refs?: string[];
  /** Features whose agents were running when it was seen. */
  features: string[];
  seenAt: string;
}

export interface GitDirDetection {
  findings: GitDirFinding[];
  /** performance.now() when the change was established (the watch event's handling). */
  detectedAt: number;
}

interface StoredFinding extends Omit<GitDirFinding, 'before' | 'after'> {
  before?: StoredFileState;
  after?: StoredFileState;
}

/** The findings kept in `file` (none when it is missing; an unreadable file is reported and ignored). */
export async function loadFindings(file: string): Promise<GitDirFinding[]> {
  const out: GitDirFinding[] = [];
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return out;
  }
  try {
    const stored = JSON.parse(text) as { findings?: StoredFinding[] };
    for (const s of stored.findings ?? []) {
      if (typeof s.path !== 'string' || gitPathRole(s.path) === 'inert') continue;
      out.push({ ...s, before: s.before && loadState(s.before), after: s.after && loadState(s.after) });
    }
  } catch (err) {
    console.error('[aop] git folder findings unreadable, ignored:', errorMessage(err));
  }
  return out;
}

/** Writes the findings atomically (removes the file when there are none). */
export async function saveFindings(file: string, gitDir: string, findings: readonly GitDirFinding[]): Promise<void> {
  const stored: StoredFinding[] = findings.map((f) => ({ ...f, before: f.before && storeState(f.before), after: f.after && storeState(f.after) }));
  if (stored.length === 0) await fs.rm(file, { force: true });
  else await writeFileAtomic(file, JSON.stringify({ version: 1, gitDir, findings: stored }));
}
