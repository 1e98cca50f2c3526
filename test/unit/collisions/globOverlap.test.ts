import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { expandBraces, globsOverlap } from '../../../src/core/collisions/globOverlap';
import { describePlanOverlap, planOverlap } from '../../../src/core/collisions/planOverlap';
import { makePlan } from '../../../src/core/plan';
import { compileGlobs } from '../../../src/core/validation/globs';

describe('collisions: globsOverlap', () => {
  const cases: [string, string, boolean][] = [
    ['src/**', 'src/auth/*.ts', true],
    ['src/*.ts', 'src/a*', true],
    ['src/**', 'docs/**', false],
    ['docs', 'docs/api/*.md', true],
    ['docs', 'docs2/**', false],
    ['*.md', 'README.md', true],
    ['*.md', 'src/x.md', false],
    ['**/*.test.ts', 'src/**/*.ts', true],
    ['**/*.test.ts', 'src/**/*.js', false],
    ['{src,lib}/**', 'lib/x.js', true],
    ['{src,lib}/**', 'test/**', false],
    ['src/[a-c]*.ts', 'src/d*.ts', false],
    ['src/[a-c]*.ts', 'src/b*', true],
    ['src/[^a]*', 'src/a*', false],
    ['src/[!a]*', 'src/a*', true], // picomatch reads `!` in a class as a member, not a negation
    ['src/?.ts', 'src/ab.ts', false],
    ['src/?.ts', 'src/*.ts', true],
    ['packages/*/src/**', 'packages/web/**', true],
    ['packages/*/src/**', 'packages/web/test/**', false],
    ['file{1..3}.txt', 'file2.*', true],
    ['file{1..3}.txt', 'file4.*', false],
    ['./src/', 'src/a.ts', true],
    ['**', '.github/workflows/ci.yml', true],
  ];
  for (const [a, b, want] of cases) {
    it(`${a}  vs  ${b}: ${want ? 'overlap' : 'disjoint'}`, () => {
      const r = globsOverlap(a, b);
      assert.equal(r.overlaps, want);
      assert.equal(globsOverlap(b, a).overlaps, want, 'symmetric');
      if (want) {
        assert.ok(r.example !== undefined, 'an example path is given');
        assert.ok(compileGlobs([a])(r.example) && compileGlobs([b])(r.example), `example ${r.example} matches both`);
      }
    });
  }

  it('assumes extglobs overlap (a warning too many beats a collision missed)', () => {
    assert.equal(globsOverlap('@(a|b)/x', 'c/x').overlaps, true);
  });

  it('never misses an overlap: whenever some path matches both globs, they are reported overlapping (property)', () => {
    const seg = fc.constantFrom('a', 'b', 'ab', '*', 'a*', '*b', '?', '[ab]', '[!a]', '[^a]', '**', '{a,b}', '.x', 'a.ts', '*.ts', '*a*', 'a?', '[a-c]x', '{a,*.ts}', '**/a');
    const glob = fc.array(seg, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
    const pathSeg = fc.constantFrom('a', 'b', 'ab', 'ba', 'c', '.x', 'a.ts', 'b.ts', 'x');
    const path = fc.array(pathSeg, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));
    fc.assert(
      fc.property(glob, glob, fc.array(path, { minLength: 1, maxLength: 20 }), (a, b, paths) => {
        const ma = compileGlobs([a]);
        const mb = compileGlobs([b]);
        const witness = paths.find((p) => ma(p) && mb(p));
        const r = globsOverlap(a, b);
        if (witness !== undefined) assert.equal(r.overlaps, true, `${a} and ${b} both match ${witness}`);
        if (r.example !== undefined) assert.ok(ma(r.example) && mb(r.example), `example ${r.example}`);
      }),
      { numRuns: Number(process.env.AOP_PROP_RUNS ?? 3000) },
    );
  });

  it('expands braces and ranges, and gives up (null) past the limit', () => {
    assert.deepEqual(expandBraces('{a,b}/{c,d}'), ['a/c', 'a/d', 'b/c', 'b/d']);
    assert.deepEqual(expandBraces('x{1..3}'), ['x1', 'x2', 'x3']);
    assert.deepEqual(expandBraces('{a,{b,c}}'), ['a', 'b', 'c']);
    assert.deepEqual(expandBraces('lit{x}'), ['lit{x}']);
    assert.equal(expandBraces('{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}'), null);
  });

  it('falls back to static prefixes for globs with too many alternatives', () => {
    const huge = 'src/{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}/**';
    assert.equal(globsOverlap(huge, 'src/x/**').overlaps, true);
    assert.equal(globsOverlap(huge, 'docs/**').overlaps, false);
  });
});

describe('collisions: planOverlap', () => {
  it('reports overlapping allowed globs; an empty allowed list means everything', () => {
    const a = makePlan({ version: 1, allowed: ['src/auth/**', 'docs/auth.md'] });
    const b = makePlan({ version: 1, allowed: ['src/**/*.ts'] });
    const c = makePlan({ version: 1, allowed: ['test/**'] });
    const all = makePlan({ version: 1 });
    const ab = planOverlap(a, b);
    assert.equal(ab.overlaps, true);
    assert.deepEqual(ab.pairs.map((p) => [p.a, p.b]), [['src/auth/**', 'src/**/*.ts']]);
    assert.equal(planOverlap(a, c).overlaps, false);
    assert.equal(planOverlap(all, c).overlaps, true);
    assert.match(describePlanOverlap('a', 'b', ab)!, /"a" and "b" may change the same files: "src\/auth\/\*\*" overlaps "src\/\*\*\/\*\.ts" \(e\.g\. src\/auth\/.*\.ts\)/);
    assert.equal(describePlanOverlap('a', 'c', planOverlap(a, c)), undefined);
  });

  it('warns about no overlap when a plan has no allowed list (it declares no scope), but still about exclusive areas', () => {
    const scoped = makePlan({ version: 1, allowed: ['src/**'] });
    const all = makePlan({ version: 1 });
    assert.equal(planOverlap(scoped, all).overlaps, true);
    assert.equal(describePlanOverlap('scoped', 'plain', planOverlap(scoped, all)), undefined);
    assert.equal(describePlanOverlap('plain', 'other', planOverlap(all, makePlan({ version: 1 }))), undefined);
    const owner = makePlan({ version: 1, allowed: ['src/db/**'], exclusive: ['src/db/**'] });
    assert.match(describePlanOverlap('owner', 'plain', planOverlap(owner, all))!, /"plain" is allowed into "src\/db\/\*\*", an area "owner" holds exclusively/);
  });

  it("reports one plan's allowed globs reaching into the other's exclusive areas", () => {
    const owner = makePlan({ version: 1, allowed: ['src/db/**'], exclusive: ['src/db/schema/**'] });
    const other = makePlan({ version: 1, allowed: ['src/**'] });
    const o = planOverlap(owner, other);
    assert.deepEqual(o.exclusiveA.map((p) => [p.a, p.b]), [['src/db/schema/**', 'src/**']]);
    assert.deepEqual(o.exclusiveB, []);
    assert.match(describePlanOverlap('owner', 'other', o)!, /"other" is allowed into "src\/db\/schema\/\*\*", an area "owner" holds exclusively/);
  });
});
