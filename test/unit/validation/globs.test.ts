import * as assert from 'node:assert/strict';
import { GlobSet, compileGlobs } from '../../../src/core/validation';

describe('validation: glob matching', () => {
  it('matches globs, dot files included', () => {
    const m = compileGlobs(['src/**', '**/*.md']);
    assert.equal(m('src/a/b.ts'), true);
    assert.equal(m('src/.hidden/x'), true);
    assert.equal(m('docs/README.md'), true);
    assert.equal(m('.github/notes.md'), true);
    assert.equal(m('lib/a.ts'), false);
    assert.equal(m('srcx/a.ts'), false);
  });

  it('treats a pattern without glob characters as a file or folder', () => {
    const m = compileGlobs(['docs', '.env', 'a/b/']);
    assert.equal(m('docs'), true);
    assert.equal(m('docs/a.md'), true);
    assert.equal(m('docs/deep/er/a.md'), true);
    assert.equal(m('docsx/a.md'), false);
    assert.equal(m('x/docs/a.md'), false);
    assert.equal(m('.env'), true);
    assert.equal(m('.env.local'), false);
    assert.equal(m('a/b/c'), true);
    assert.equal(m('a/bc'), false);
  });

  it('an empty list matches nothing', () => {
    assert.equal(compileGlobs([])('a'), false);
  });

  it('names the matching pattern', () => {
    const set = new GlobSet(['secrets/**', 'docs', '*.pem']);
    assert.equal(set.which('secrets/a/b'), 'secrets/**');
    assert.equal(set.which('docs/x'), 'docs');
    assert.equal(set.which('key.pem'), '*.pem');
    assert.equal(set.which('src/key.pem'), undefined);
    assert.equal(set.size, 3);
  });

  it('a combined list of many globs agrees with testing each one', () => {
    const globs = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? `pkg${i}/**` : i % 3 === 1 ? `**/*.ext${i}` : `dir${i}/{a,b}/*.ts`));
    const m = compileGlobs(globs);
    assert.equal(m('pkg0/x/y'), true);
    assert.equal(m('deep/er/file.ext4'), true);
    assert.equal(m('dir2/b/x.ts'), true);
    assert.equal(m('dir2/c/x.ts'), false);
    assert.equal(m('pkg1/x'), false);
  });
});
