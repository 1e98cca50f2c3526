import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { ObjectStore } from '../../../src/core/git/objectStore';
import { SnapshotTree } from '../../../src/core/checkpoints/snapshotTree';
import { TreeNode, TREE_MODE, compareKeys } from '../../../src/core/checkpoints/treeNode';
import { gitIn, makeTempRepo, type TempRepo } from '../helpers/tempRepo';

/** What `git mktree` makes of these entries: the reference encoding. */
function mktree(repo: TempRepo, entries: { mode: string; name: string; oid: string }[]): string {
  const input = entries.map((e) => `${e.mode === TREE_MODE ? '040000 tree' : `${e.mode} blob`} ${e.oid}\t${e.name}`).join('\0') + '\0';
  return execFileSync('git', ['mktree', '-z', '--missing'], { cwd: repo.dir, input, encoding: 'utf8' }).trim();
}

describe('SnapshotTree and TreeNode', function () {
  this.timeout(120_000);
  let repo: TempRepo;
  let store: ObjectStore;

  before(async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`big/f${i}.txt`] = `file ${i}\n`;
    files['other/x.txt'] = 'x\n';
    repo = makeTempRepo(files);
    store = await ObjectStore.open(repo.dir);
  });

  after(() => {
    store.close();
    repo.cleanup();
  });

  it('reads a folder once however many lookups wait on it at the same time', async () => {
    const tree = new SnapshotTree(store, gitIn(repo.dir, 'rev-parse', 'HEAD^{tree}'));
    const bigOid = gitIn(repo.dir, 'rev-parse', 'HEAD:big');
    const reads: string[] = [];
    const read = store.read.bind(store);
    const spy = Object.create(store) as ObjectStore;
    spy.read = (rev: string) => {
      reads.push(rev);
      return read(rev);
    };
    const spied = new SnapshotTree(spy, gitIn(repo.dir, 'rev-parse', 'HEAD^{tree}'));
    const found = await Promise.all(Array.from({ length: 256 }, (_, i) => spied.get(`big/f${i}.txt`)));
    assert.equal(found.filter(Boolean).length, 256);
    assert.equal(reads.filter((r) => r === bigOid).length, 1, 'the big folder is read once');
    assert.equal(reads.length, 2, 'the root and the big folder, nothing else');
    assert.ok(await tree.get('big/f1.txt'));
  });

  it('writes the same tree as git after changes, additions, removals and type changes in a big folder', async () => {
    const tree = new SnapshotTree(store, gitIn(repo.dir, 'rev-parse', 'HEAD^{tree}'));
    const blob = (s: string) => store.writeObjectSync('blob', Buffer.from(s));
    await tree.set('big/f7.txt', '100644', blob('changed'));
    await tree.set('big/f8.txt', '100755', blob('exec'));
    await tree.set('big/new-a.txt', '100644', blob('new'));
    await tree.set('big/f1', '100644', blob('a file named like a folder prefix'));
    await tree.set('big/f2.txt/inner', '100644', blob('file replaced by a folder'));
    await tree.remove('big/f9.txt');
    await tree.set('other', '120000', blob('big'));
    const written = await tree.write();
    // The same state through git's own index.
    const idx = { ...process.env, GIT_INDEX_FILE: `${repo.dir}/../ref-index` };
    const run = (args: string[], input?: string) =>
      execFileSync('git', args, { cwd: repo.dir, env: idx, input, encoding: 'utf8' }).trim();
    run(['read-tree', 'HEAD']);
    const h = (s: string) => run(['hash-object', '-w', '--stdin'], s);
    run(['update-index', '--index-info'], [
      `100644 ${h('changed')}\tbig/f7.txt`,
      `100755 ${h('exec')}\tbig/f8.txt`,
      `100644 ${h('new')}\tbig/new-a.txt`,
      `100644 ${h('a file named like a folder prefix')}\tbig/f1`,
      `0 0000000000000000000000000000000000000000\tbig/f2.txt`,
      `100644 ${h('file replaced by a folder')}\tbig/f2.txt/inner`,
      `0 0000000000000000000000000000000000000000\tbig/f9.txt`,
      `0 0000000000000000000000000000000000000000\tother/x.txt`,
      `120000 ${h('big')}\tother`,
    ].join('\n') + '\n');
    assert.equal(written, run(['write-tree']));
  });

  it('encodes any set of names in git order, and patches ids in place to the same bytes (property)', () => {
    const name = fc.oneof(
      fc.constantFrom('a', 'a.txt', 'a-b', 'a_b', 'A', 'Z', '~', 'é', 'ä.txt', 'ü', '\u{1F600}', '\u{1F600}x', '\uFB01', '\uFF21', 'a\u{10000}', 'a\uFFFF'),
      fc.stringMatching(/^[a-z.\-_]{1,6}$/),
    );
    const oid = fc.stringMatching(/^[0-9a-f]{40}$/);
    const entry = fc.record({ name, tree: fc.boolean(), oid });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.name, minLength: 1, maxLength: 30 }), fc.nat(), oid, (entries, pick, newOid) => {
        const node = TreeNode.empty(20);
        for (const e of entries) node.set({ mode: e.tree ? TREE_MODE : '100644', name: e.name, oid: e.oid });
        const asGit = entries.map((e) => ({ mode: e.tree ? TREE_MODE : '100644', name: e.name, oid: e.oid }));
        assert.equal(store.writeObjectSync('tree', node.encode()), mktree(repo, asGit));
        // Re-encoded from git's bytes, then one id changed in place.
        const parsed = TreeNode.parse('x', node.encode(), 20);
        const target = asGit[pick % asGit.length]!;
        parsed.set({ ...target, oid: newOid });
        target.oid = newOid;
        assert.equal(store.writeObjectSync('tree', parsed.encode()), mktree(repo, asGit));
      }),
      { numRuns: 60, seed: 16 },
    );
  });

  it('orders names bytewise as git does, also past U+FFFF', () => {
    assert.ok(compareKeys('\uFFFF', '\u{10000}') < 0, 'U+FFFF sorts before U+10000 in UTF-8');
    assert.ok(compareKeys('a.txt', 'a/') < 0);
    assert.ok(compareKeys('a/', 'a0') < 0);
  });
});
