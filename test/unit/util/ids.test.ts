import * as assert from 'node:assert/strict';
import { assertFeatureId, assertRefName, assertRelPath, resolveInside } from '../../../src/core/util/ids';
import { AopError } from '../../../src/core/util/errors';

describe('ids: validation of outside names', () => {
  it('accepts plain relative paths and normalises their dots and slashes', () => {
    assert.equal(assertRelPath('src/./a.ts'), 'src/a.ts');
    assert.equal(assertRelPath('src//b/'), 'src/b');
  });

  it('treats a backslash as part of a name except on Windows', function () {
    if (process.platform === 'win32') assert.equal(assertRelPath('a\\b'), 'a/b');
    else assert.equal(assertRelPath('a\\b'), 'a\\b');
  });

  it('refuses traversal, absolute paths, .git and control characters', () => {
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', '.git/config', 'a\0b', '', 'C:\\x']) {
      assert.throws(() => assertRelPath(bad), (e) => AopError.is(e, 'INVALID_PATH'), JSON.stringify(bad));
    }
    assert.throws(() => resolveInside('/tmp/wt', '../../etc'), (e) => AopError.is(e, 'INVALID_PATH'));
  });

  it('refuses ids and refs that git or a shell would misread', () => {
    for (const bad of ['../x', '-x', 'a b', 'A', 'é', 'a\nb', 'x'.repeat(65)]) assert.throws(() => assertFeatureId(bad), (e) => AopError.is(e, 'INVALID_ID'));
    for (const bad of ['--upload-pack=x', '-h', 'a..b', 'a b', 'x@{1}', 'a\0b']) assert.throws(() => assertRefName(bad), (e) => AopError.is(e, 'INVALID_REF'));
    assert.equal(assertRefName('feature/x'), 'feature/x');
  });
});
