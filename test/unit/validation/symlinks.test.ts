import * as assert from 'node:assert/strict';
import { symlinkEscape } from '../../../src/core/validation';

/** A link reader over a fixed map of links (path -> link text). */
const links = (map: Record<string, string>) => async (rel: string) => map[rel];

describe('validation: symlink escape resolution', () => {
  it('refuses absolute targets', async () => {
    assert.match((await symlinkEscape('l', '/etc/passwd', links({})))!, /absolute/);
    assert.match((await symlinkEscape('a/l', 'C:\\Windows', links({})))!, /absolute/);
  });

  it('refuses targets that climb above the root, relative to the link folder', async () => {
    assert.match((await symlinkEscape('l', '../x', links({})))!, /climbs above/);
    assert.match((await symlinkEscape('a/b/l', '../../../x', links({})))!, /climbs above/);
    assert.equal(await symlinkEscape('a/b/l', '../../x', links({})), undefined);
    assert.equal(await symlinkEscape('a/l', '../b/./c', links({})), undefined);
  });

  it('refuses targets into .git, at any depth and case', async () => {
    assert.match((await symlinkEscape('l', '.git/hooks/pre-commit', links({})))!, /\.git/);
    assert.match((await symlinkEscape('a/l', '../.GIT', links({})))!, /\.git/);
    assert.match((await symlinkEscape('l', 'sub/.git/config', links({})))!, /\.git/);
  });

  it('follows chains of links that look harmless one by one', async () => {
    // x/y/up -> ../.. is the root, so up/../../.. is one level above it.
    const chain = links({ 'x/y/up': '../..' });
    assert.equal(await symlinkEscape('x/y/up', '../..', chain), undefined);
    assert.match((await symlinkEscape('x/y/esc', 'up/../../..', chain))!, /climbs above/);
    // Through a link to an absolute path.
    assert.match((await symlinkEscape('l', 'tmp/file', links({ tmp: '/tmp' })))!, /goes through tmp -> "\/tmp"/);
    // A link to a deeper folder makes ".." land deeper, still inside.
    assert.equal(await symlinkEscape('l', 'deep/..', links({ deep: 'p/q/r' })), undefined);
  });

  it('a loop is not an escape', async () => {
    assert.equal(await symlinkEscape('a', 'b', links({ a: 'b', b: 'a' })), undefined);
  });
});
