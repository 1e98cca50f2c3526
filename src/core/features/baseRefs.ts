/** Where a new feature can start: the repository's branches and tags, newest first, the checked-out branch on top. */
import { git } from '../git/gitRunner';

export interface BaseRefCandidate {
  name: string;
  /** Abbreviated commit id. */
  commit: string;
  subject: string;
  /** The branch checked out in the main checkout. */
  current: boolean;
}

/** At most this many refs are offered. */
const MAX_REFS = 200;

export async function baseRefCandidates(repoRoot: string): Promise<BaseRefCandidate[]> {
  const out = await git(['for-each-ref', '--sort=-committerdate', `--count=${MAX_REFS}`, '--format=%(refname:short)\t%(objectname:short)\t%(subject)', 'refs/heads', 'refs/tags'], { cwd: repoRoot });
  let current = '';
  try {
    current = (await git(['symbolic-ref', '--short', '-q', 'HEAD'], { cwd: repoRoot })).trim();
  } catch {
    current = '';
  }
  return (
    out
      .split('\n')
      // Features' own branches are not bases.
      .filter((l) => l.trim() && !l.startsWith('aop/'))
      .map((l) => {
        const [name = '', commit = '', subject = ''] = l.split('\t');
        return { name, commit, subject, current: name === current };
      })
      .sort((a, b) => Number(b.current) - Number(a.current))
  );
}
