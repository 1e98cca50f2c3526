/**
 * Choices for a new feature's scope (its plan's `allowed` globs): the folders of the base
 * commit, one glob each, with a sensible one picked by default. Read from git, not the disk, so
 * what is offered is what the feature's worktree will hold.
 */
import { git } from '../git/gitRunner';
import { assertRefName, assertRelPath } from '../util/ids';
import { globProblem } from './globHygiene';

export interface ScopeChoice {
  glob: string;
  /** Why it is offered (for the picker's description). */
  note?: string;
  picked: boolean;
}

/** Folders that are never a feature's work area. */
const SKIP = new Set(['.git', '.aop', 'node_modules', '.tools', 'dist', 'out', 'build', 'target', 'vendor', '.venv', '__pycache__']);
/** Where source usually lives, best first: the first one present is picked by default. */
const SOURCE_FOLDERS = ['src', 'lib', 'app', 'source', 'packages', 'pkg', 'internal', 'cmd'];

/** Folder names at the top of `ref`'s tree, or under `under` (a repository-relative folder). */
export async function listFolders(repoRoot: string, ref: string, under?: string): Promise<string[]> {
  const at = under ? `${assertRefName(ref)}:${assertRelPath(under)}` : `${assertRefName(ref)}^{tree}`;
  let out: string;
  try {
    out = await git(['ls-tree', '-d', '-z', '--name-only', '--end-of-options', at], { cwd: repoRoot });
  } catch {
    return []; // an empty repository, or a folder that is not there: nothing to offer
  }
  return out.split('\0').filter((n) => n !== '' && !SKIP.has(n));
}

/**
 * The scope choices: each top folder as `<folder>/**`, and the sub-folders of the default one,
 * so a feature can be narrowed to `src/auth/**`. The default is the first usual source folder,
 * or, with none, the whole repository (an empty `allowed`).
 */
export function scopeChoices(top: readonly string[], subOfDefault: readonly string[] = []): { choices: ScopeChoice[]; defaultFolder: string | undefined } {
  // Hidden folders are rarely a work area; a glob cannot start with an escaped character.
  const visible = top.filter((f) => !/^([.!*?[\]{}()+@"']|[A-Za-z]:)/.test(f) && !f.includes('\\'));
  const defaultFolder = SOURCE_FOLDERS.find((f) => visible.includes(f));
  const choices: ScopeChoice[] = [];
  for (const f of visible) {
    choices.push({ glob: folderGlob(f), picked: f === defaultFolder, ...(f === defaultFolder ? { note: 'usual source folder' } : {}) });
    if (f === defaultFolder) for (const s of subOfDefault.filter((n) => !SKIP.has(n) && !n.includes('\\'))) choices.push({ glob: folderGlob(`${f}/${s}`), picked: false });
  }
  return { choices, defaultFolder };
}

/** A glob matching exactly the folder `name` and everything in it (glob characters escaped). */
export function folderGlob(folder: string): string {
  return `${folder.replace(/[*?[\]{}()!+@"']/g, (c) => `\\${c}`)}/**`;
}

/** The source folder the picker would select by default, so callers can list its sub-folders. */
export function defaultSourceFolder(top: readonly string[]): string | undefined {
  return SOURCE_FOLDERS.find((f) => top.includes(f));
}

/** Globs typed by a person, separated by commas or spaces, with the first one refused (and why). */
export function parseGlobList(text: string): { globs: string[]; problem?: string } {
  const globs = text
    .split(/[,\s]+/)
    .map((g) => g.trim())
    .filter(Boolean);
  for (const g of globs) {
    const problem = globProblem(g);
    if (problem) return { globs, problem: `"${g}" ${problem}` };
  }
  return { globs };
}
