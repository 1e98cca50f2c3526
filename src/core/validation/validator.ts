/**
 * Checks a feature's changes against its plan. One Validator per feature (features never share
 * a cache). Per-file verdicts are cached by (path, content id, mode, planHash), so validating
 * after every checkpoint costs what changed; feature-wide rules (quota, file count) and symlink
 * escapes (which depend on other links) are recomputed on each call, which is cheap.
 * The path-only rules are in ./pathRules.ts, the verdict cache and its save/restore in
 * ./verdictCache.ts, reading ignored files and links from disk in ./worktreeDisk.ts.
 */
import type { Stats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { FileChange, GitMode, Violation, ViolationKind } from '../model/types';
import type { Plan } from '../plan';
import { mapLimit } from '../util/async';
import { isGone } from '../util/fsErrors';
import { msg } from './messages';
import { PathRules } from './pathRules';
import { SECRET_SCAN_BYTES, scanSecrets } from './secrets';
import { createViolation } from './severity';
import { symlinkEscape } from './symlinks';
import { VerdictCache, type FileVerdict, type SavedVerdicts } from './verdictCache';
import { diskFacts, diskLink, readHead, type DiskFacts } from './worktreeDisk';

const DEFAULT_CONCURRENCY = 8;

export interface ValidatorOptions {
  /** Absolute path of the feature's worktree (ignored files are read from here). */
  worktree: string;
  /**
   * Content of a blob by object id (e.g. `git cat-file blob`). With `maxBytes`, at least that
   * much of its start (or all of it when smaller) is enough: the secret scan reads a prefix.
   */
  readBlob(oid: string, maxBytes?: number): Promise<Buffer>;
  /** Most per-file verdicts kept (least recently used go first). */
  cacheEntries?: number;
  /** Most files read at once on a cold validation. */
  concurrency?: number;
}

export interface ValidationResult {
  violations: Violation[];
  /** Files examined (all of `changes`). */
  checked: number;
  /** Of those, how many were answered from the cache. */
  cacheHits: number;
}

/** Bytes of a blob already in memory (just hashed by the checkpoint), or undefined to read it. */
export type BlobContent = (oid: string) => Buffer | undefined;

/** A symlink among the changes and its target text. */
export interface LinkChange {
  path: string;
  target: string;
}

export class Validator {
  private currentPlan!: Plan;
  private paths!: PathRules;
  private readonly cache: VerdictCache;
  private readonly worktree: string;

  constructor(
    plan: Plan,
    private readonly options: ValidatorOptions,
  ) {
    this.worktree = nodePath.resolve(options.worktree);
    this.cache = new VerdictCache(options.cacheEntries);
    this.setPlan(plan);
  }

  get plan(): Plan {
    return this.currentPlan;
  }

  /** Number of cached per-file verdicts. */
  get cacheSize(): number {
    return this.cache.size;
  }

  /** Switches to a new plan. Verdicts under the old one can never be hit again, so they go. */
  setPlan(plan: Plan): void {
    if (this.currentPlan?.planHash === plan.planHash) return;
    this.currentPlan = plan;
    this.paths = new PathRules(plan);
    this.cache.clear();
  }

  /**
   * Path-only rules (outside_worktree, git_dir_write, forbidden_path, out_of_scope) for one
   * path: cheap and synchronous, for deciding on a write before it lands.
   */
  checkPath(path: string, deleted = false): Violation[] {
    return this.paths.check(path, deleted);
  }

  /**
   * The rules that can judge a write before it lands, from its path and proposed content: the
   * path rules, the size (when `whole` is the entire file, not an edit's fragment) and the
   * secret scan. Synchronous and bounded (the scan reads at most SECRET_SCAN_BYTES).
   */
  checkProposedWrite(path: string, content: string | Uint8Array, whole: boolean): Violation[] {
    const violations = this.paths.check(path, false);
    if (violations.some((v) => v.kind === 'outside_worktree')) return violations;
    const plan = this.currentPlan;
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    if (whole && bytes.length > plan.limits.maxFileBytes) violations.push(this.violation('file_too_large', path, msg.tooLarge(path, bytes.length, plan.limits.maxFileBytes)));
    if (plan.policy.secretScan) {
      for (const f of scanSecrets(bytes.subarray(0, SECRET_SCAN_BYTES))) violations.push(this.violation('secret_detected', path, msg.secret(path, f.label, f.line), f.line));
    }
    return violations;
  }

  /**
   * The rules that need no file content, from what lstat says of each path on disk: path rules,
   * links (their text and where they lead), executables and sizes. Run on a watch batch before
   * anything in it is hashed or read, so a critical finding stops the agent at once, however big
   * the batch or its files. `baseMode` gives a path's mode in the feature's base (for
   * executables). Paths gone from disk, folders, and paths under a link are left to validate().
   */
  async precheck(paths: readonly string[], baseMode: (path: string) => Promise<string | undefined>): Promise<Violation[]> {
    const plan = this.currentPlan;
    const folders = new Map<string, Promise<boolean>>();
    const realFolder = (rel: string): Promise<boolean> => {
      let known = folders.get(rel);
      if (!known) {
        const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
        known = (async () => (parent === '' || (await realFolder(parent))) && (await lstat(this.abs(rel)).then((st) => st.isDirectory(), () => false)))();
        folders.set(rel, known);
      }
      return known;
    };
    const found: Violation[] = [];
    await mapLimit(paths, this.concurrency * 4, async (path) => {
      const violations = this.paths.check(path, false);
      if (violations.some((v) => v.kind === 'outside_worktree' || v.kind === 'git_dir_write')) return void found.push(...violations);
      const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
      if (parent !== '' && !(await realFolder(parent))) return;
      let st: Stats;
      try {
        st = await lstat(this.abs(path));
      } catch (err) {
        if (isGone(err)) return;
        throw err;
      }
      if (st.isDirectory()) return;
      found.push(...violations);
      if (st.isSymbolicLink()) {
        if (plan.policy.blockSymlinks) found.push(this.violation('forbidden_path', path, msg.symlinkBlocked(path)));
        const why = await symlinkEscape(path, await readlink(this.abs(path), 'utf8'), (rel) => diskLink(this.worktree, rel));
        if (why) found.push(this.violation('symlink_escape', path, msg.symlinkEscape(path, why)));
        return;
      }
      if (!st.isFile()) return;
      if (process.platform !== 'win32' && (st.mode & 0o100) !== 0 && (await baseMode(path)) !== '100755') {
        found.push(this.violation('executable_added', path, msg.executable(path, plan.policy.blockExecutables)));
      }
      if (st.size > plan.limits.maxFileBytes) found.push(this.violation('file_too_large', path, msg.tooLarge(path, st.size, plan.limits.maxFileBytes)));
    });
    return found;
  }

  private abs(rel: string): string {
    return nodePath.join(this.worktree, ...rel.split('/'));
  }

  /** Validates all files in which the feature differs from its base. */
  async validate(changes: readonly FileChange[], content?: BlobContent): Promise<ValidationResult> {
    const { verdicts, cacheHits } = await this.verdicts(changes, content);
    const known = new Map<string, string | undefined>();
    const links: LinkChange[] = [];
    for (let i = 0; i < changes.length; i++) {
      const target = changes[i].status === 'D' ? undefined : verdicts[i].linkTarget;
      known.set(changes[i].path, target);
      if (target !== undefined) links.push({ path: changes[i].path, target });
    }
    const escapes = await this.symlinkEscapes(links, known);
    const violations: Violation[] = [];
    let total = 0;
    for (let i = 0; i < changes.length; i++) {
      violations.push(...verdicts[i].violations);
      const escape = escapes.get(changes[i].path);
      if (escape) violations.push(escape);
      total += verdicts[i].size;
    }
    violations.push(...this.featureRules(changes.length, total));
    return { violations, checked: changes.length, cacheHits };
  }

  /**
   * Each change's own verdict (path rules, mode, size, secrets), from the cache when the same
   * change was judged under the same plan. For callers that keep the feature-wide rules
   * themselves (the checkpoint service's running total, see CumulativeValidation).
   */
  async verdicts(changes: readonly FileChange[], content?: BlobContent): Promise<{ verdicts: FileVerdict[]; cacheHits: number }> {
    const verdicts: FileVerdict[] = new Array(changes.length);
    const misses: { index: number; key: string }[] = [];
    const ignored: number[] = [];
    let cacheHits = 0;

    for (let i = 0; i < changes.length; i++) {
      const change = changes[i];
      if (change.ignored && change.status !== 'D') {
        ignored.push(i);
        continue;
      }
      const key = this.cache.key(this.currentPlan.planHash, change);
      const hit = this.cache.get(key);
      if (hit) {
        verdicts[i] = hit;
        cacheHits++;
      } else {
        misses.push({ index: i, key });
      }
    }

    // Ignored files have no object id: their key includes what lstat says, so look first.
    const disk = new Map<number, DiskFacts>();
    await mapLimit(ignored, this.concurrency, async (i) => {
      const facts = await diskFacts(this.worktree, changes[i].path, changes[i].mode);
      if (facts) disk.set(i, facts);
      const key = this.cache.key(this.currentPlan.planHash, changes[i], facts);
      const hit = this.cache.get(key);
      if (hit) {
        verdicts[i] = hit;
        cacheHits++;
      } else {
        misses.push({ index: i, key });
      }
    });

    const readBlob = (oid: string, maxBytes?: number): Promise<Buffer> => {
      const inMemory = content?.(oid);
      return inMemory ? Promise.resolve(inMemory) : this.options.readBlob(oid, maxBytes);
    };
    await mapLimit(misses, this.concurrency, async ({ index, key }) => {
      const verdict = await this.checkFile(changes[index], disk.get(index), readBlob);
      verdicts[index] = verdict;
      this.cache.set(key, verdict);
    });
    return { verdicts, cacheHits };
  }

  /**
   * The most recent cached verdicts (at most `max`), to be saved at a clean stop: a verdict
   * depends only on the path, the content and the plan, which the key holds, so after a
   * restart it still stands and the first validation reads no blob it already judged.
   */
  savedVerdicts(max = 20_000): SavedVerdicts {
    return this.cache.saved(this.currentPlan.planHash, max);
  }

  /** Takes back verdicts saved under the same plan and rules; returns how many (0 for anything else). */
  restoreVerdicts(saved: unknown): number {
    return this.cache.restore(saved, this.currentPlan.planHash);
  }

  /** Feature-wide rules: the total size of the changed files and how many there are. */
  featureRules(count: number, totalBytes: number): Violation[] {
    const { limits } = this.currentPlan;
    const out: Violation[] = [];
    if (totalBytes > limits.quotaBytes) out.push(this.violation('quota_exceeded', '', msg.quota(totalBytes, limits.quotaBytes)));
    if (count > limits.maxChangedFiles) out.push(this.violation('too_many_files', '', msg.tooMany(count, limits.maxChangedFiles)));
    return out;
  }

  private get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  private violation(kind: ViolationKind, path: string, message: string, line?: number): Violation {
    return createViolation(this.currentPlan, kind, path, message, line);
  }

  private async checkFile(change: FileChange, disk: DiskFacts | undefined, readBlob: (oid: string, maxBytes?: number) => Promise<Buffer>): Promise<FileVerdict> {
    const { path } = change;
    const plan = this.currentPlan;
    const violations = this.paths.check(path, change.status === 'D');
    const done = (size: number, linkTarget?: string): FileVerdict => ({ violations: Object.freeze(violations), size, linkTarget });
    if (change.status === 'D' || violations.some((v) => v.kind === 'outside_worktree')) return done(0);
    if (change.ignored && (!disk || disk.kind === 'missing' || disk.kind === 'other')) return done(0);

    const mode: GitMode = disk ? (disk.kind === 'link' ? '120000' : disk.executable ? '100755' : '100644') : change.mode;
    if (mode === '160000') return done(0);

    if (mode === '120000') {
      const target = disk ? await readlink(disk.abs, 'utf8') : change.oid ? (await readBlob(change.oid)).toString('utf8') : undefined;
      if (plan.policy.blockSymlinks) violations.push(this.violation('forbidden_path', path, msg.symlinkBlocked(path)));
      return done(target === undefined ? 0 : Buffer.byteLength(target), target);
    }

    if (mode === '100755' && (change.status === 'A' || change.oldMode !== '100755')) {
      violations.push(this.violation('executable_added', path, msg.executable(path, plan.policy.blockExecutables)));
    }

    let size = disk ? disk.size : change.size;
    let content: Buffer | undefined;
    if (plan.policy.secretScan || size === undefined) {
      if (disk) content = await readHead(disk.abs, Math.min(SECRET_SCAN_BYTES, disk.size));
      // A big blob is never read whole: its size is known, and only a prefix is scanned.
      else if (change.oid) content = await readBlob(change.oid, size === undefined ? undefined : SECRET_SCAN_BYTES);
      size ??= content?.length;
    }
    size ??= 0;
    if (size > plan.limits.maxFileBytes) violations.push(this.violation('file_too_large', path, msg.tooLarge(path, size, plan.limits.maxFileBytes)));
    if (plan.policy.secretScan && content) {
      for (const f of scanSecrets(content)) violations.push(this.violation('secret_detected', path, msg.secret(path, f.label, f.line), f.line));
    }
    return done(size);
  }

  /**
   * Symlink escapes of `links`, each resolved against `known` first (every changed path: its
   * link target, or undefined when it is not a link) and the worktree on disk second.
   */
  async symlinkEscapes(links: readonly LinkChange[], known: ReadonlyMap<string, string | undefined>): Promise<Map<string, Violation>> {
    const escapes = new Map<string, Violation>();
    if (links.length === 0) return escapes;
    const onDisk = new Map<string, Promise<string | undefined>>();
    const readLink = (rel: string): Promise<string | undefined> => {
      if (known.has(rel)) return Promise.resolve(known.get(rel));
      let pending = onDisk.get(rel);
      if (!pending) {
        pending = diskLink(this.worktree, rel);
        onDisk.set(rel, pending);
      }
      return pending;
    };
    for (const l of links) {
      const why = await symlinkEscape(l.path, l.target, readLink);
      if (why) escapes.set(l.path, this.violation('symlink_escape', l.path, msg.symlinkEscape(l.path, why)));
    }
    return escapes;
  }
}
