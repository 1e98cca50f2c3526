/**
 * Glob hygiene for plan files. Globs come from users (and, indirectly, from agents that edit
 * plans), so each one is bounded before it reaches the matcher: a pathological glob must not be
 * able to stall validation or reach outside the repository.
 */
import picomatch from 'picomatch';

export const MAX_GLOB_LENGTH = 1000;
export const MAX_BRACE_DEPTH = 10;
export const MAX_GLOBS_PER_LIST = 2000;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Returns why `glob` is refused, or undefined when it is acceptable. */
export function globProblem(glob: string): string | undefined {
  if (glob.length === 0) return 'is empty';
  if (glob.length > MAX_GLOB_LENGTH) {
    return `is ${glob.length.toLocaleString('en-US')} characters long; a glob may be at most ${MAX_GLOB_LENGTH.toLocaleString('en-US')}`;
  }
  if (CONTROL.test(glob)) return 'contains a NUL or control character';
  if (glob.startsWith('/') || glob.startsWith('\\') || /^[A-Za-z]:/.test(glob)) {
    return 'is an absolute path; write it relative to the repository root (e.g. "src/**")';
  }
  if (glob.split(/[\\/]/).includes('..')) return 'contains a ".." segment; a glob cannot reach outside the repository';
  const depth = braceDepth(glob);
  if (depth > MAX_BRACE_DEPTH) return `nests braces ${depth} deep; at most ${MAX_BRACE_DEPTH} levels are allowed`;
  if (glob.startsWith('!') && !glob.startsWith('!(')) {
    return 'starts with "!"; negation is not supported here: list the path under `forbidden` instead';
  }
  const norm = normalizeGlob(glob);
  if (norm === '' || norm === '.') return 'names the repository root; use "**" for everything';
  try {
    picomatch.makeRe(norm, { dot: true, windows: false });
  } catch (err) {
    return `is not a valid glob (${err instanceof Error ? err.message : String(err)})`;
  }
  return undefined;
}

/** Deepest `{` nesting, ignoring backslash-escaped characters. */
export function braceDepth(glob: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') i++;
    else if (c === '{') max = Math.max(max, ++depth);
    else if (c === '}' && depth > 0) depth--;
  }
  return max;
}

/** Drops a leading "./" and a trailing "/" so "./docs/" and "docs" mean the same folder. */
export function normalizeGlob(glob: string): string {
  let g = glob;
  while (g.startsWith('./')) g = g.slice(2);
  while (g.length > 1 && g.endsWith('/')) g = g.slice(0, -1);
  return g;
}
