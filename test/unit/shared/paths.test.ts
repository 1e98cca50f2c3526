import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { assertRelPath, isFeatureId as coreIsFeatureId } from '../../../src/core/util/ids';
import { isFeatureId, isRelWorktreePath, relPathProblem } from '../../../src/shared/paths';

describe('shared/paths (browser-safe validators)', () => {
  it('accepts canonical relative paths', () => {
    for (const p of ['a', 'src/index.ts', 'dir with space/ü.md', '.gitignore', '.github/workflows/ci.yml', 'a/.git', 'x..y/z']) {
      assert.equal(relPathProblem(p), undefined, p);
    }
  });

  it('refuses paths that could leave the worktree or are not canonical', () => {
    const cases: [unknown, RegExp][] = [
      ['', /empty/],
      [undefined, /empty/],
      [42, /empty/],
      ['../etc/passwd', /\.\./],
      ['a/../../b', /\.\./],
      ['a/..', /\.\./],
      ['/etc/passwd', /absolute/],
      ['C:/Windows', /absolute/],
      ['c:relative', /absolute/],
      ['a\\b', /backslash/],
      ['\\\\server\\share', /backslash/],
      ['a//b', /empty/],
      ['a/', /empty/],
      ['./a', /"\."/],
      ['.git/config', /\.git/],
      ['.GIT/hooks/pre-commit', /\.git/],
      ['.git', /\.git/],
      ['a\u0000b', /control/],
      ['a\nb', /control/],
      ['x'.repeat(4097), /longer/],
    ];
    for (const [p, why] of cases) {
      const problem = relPathProblem(p);
      assert.ok(problem, `expected ${JSON.stringify(p)} to be refused`);
      assert.match(problem, why);
      assert.equal(isRelWorktreePath(p), false);
    }
  });

  it('accepts only what core accepts, unchanged (property)', () => {
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '', '.git', '.GIT', 'a', 'b c', 'C:', '\\', 'x\\..', '~', 'ü', '\u0000', '\n'),
      fc.string({ maxLength: 6 }),
    );
    const pathArb = fc.oneof(
      fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/')),
      fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => '/' + s.join('/')),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(pathArb, (p) => {
        if (!isRelWorktreePath(p)) return;
        assert.equal(assertRelPath(p), p, `core must accept ${JSON.stringify(p)} unchanged`);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses everything core refuses (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12, unit: fc.constantFrom('a', '.', '/', '\\', ':', 'C', '\u0000', ' ') }), (p) => {
        let coreOk = true;
        try {
          assertRelPath(p);
        } catch {
          coreOk = false;
        }
        if (!coreOk) assert.equal(isRelWorktreePath(p), false, JSON.stringify(p));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with core on feature ids', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70, unit: fc.constantFrom('a', 'z', '0', '-', '_', '.', '/', 'A', ' ') }), (id) => {
        assert.equal(isFeatureId(id), coreIsFeatureId(id));
      }),
    );
    assert.equal(isFeatureId('feat-1'), true);
    assert.equal(isFeatureId('-x'), false);
    assert.equal(isFeatureId(null), false);
  });
});
