/**
 * Glob lists compiled once per plan. Literal patterns ("docs", ".env") go into a set and also
 * match as a folder prefix ("docs" matches "docs/a.md"); the rest become one combined regular
 * expression, so a path costs one regex test however many globs the list has.
 */
import picomatch from 'picomatch';

const PICO = { dot: true, windows: false } as const;

export class GlobSet {
  private readonly literals = new Set<string>();
  private readonly globs: { pattern: string; re: RegExp }[] = [];
  private readonly combined: RegExp | undefined;

  constructor(patterns: readonly string[]) {
    for (const raw of patterns) {
      const pattern = trimGlob(raw);
      if (pattern === '') continue;
      if (isLiteral(pattern)) this.literals.add(pattern);
      else this.globs.push({ pattern, re: picomatch.makeRe(pattern, PICO) });
    }
    this.combined = combine(this.globs.map((g) => g.re));
  }

  get size(): number {
    return this.literals.size + this.globs.length;
  }

  test(path: string): boolean {
    if (this.literals.size > 0 && this.literalMatch(path) !== undefined) return true;
    if (this.combined) return this.combined.test(path);
    return this.globs.some((g) => g.re.test(path));
  }

  /** The first pattern matching `path`, for messages (only called on the rare positive path). */
  which(path: string): string | undefined {
    return this.literalMatch(path) ?? this.globs.find((g) => g.re.test(path))?.pattern;
  }

  /** A literal equal to the path or to one of its parent folders. */
  private literalMatch(path: string): string | undefined {
    if (this.literals.has(path)) return path;
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
      const folder = path.slice(0, i);
      if (this.literals.has(folder)) return folder;
    }
    return undefined;
  }
}

/** A pure matcher for any glob list (e.g. other features' exclusive areas). */
export function compileGlobs(globs: readonly string[]): (path: string) => boolean {
  const set = new GlobSet(globs);
  return (path) => set.test(path);
}

function trimGlob(glob: string): string {
  let g = glob;
  while (g.startsWith('./')) g = g.slice(2);
  while (g.length > 1 && g.endsWith('/')) g = g.slice(0, -1);
  return g;
}

function isLiteral(pattern: string): boolean {
  return !pattern.includes('\\') && !picomatch.scan(pattern).isGlob;
}

/** One alternation of anchored picomatch expressions; undefined falls back to testing each. */
function combine(res: RegExp[]): RegExp | undefined {
  if (res.length === 0 || res.some((re) => re.flags !== '')) return undefined;
  if (res.length === 1) return res[0];
  try {
    return new RegExp(res.map((re) => `(?:${re.source})`).join('|'));
  } catch {
    return undefined;
  }
}
