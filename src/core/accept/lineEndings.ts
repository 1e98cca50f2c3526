/**
 * What lands on accept is what your own `git add` would have recorded. Checkpoints keep the raw
 * bytes an agent wrote (they are snapshots); where the repository asks for line-ending
 * normalisation (`* text=auto eol=lf` in `.gitattributes`, `core.autocrlf`), accepting a CRLF file
 * raw would land bytes `git add` never would. So the files the feature adds or changes are run
 * through `git add` in the sealed context: git's built-in text/eol conversion applies (from the
 * accepted tree's own `.gitattributes`, `.git/info/attributes` and your attributes file), but no
 * clean filter can run, since none is configured there. Files are judged against the base's
 * version in the index, as in a checkout of the base (git keeps CRLF in a `text=auto` file that
 * already had it).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { diffTrees } from '../checkpoints/treeDiff';
import { ObjectStore } from '../git/objectStore';
import { withSealedGit, type SealedGit } from '../git/sealedGit';
import { AopError } from '../util/errors';
import { assertRelPath } from '../util/ids';

export interface NormalisedTree {
  tree: string;
  /** Files whose content `git add` recorded differently from the checkpoint. */
  changed: string[];
}

export async function normaliseLineEndings(sealed: SealedGit, repo: string, baseCommit: string, tree: string): Promise<NormalisedTree> {
  const same: NormalisedTree = { tree, changed: [] };
  const changes = (await diffTrees(repo, baseCommit, tree)).filter((c) => c.status !== 'D' && (c.mode === '100644' || c.mode === '100755') && c.oid);
  if (changes.length === 0) return same;
  // "<mode> <type> <oid>\t<path>" for every .gitattributes file of the tree.
  const attributeFiles = (await sealed.git(['ls-tree', '-r', '-z', tree]))
    .split('\0')
    .map((l) => ({ oid: l.slice(0, l.indexOf('\t')).split(' ')[2] ?? '', path: l.slice(l.indexOf('\t') + 1) }))
    .filter((e) => e.path === '.gitattributes' || e.path.endsWith('/.gitattributes'));
  if (attributeFiles.length === 0 && !sealed.mayConvertLineEndings) return same;

  const wt = path.join(sealed.dir, 'normalise');
  const index = path.join(sealed.dir, 'normalise-index');
  const store = await ObjectStore.open(repo);
  try {
    const write = async (rel: string, oid: string, mode: string) => {
      const abs = path.join(wt, ...assertRelPath(rel).split('/'));
      const obj = await store.read(oid);
      if (!obj || obj.type !== 'blob') throw new AopError('NOT_FOUND', `The content of ${rel} (${oid}) is missing from the repository; accept with the feature's worktree intact, or run git fsck.`);
      await fs.mkdir(path.dirname(abs), { recursive: true });
      await fs.writeFile(abs, obj.data, { mode: mode === '100755' ? 0o755 : 0o644 });
    };
    await fs.mkdir(wt);
    for (const a of attributeFiles) await write(a.path, a.oid, '100644');
    for (const c of changes) await write(c.path, c.oid!, c.mode);

    // The index: the accepted tree, with each changed file at its base version (or absent).
    const run = { workTree: wt, indexFile: index };
    await sealed.run(['read-tree', tree], run);
    const info = changes.map((c) => (c.status === 'A' ? `0 ${'0'.repeat(c.oid!.length)}\t${c.path}` : `${c.oldMode} ${c.oldOid}\t${c.path}`));
    await sealed.run(['update-index', '-z', '--index-info'], { ...run, input: info.join('\0') + '\0' });
    await sealed.run(['add', '--pathspec-from-file=-', '--pathspec-file-nul'], { ...run, input: changes.map((c) => `:(literal)${c.path}\0`).join('') });
    const normalised = await sealed.git(['write-tree'], run);
    if (normalised === tree) return same;
    return { tree: normalised, changed: (await diffTrees(repo, tree, normalised)).map((c) => c.path) };
  } finally {
    store.close();
    await fs.rm(wt, { recursive: true, force: true });
    await fs.rm(index, { force: true });
  }
}

export interface FilteredFile {
  path: string;
  /** The filter the attributes name (e.g. "lfs"). */
  filter: string;
}

/**
 * Files the feature adds or changes that the repository's attributes send through a filter
 * (`filter=lfs`, git-crypt, ...). No filter runs on accept, so these land as the agent wrote
 * them, not as `git add` with the filter would record them: the summary says so.
 */
export async function filteredFiles(repo: string, baseCommit: string, tree: string): Promise<FilteredFile[]> {
  const paths = (await diffTrees(repo, baseCommit, tree)).filter((c) => c.status !== 'D' && (c.mode === '100644' || c.mode === '100755')).map((c) => c.path);
  if (paths.length === 0) return [];
  return withSealedGit(repo, async (sealed) => {
    const indexFile = path.join(sealed.dir, 'attributes-index');
    await sealed.run(['read-tree', tree], { indexFile });
    const out = (await sealed.run(['check-attr', '--cached', '-z', '--stdin', 'filter'], { indexFile, input: paths.join('\0') + '\0' })).stdout.toString('utf8').split('\0');
    const found: FilteredFile[] = [];
    // Triples: path, attribute, value ("unspecified" and "unset" mean no filter).
    for (let i = 0; i + 2 < out.length; i += 3) {
      const value = out[i + 2]!;
      if (value !== 'unspecified' && value !== 'unset' && value !== 'set') found.push({ path: out[i]!, filter: value });
    }
    return found;
  });
}
