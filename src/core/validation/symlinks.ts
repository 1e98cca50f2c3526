/**
 * Does a symlink lead outside the worktree? Resolved component by component, following any
 * symlinks met on the way (from the change set first, then the worktree on disk), because a
 * purely lexical check is fooled by chains: with `a/b/up -> ../..`, the link
 * `a/b/x -> up/../../..` looks like it stays inside but really lands one level above the root.
 */

/** Link text of `relPath` when it is a symlink; undefined when it is not one or does not exist. */
export type LinkReader = (relPath: string) => Promise<string | undefined>;

const MAX_HOPS = 40; // as Linux's ELOOP limit

export function isAbsoluteTarget(target: string): boolean {
  return target.startsWith('/') || target.startsWith('\\') || /^[A-Za-z]:/.test(target);
}

/**
 * Returns why the link at `linkPath` (worktree-relative, git form) with text `target` escapes,
 * or undefined when it stays inside. Loops are not escapes: they lead nowhere.
 */
export async function symlinkEscape(linkPath: string, target: string, readLink: LinkReader): Promise<string | undefined> {
  if (isAbsoluteTarget(target)) return `its target ${JSON.stringify(target)} is an absolute path`;
  const stack = linkPath.split('/').slice(0, -1);
  // Backslashes are separators on Windows; treating them as such everywhere is the cautious reading.
  const queue = splitTarget(target);
  let hops = 0;
  while (queue.length > 0) {
    const part = queue.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return `its target ${JSON.stringify(target)} climbs above the worktree root`;
      stack.pop();
      continue;
    }
    if (part.toLowerCase() === '.git') return `its target ${JSON.stringify(target)} leads into a .git folder`;
    stack.push(part);
    const current = stack.join('/');
    const next = await readLink(current);
    if (next === undefined) continue;
    if (++hops > MAX_HOPS) return undefined;
    if (isAbsoluteTarget(next)) return `its target ${JSON.stringify(target)} goes through ${current} -> ${JSON.stringify(next)}, an absolute path`;
    stack.pop();
    queue.unshift(...splitTarget(next));
  }
  return undefined;
}

function splitTarget(target: string): string[] {
  return target.split(/[\\/]/);
}
