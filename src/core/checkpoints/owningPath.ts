/**
 * Which snapshot entry stands for a changed path: the path itself, or an enclosing nested
 * repository, link or file. Apart from the Snapshotter because it is the one place that decides
 * what is never read through (links lead outside the worktree, nested repositories are gitlinks).
 */
import * as fsSync from 'node:fs';
import * as path from 'node:path';
import { isGone } from '../util/fsErrors';
import { isGitDirOnDisk } from '../util/gitDirPath';
import { GITLINK_MODE, type SnapshotTree } from './snapshotTree';

/** What is at a path on disk, without following a link: a real folder, nothing, or something else. */
export type DiskKind = 'dir' | 'missing' | 'other';

/**
 * The path whose entry represents `rel`: itself, the nearest enclosing nested repository
 * (whose content is a gitlink, not files), or the nearest enclosing folder that is now a link
 * or a file (nothing is ever read through a link: that would copy files from outside the
 * worktree into the snapshot). Undefined for paths inside `.git`. The snapshot's folders on
 * the way must be loaded (prefetch). `kinds` remembers what the disk said, for a whole batch.
 */
export function owningPath(root: string, tree: SnapshotTree, rel: string, kinds: Map<string, DiskKind>): string | undefined {
  if (isGitDirOnDisk(rel)) return undefined;
  const parts = rel.split('/');
  if (parts.includes('.git')) return owningPath(root, tree, parts.slice(0, parts.indexOf('.git')).join('/'), kinds);
  let cur = '';
  for (let i = 0; i < parts.length - 1; i++) {
    cur = cur === '' ? parts[i]! : `${cur}/${parts[i]}`;
    let kind = kinds.get(cur);
    if (kind === undefined) {
      kind = diskKind(path.join(root, cur));
      kinds.set(cur, kind);
    }
    if (kind === 'missing') return rel;
    if (kind === 'other') return cur;
    const e = tree.getLoaded(cur).entry;
    if (e?.mode === GITLINK_MODE) return cur;
    if (e === undefined) {
      const key = `${cur}/.git`;
      let nested = kinds.get(key);
      if (nested === undefined) {
        nested = diskKind(path.join(root, key));
        kinds.set(key, nested);
      }
      if (nested !== 'missing') return cur;
    }
  }
  return rel;
}

function diskKind(abs: string): DiskKind {
  try {
    return fsSync.lstatSync(abs).isDirectory() ? 'dir' : 'other';
  } catch (e) {
    return isGone(e) ? 'missing' : 'other';
  }
}
