/**
 * Puts a git-folder path back byte for byte as the fingerprint had it, keeping what stood there
 * in the quarantine (nothing an agent planted is deleted: the user may want to look at it).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { moveAside } from '../util/quarantine';
import type { FileState } from './snapshot';

/** Restores `rel` to `before` (absent: the path is only moved out); returns where the replaced content went. */
export async function restoreState(gitDir: string, rel: string, before: FileState | undefined, quarantineDir: string): Promise<string | undefined> {
  const abs = path.join(gitDir, ...rel.split('/'));
  let keptAt: string | undefined;
  if (await exists(abs)) keptAt = await moveAside(abs, quarantineDir, path.join('git', rel), 'git-dir');
  if (before) await writeState(abs, before);
  return keptAt;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** Writes bytes and mode (or a link) atomically in the file's folder. */
async function writeState(abs: string, s: FileState): Promise<void> {
  await fs.mkdir(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.aop-restore-${process.pid}`;
  await fs.rm(tmp, { force: true });
  if (s.type === 'link') await fs.symlink(s.data!.toString('utf8'), tmp);
  else {
    await fs.writeFile(tmp, s.data!, { mode: s.mode });
    await fs.chmod(tmp, s.mode);
  }
  await fs.rename(tmp, abs);
}
