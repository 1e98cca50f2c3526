/**
 * File access on an agent's behalf (the ACP client's fs methods). Every path the agent gives is
 * mapped into the worktree and refused when it lands outside it: through `..`, an absolute path
 * elsewhere, `.git`, or a symlinked folder or file pointing out. Writes are checked by the host
 * before anything touches the disk.
 */
import { constants as fsc } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AopError } from '../util/errors';
import { resolveInside, toRelPath } from '../util/ids';

/** Maps a path from the agent (absolute per ACP, relative tolerated) to a worktree-relative one. */
export function agentPathToRel(worktree: string, agentPath: string): string {
  const abs = path.resolve(worktree, agentPath);
  const rel = toRelPath(path.resolve(worktree), abs);
  if (rel === undefined) {
    throw new AopError('INVALID_PATH', `${agentPath} is outside the feature's worktree (${worktree}); only files inside it may be read or written.`, {
      details: { path: agentPath },
    });
  }
  resolveInside(worktree, rel); // refuses .git and anything odd, with its own message
  return rel;
}

/**
 * Resolves `rel` to an absolute path whose real location is inside the worktree: the nearest
 * existing ancestor is followed through symlinks and must stay inside, and an existing symlink
 * at the path itself is refused (a write would follow it).
 */
export async function realPathInside(worktree: string, rel: string): Promise<string> {
  const abs = resolveInside(worktree, rel);
  const root = await fs.realpath(worktree);
  try {
    if ((await fs.lstat(abs)).isSymbolicLink()) {
      throw new AopError('INVALID_PATH', `${rel} is a symbolic link; writing through links is refused.`, { details: { path: rel } });
    }
  } catch (err) {
    if (AopError.is(err)) throw err;
  }
  let dir = path.dirname(abs);
  for (;;) {
    try {
      const real = await fs.realpath(dir);
      if (real !== root && !real.startsWith(root + path.sep)) {
        throw new AopError('INVALID_PATH', `${rel} resolves outside the worktree through a symbolic link; refused.`, { details: { path: rel } });
      }
      return abs;
    } catch (err) {
      if (AopError.is(err)) throw err;
      const up = path.dirname(dir);
      if (up === dir) return abs;
      dir = up;
    }
  }
}

/** Writes a file inside the worktree, creating folders; never follows a link at the last step. */
export async function writeInside(worktree: string, rel: string, content: string): Promise<void> {
  const abs = await realPathInside(worktree, rel);
  await fs.mkdir(path.dirname(abs), { recursive: true });
  // Re-check after mkdir: a folder swapped for a link in between is caught here.
  await realPathInside(worktree, rel);
  const flags = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | (process.platform === 'win32' ? 0 : fsc.O_NOFOLLOW);
  const fh = await fs.open(abs, flags, 0o644);
  try {
    await fh.writeFile(content, 'utf8');
  } finally {
    await fh.close();
  }
}

/** Reads a text file inside the worktree, optionally from a 1-based line for `limit` lines. */
export async function readInside(worktree: string, rel: string, line?: number | null, limit?: number | null): Promise<string> {
  const abs = resolveInside(worktree, rel);
  const real = await fs.realpath(abs);
  const root = await fs.realpath(worktree);
  if (real !== root && !real.startsWith(root + path.sep)) {
    throw new AopError('INVALID_PATH', `${rel} resolves outside the worktree through a symbolic link; refused.`, { details: { path: rel } });
  }
  const text = await fs.readFile(real, 'utf8');
  if (!line && !limit) return text;
  const lines = text.split('\n');
  const start = Math.max(0, (line ?? 1) - 1);
  return lines.slice(start, limit ? start + limit : undefined).join('\n');
}
