/**
 * Can some path match both globs? Decided exactly for the glob syntax plans use, the way the
 * validator reads it (picomatch with `dot: true`; a glob without wildcards also names the folder
 * of that name, see validation/globs.ts):
 *
 * 1. Braces are expanded (`{src,lib}/**` is two globs); a glob with more than MAX_EXPANSIONS
 *    alternatives is judged by its static prefix alone.
 * 2. Each glob is split into path segments; `**` matches any number of whole segments.
 * 3. Two segment lists overlap if they can be aligned (a dynamic program over both lists), and
 *    two aligned segments overlap if some string matches both: a second dynamic program over
 *    their characters, where `*` takes any run, `?` any one character, and a class `[a-z]` any
 *    character it admits (found by trying the class's own characters and printable ASCII).
 * 4. What this does not model (extglobs `@(a|b)`, POSIX classes `[[:alpha:]]`) is assumed to
 *    overlap: a warning too many beats a collision missed. Not modelled either: picomatch
 *    letting `[ab]` also match the literal text "[ab]" (paths with brackets in their names).
 *
 * When they overlap, an example path matching both is given when one can be built and checked.
 */
import picomatch from 'picomatch';
import { normalizeGlob } from '../plan/globHygiene';
import { compileGlobs } from '../validation/globs';

export const MAX_EXPANSIONS = 256;

export interface GlobOverlap {
  overlaps: boolean;
  /** A path both globs match (absent when none could be built exactly, e.g. for extglobs). */
  example?: string;
}

type CharTok = { k: 'lit'; c: string } | { k: 'any' } | { k: 'set'; test: (c: string) => boolean; chars: string[] };
type Tok = CharTok | { k: 'star' };
/** A path segment: `**`, a token list, or something not modelled (assumed to match anything). */
type Seg = { k: 'globstar' } | { k: 'toks'; toks: Tok[] } | { k: 'opaque' };

const SAMPLE_CHARS = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter((c) => c !== '/');

/** A glob parsed once for many comparisons (a plan's list against another's). */
export interface OverlapGlob {
  glob: string;
  /** Per brace alternative: its static folder prefix and its segments; null when too many. */
  alts: { base: string; segs: Seg[] }[] | null;
  base: string;
  /** The validator's own matcher for this glob, to check examples. */
  test(path: string): boolean;
}

export function compileOverlapGlob(glob: string): OverlapGlob {
  const g = normalizeGlob(glob);
  const expanded = expandBraces(g);
  return {
    glob,
    alts: expanded && expanded.map((alt) => ({ base: staticBase(alt), segs: segmentsOf(alt) })),
    base: staticBase(g),
    test: compileGlobs([glob]),
  };
}

export function globsOverlap(a: string | OverlapGlob, b: string | OverlapGlob): GlobOverlap {
  const ca = typeof a === 'string' ? compileOverlapGlob(a) : a;
  const cb = typeof b === 'string' ? compileOverlapGlob(b) : b;
  if (!ca.alts || !cb.alts) {
    // Too many alternatives to enumerate: fall back to comparing static prefixes.
    return { overlaps: prefixesCompatible(ca.base, cb.base) };
  }
  let approximate = false;
  for (const pa of ca.alts) {
    for (const pb of cb.alts) {
      // Every match starts with its static prefix: unrelated prefixes settle it cheaply.
      if (!prefixesCompatible(pa.base, pb.base)) continue;
      const w = segmentsOverlap(pa.segs, pb.segs);
      if (w === null) continue;
      const example = w === '' ? 'x' : w;
      if (ca.test(example) && cb.test(example)) return { overlaps: true, example };
      approximate = true;
    }
  }
  return approximate ? { overlaps: true } : { overlaps: false };
}

/** A literal glob also names a folder: it matches the path itself and everything under it. */
function segmentsOf(glob: string): Seg[] {
  const parts = glob.split('/').filter((p) => p !== '');
  const literal = !glob.includes('\\') && !picomatch.scan(glob).isGlob;
  const segs = parts.map(parseSegment);
  return literal ? [...segs, { k: 'globstar' }] : segs;
}

function parseSegment(seg: string): Seg {
  if (seg === '**') return { k: 'globstar' };
  if (/[@!+*?]\(/.test(seg) || seg.includes('[[:') || seg.includes('[:')) return { k: 'opaque' };
  const toks: Tok[] = [];
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '\\' && i + 1 < seg.length) toks.push({ k: 'lit', c: seg[++i]! });
    else if (c === '*') {
      if (toks[toks.length - 1]?.k !== 'star') toks.push({ k: 'star' });
    } else if (c === '?') toks.push({ k: 'any' });
    else if (c === '[') {
      const end = classEnd(seg, i);
      if (end < 0) toks.push({ k: 'lit', c });
      else {
        toks.push(parseClass(seg.slice(i + 1, end)));
        i = end;
      }
    } else toks.push({ k: 'lit', c });
  }
  return { k: 'toks', toks };
}

/** Index of the `]` closing the class opened at `start`, or -1 (then `[` is literal). */
function classEnd(s: string, start: number): number {
  let i = start + 1;
  if (s[i] === '^') i++;
  if (s[i] === ']') i++;
  for (; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ']') return i;
  }
  return -1;
}

function parseClass(body: string): CharTok {
  // picomatch 4 negates with `^` only: in `[!a]` the `!` is a member (observed, and tested).
  let negate = false;
  let i = 0;
  if (body[0] === '^') {
    negate = true;
    i = 1;
  }
  const ranges: [string, string][] = [];
  const chars: string[] = [];
  for (; i < body.length; i++) {
    let c = body[i]!;
    if (c === '\\' && i + 1 < body.length) c = body[++i]!;
    if (body[i + 1] === '-' && i + 2 < body.length) {
      let hi = body[i + 2]!;
      i += 2;
      if (hi === '\\' && i + 1 < body.length) hi = body[++i]!;
      ranges.push([c, hi]);
      chars.push(c, hi);
    } else {
      ranges.push([c, c]);
      chars.push(c);
    }
  }
  const inSet = (ch: string) => ranges.some(([lo, hi]) => ch >= lo && ch <= hi);
  return { k: 'set', test: (ch) => ch !== '/' && inSet(ch) !== negate, chars };
}

/** Alignment of two segment lists; returns a path matching both, or null. */
function segmentsOverlap(a: Seg[], b: Seg[]): string | null {
  const memo = new Map<number, string[] | null>();
  const go = (i: number, j: number): string[] | null => {
    const key = i * (b.length + 1) + j;
    if (memo.has(key)) return memo.get(key)!;
    memo.set(key, null); // cycles cannot occur (each step advances), but be safe
    let r: string[] | null = null;
    if (i === a.length && j === b.length) r = [];
    else if (i < a.length && a[i]!.k === 'globstar') {
      r = go(i + 1, j);
      if (r === null && j < b.length) {
        const rest = go(i, j + 1);
        if (rest !== null) r = [sampleOf(b[j]!), ...rest];
      }
    } else if (j < b.length && b[j]!.k === 'globstar') {
      r = go(i, j + 1);
      if (r === null && i < a.length) {
        const rest = go(i + 1, j);
        if (rest !== null) r = [sampleOf(a[i]!), ...rest];
      }
    } else if (i < a.length && j < b.length) {
      const s = segmentPair(a[i]!, b[j]!);
      if (s !== null) {
        const rest = go(i + 1, j + 1);
        if (rest !== null) r = [s, ...rest];
      }
    }
    memo.set(key, r);
    return r;
  };
  const parts = go(0, 0);
  return parts === null ? null : parts.filter((p) => p !== '').join('/');
}

function sampleOf(s: Seg): string {
  if (s.k !== 'toks') return 'x';
  const w = tokensOverlap(s.toks, s.toks);
  return w === null || w === '' ? 'x' : w;
}

function segmentPair(a: Seg, b: Seg): string | null {
  if (a.k === 'opaque' || b.k === 'opaque') return a.k === 'toks' ? sampleOf(a) : b.k === 'toks' ? sampleOf(b) : 'x';
  if (a.k !== 'toks' || b.k !== 'toks') return 'x';
  const w = tokensOverlap(a.toks, b.toks);
  if (w === null) return null;
  // A path segment is never empty: only two all-star segments meet at '', and they take 'x' too.
  return w === '' ? 'x' : w;
}

/** Some string matching both token lists (within one segment), or null when there is none. */
function tokensOverlap(p: Tok[], q: Tok[]): string | null {
  const memo = new Map<number, string | null>();
  const go = (i: number, j: number): string | null => {
    const key = i * (q.length + 1) + j;
    if (memo.has(key)) return memo.get(key)!;
    let r: string | null = null;
    if (i === p.length && j === q.length) r = '';
    else if (i < p.length && p[i]!.k === 'star') {
      r = go(i + 1, j); // the star takes nothing
      if (r === null && j < q.length) {
        const rest = go(i, j + 1); // the star takes what q[j] matches
        if (rest !== null) r = (q[j]!.k === 'star' ? '' : someChar(q[j] as CharTok)) + rest;
      }
    } else if (j < q.length && q[j]!.k === 'star') {
      r = go(i, j + 1);
      if (r === null && i < p.length) {
        const rest = go(i + 1, j);
        if (rest !== null) r = someChar(p[i] as CharTok) + rest;
      }
    } else if (i < p.length && j < q.length) {
      const c = commonChar(p[i] as CharTok, q[j] as CharTok);
      if (c !== null) {
        const rest = go(i + 1, j + 1);
        if (rest !== null) r = c + rest;
      }
    }
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

function someChar(t: CharTok): string {
  return commonChar(t, { k: 'any' }) ?? 'x';
}

function commonChar(a: CharTok, b: CharTok): string | null {
  if (a.k === 'lit') return matchesChar(b, a.c) ? a.c : null;
  if (b.k === 'lit') return matchesChar(a, b.c) ? b.c : null;
  const candidates = [...(a.k === 'set' ? a.chars : []), ...(b.k === 'set' ? b.chars : []), ...SAMPLE_CHARS, 'é'];
  return candidates.find((c) => matchesChar(a, c) && matchesChar(b, c)) ?? null;
}

function matchesChar(t: CharTok, c: string): boolean {
  if (c === '/') return false;
  if (t.k === 'lit') return t.c === c;
  if (t.k === 'any') return true;
  return t.test(c);
}

/** All alternatives of a glob's braces (`{a,b}`, `{1..3}`), or null when there are too many. */
export function expandBraces(glob: string, limit = MAX_EXPANSIONS): string[] | null {
  const out: string[] = [];
  const work = [glob];
  while (work.length > 0) {
    const g = work.pop()!;
    const br = firstBrace(g);
    if (!br) {
      out.push(g);
      if (out.length > limit) return null;
      continue;
    }
    const alts = br.alternatives;
    if (work.length + out.length + alts.length > limit * 4) return null;
    for (const alt of alts) work.push(g.slice(0, br.start) + alt + g.slice(br.end + 1));
  }
  return out.reverse();
}

/** The first `{...}` with a top-level comma or a range, with its alternatives. */
function firstBrace(g: string): { start: number; end: number; alternatives: string[] } | undefined {
  for (let i = 0; i < g.length; i++) {
    if (g[i] === '\\') {
      i++;
      continue;
    }
    if (g[i] !== '{') continue;
    let depth = 0;
    const commas: number[] = [];
    for (let j = i; j < g.length; j++) {
      if (g[j] === '\\') {
        j++;
        continue;
      }
      if (g[j] === '{') depth++;
      else if (g[j] === '}') {
        depth--;
        if (depth === 0) {
          const body = g.slice(i + 1, j);
          if (commas.length > 0) {
            const alts: string[] = [];
            let from = i + 1;
            for (const c of commas) {
              alts.push(g.slice(from, c));
              from = c + 1;
            }
            alts.push(g.slice(from, j));
            return { start: i, end: j, alternatives: alts };
          }
          const range = expandRange(body);
          if (range) return { start: i, end: j, alternatives: range };
          break; // `{x}` is literal text: look for a later brace
        }
      } else if (g[j] === ',' && depth === 1) commas.push(j);
    }
  }
  return undefined;
}

function expandRange(body: string): string[] | undefined {
  const num = /^(-?\d+)\.\.(-?\d+)$/.exec(body);
  if (num) {
    const lo = Number(num[1]);
    const hi = Number(num[2]);
    if (Math.abs(hi - lo) > MAX_EXPANSIONS) return undefined;
    const step = lo <= hi ? 1 : -1;
    const out: string[] = [];
    for (let n = lo; n !== hi + step; n += step) out.push(String(n));
    return out;
  }
  const ch = /^([a-zA-Z])\.\.([a-zA-Z])$/.exec(body);
  if (ch) {
    const lo = ch[1]!.charCodeAt(0);
    const hi = ch[2]!.charCodeAt(0);
    const step = lo <= hi ? 1 : -1;
    const out: string[] = [];
    for (let n = lo; n !== hi + step; n += step) out.push(String.fromCharCode(n));
    return out;
  }
  return undefined;
}

/** The leading folders of a glob before any wildcard (picomatch's own notion of its base). */
function staticBase(glob: string): string {
  const s = picomatch.scan(glob);
  return s.isGlob ? s.base : glob;
}

/** Two static prefixes are compatible when one is a folder prefix of the other. */
function prefixesCompatible(a: string, b: string): boolean {
  if (a === '' || b === '') return true;
  return a === b || a.startsWith(b + '/') || b.startsWith(a + '/');
}
