/**
 * Watches a repository's shared git folder while agents run. Every worktree's `.git` file leads
 * an agent there, and what it writes in `config`, hooks, `info/` or another branch's ref decides
 * what the *next* git command runs or shows, ours or the user's.
 *
 * When the first agent starts, the guard fingerprints the watched paths (./scope.ts) and watches
 * the folder with a Watchdog. Each write is re-read and compared with that baseline: a changed
 * guarded file, or a ref moved that no running feature owns, becomes a finding held against the
 * features whose agents were running. Findings stand until the user restores the previous bytes
 * (kept in the fingerprint; ./restoreState.ts) or acknowledges the change; they are written to a
 * file so that a restart does not forget a poisoned config (./findings.ts). Our own git
 * operations (creating a feature, accept) run inside `expect()`, which takes what they write as
 * the new baseline.
 */
import { SerialQueue } from '../util/async';
import { Emitter } from '../util/emitter';
import { AopError, errorMessage } from '../util/errors';
import { Watchdog, type WatcherFactory, type WatcherSetting } from '../watch';
import { describeChange } from './describe';
import { loadFindings, saveFindings, type GitDirDetection, type GitDirFinding } from './findings';
import { movedPackedRefs } from './refs';
import { restoreState } from './restoreState';
import { gitPathRole, mayHoldWatched } from './scope';
import { DEFAULT_LIMITS, refreshPaths, sameState, setEntry, snapshotGitDir, type FileState, type GitDirSnapshot, type SnapshotLimits } from './snapshot';

export interface GitDirGuardOptions {
  /** The common git folder (`git rev-parse --git-common-dir`). */
  gitDir: string;
  backend: WatcherSetting;
  /** Whether a ref (a role-`ref` path, or a name inside packed-refs) may move now. */
  allowRef(name: string): boolean;
  /** The features to hold responsible for what is seen now (those with running agents). */
  suspects(): string[];
  /** Where findings are kept across restarts. */
  findingsFile: string;
  /** Where a planted file goes when the user restores "absent". */
  quarantineDir: string;
  createWatcher?: WatcherFactory;
  limits?: SnapshotLimits;
  quietMs?: number;
  /**
   * A full comparison this often while watching (0: never). A native watcher can drop an event
   * under a burst of changes (@parcel/watcher#183); a write that makes git run code must not
   * wait for the stop to be seen.
   */
  checkEveryMs?: number;
}

/** The git folder's guarded files are few and small: a full comparison costs milliseconds. */
export const GIT_DIR_CHECK_EVERY_MS = 5000;

export class GitDirGuard {
  private baseline: GitDirSnapshot | undefined;
  private current: GitDirSnapshot | undefined;
  private readonly findingsByPath = new Map<string, GitDirFinding>();
  private watchdog: Watchdog | undefined;
  private readonly lane = new SerialQueue();
  private readonly saves = new SerialQueue();
  /** Path prefixes our own operations are writing right now. */
  private readonly expected: string[][] = [];
  /** Features that had running agents since the watch started (for the check at stop). */
  private readonly seenSuspects = new Set<string>();
  private readonly limits: SnapshotLimits;
  private readonly detected = new Emitter<GitDirDetection>();
  private readonly changed = new Emitter<readonly GitDirFinding[]>();
  /** New or grown findings: the features named must be paused. */
  readonly onDetected = this.detected.event;
  /** The list of standing findings changed (new, updated, restored, acknowledged). */
  readonly onDidChange = this.changed.event;
  private disposed = false;
  private checkTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly opts: GitDirGuardOptions) {
    this.limits = opts.limits ?? DEFAULT_LIMITS;
  }

  static async open(opts: GitDirGuardOptions): Promise<GitDirGuard> {
    const g = new GitDirGuard(opts);
    await g.load();
    return g;
  }

  get gitDir(): string {
    return this.opts.gitDir;
  }

  get watching(): boolean {
    return this.watchdog !== undefined;
  }

  get findings(): GitDirFinding[] {
    return [...this.findingsByPath.values()];
  }

  finding(rel: string): GitDirFinding | undefined {
    return this.findingsByPath.get(rel);
  }

  /** Fingerprints the folder (keeping the "before" of standing findings) and starts watching. */
  start(): Promise<void> {
    return this.lane.run(async () => {
      if (this.watchdog || this.disposed) return;
      // Watch first, fingerprint second: a write in between is both in an event (queued behind
      // this task on the lane) and, if it came first, in the fingerprint; none falls between.
      const wd = new Watchdog({
        root: this.opts.gitDir,
        backend: this.opts.backend,
        quietMs: this.opts.quietMs ?? 10,
        maxWaitMs: 100,
        createWatcher: this.opts.createWatcher,
        onBatch: (b) => this.lane.run(() => this.onPaths([...b.paths.keys()])),
        onNeedsReconcile: () => void this.checkAll().catch(() => undefined),
      });
      await wd.start();
      this.watchdog = wd;
      const snap = await snapshotGitDir(this.opts.gitDir, this.limits);
      this.current = new Map(snap);
      this.baseline = snap;
      for (const f of this.findingsByPath.values()) setEntry(this.baseline, f.path, f.before);
      for (const id of this.opts.suspects()) this.seenSuspects.add(id);
      // Findings from before a restart may have been resolved meanwhile.
      this.evaluate(new Set(this.findingsByPath.keys()));
      const every = this.opts.checkEveryMs ?? GIT_DIR_CHECK_EVERY_MS;
      if (every > 0) {
        this.checkTimer = setInterval(() => void this.checkAll().catch(() => undefined), every);
        this.checkTimer.unref();
      }
    });
  }

  /** Runs a last full comparison, then stops watching. Standing findings remain. */
  async stop(): Promise<void> {
    const wd = this.watchdog;
    if (!wd) return;
    this.stopChecks();
    await wd.flush();
    await this.checkAll();
    await this.lane.run(async () => {
      this.watchdog = undefined;
      await wd.close();
      this.baseline = this.current = undefined;
      this.seenSuspects.clear();
    });
  }

  private stopChecks(): void {
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.checkTimer = undefined;
  }

  /** A full re-read and comparison (periodically, after watcher trouble, and at stop). */
  checkAll(): Promise<void> {
    return this.lane.run(async () => {
      if (!this.baseline || !this.current) return;
      const fresh = await snapshotGitDir(this.opts.gitDir, this.limits);
      const touched = new Set([...this.current.keys(), ...fresh.keys()]);
      this.current = fresh;
      this.evaluate(touched);
    });
  }

  /** Notes that a feature's agent is running now (for findings seen after it stops). */
  noteSuspect(featureId: string): void {
    this.seenSuspects.add(featureId);
  }

  /**
   * Runs one of our own git operations: what it writes under these prefixes (relative to the
   * git folder) becomes the new baseline instead of a finding.
   */
  async expect<T>(prefixes: string[], fn: () => Promise<T>): Promise<T> {
    this.expected.push(prefixes);
    try {
      return await fn();
    } finally {
      await this.lane
        .run(async () => {
          if (this.baseline && this.current) {
            const touched = await refreshPaths(this.opts.gitDir, prefixes, this.current, this.limits);
            for (const p of touched) setEntry(this.baseline, p, this.current.get(p));
            this.evaluate(touched);
          }
        })
        .finally(() => this.expected.splice(this.expected.indexOf(prefixes), 1));
    }
  }

  /** The change as a unified diff (label: the path as the user sees it). */
  diff(rel: string, label = rel): string {
    const f = this.requireFinding(rel);
    const head = f.refs?.length ? `Refs moved: ${f.refs.join(', ')}\n` : '';
    return head + describeChange(label, f.before, f.after);
  }

  /**
   * Puts back the exact bytes and mode the path had before (or, when it did not exist, moves
   * what is there now into the quarantine). What stood there is kept in the quarantine too.
   * Returns where the replaced content went.
   */
  restore(rel: string): Promise<string | undefined> {
    return this.lane.run(async () => {
      const f = this.requireFinding(rel);
      if (f.before && f.before.data === undefined) {
        throw new AopError('CONFLICT', `${rel} was ${f.before.size} bytes, too large to keep a copy of; restore it by hand (compare with a backup or another clone).`);
      }
      const keptAt = await restoreState(this.opts.gitDir, rel, f.before, this.opts.quarantineDir);
      if (this.current) setEntry(this.current, rel, f.before);
      if (this.baseline) setEntry(this.baseline, rel, f.before);
      this.findingsByPath.delete(rel);
      await this.persistAndNotify();
      return keptAt;
    });
  }

  /** The user accepts the change as theirs: it becomes the baseline. */
  acknowledge(rel: string): Promise<void> {
    return this.lane.run(async () => {
      const f = this.requireFinding(rel);
      if (this.baseline) setEntry(this.baseline, rel, this.current?.get(rel) ?? f.after);
      this.findingsByPath.delete(rel);
      await this.persistAndNotify();
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.stopChecks();
    const wd = this.watchdog;
    this.watchdog = undefined;
    await wd?.close();
    await this.lane.run(async () => undefined);
    await this.saves.run(async () => undefined);
    this.detected.dispose();
    this.changed.dispose();
  }

  private requireFinding(rel: string): GitDirFinding {
    const f = this.findingsByPath.get(rel);
    if (!f) throw new AopError('NOT_FOUND', `No change to ${rel} in the git folder is standing (already restored or acknowledged).`);
    return f;
  }

  private async onPaths(rels: string[]): Promise<void> {
    if (!this.current || !this.baseline) return;
    const watched = rels.filter((r) => gitPathRole(r) !== 'inert' || mayHoldWatched(r));
    if (watched.length === 0) return;
    const touched = await refreshPaths(this.opts.gitDir, watched, this.current, this.limits);
    this.evaluate(touched);
  }

  /** Compares touched paths with the baseline; fires for new findings and list changes. */
  private evaluate(touched: Set<string>): void {
    if (!this.baseline || !this.current) return;
    const fresh: GitDirFinding[] = [];
    let changed = false;
    for (const id of this.opts.suspects()) this.seenSuspects.add(id);
    for (const p of touched) {
      const before = this.baseline.get(p);
      const after = this.current.get(p);
      const had = this.findingsByPath.get(p);
      const verdict = this.judge(p, before, after);
      if (verdict === 'same' || verdict === 'allowed') {
        if (verdict === 'allowed') setEntry(this.baseline, p, after);
        if (had) {
          this.findingsByPath.delete(p);
          changed = true;
        }
        continue;
      }
      const role = gitPathRole(p) === 'guarded' ? 'guarded' : 'ref';
      const refs = p === 'packed-refs' ? verdict.refs : undefined;
      if (had && sameState(had.after, after)) continue;
      const suspects = [...this.seenSuspects];
      const f: GitDirFinding = {
        path: p,
        role,
        before,
        after,
        refs,
        features: had ? [...new Set([...had.features, ...suspects])] : suspects,
        seenAt: had?.seenAt ?? new Date().toISOString(),
      };
      this.findingsByPath.set(p, f);
      fresh.push(f);
      changed = true;
    }
    const detectedAt = performance.now();
    if (fresh.length > 0) this.detected.fire({ findings: fresh, detectedAt });
    if (changed) void this.persistAndNotify().catch((err) => console.error('[aop] git folder findings not saved:', errorMessage(err)));
  }

  private judge(p: string, before: FileState | undefined, after: FileState | undefined): 'same' | 'allowed' | { refs?: string[] } {
    if (sameState(before, after)) return 'same';
    if (this.isExpected(p)) return 'allowed';
    if (gitPathRole(p) !== 'ref') return {};
    if (p === 'packed-refs') {
      const moved = movedPackedRefs(before, after).filter((name) => !this.opts.allowRef(name) && !this.isExpected(name));
      return moved.length === 0 ? 'allowed' : { refs: moved };
    }
    return this.opts.allowRef(p) ? 'allowed' : {};
  }

  private isExpected(p: string): boolean {
    return this.expected.some((prefixes) => prefixes.some((x) => p === x || p.startsWith(`${x}/`)));
  }

  private async load(): Promise<void> {
    for (const f of await loadFindings(this.opts.findingsFile)) this.findingsByPath.set(f.path, f);
  }

  /** Tells listeners now; writes the file on its own lane, always with the latest list. */
  private persistAndNotify(): Promise<void> {
    this.changed.fire(this.findings);
    return this.saves.run(() => saveFindings(this.opts.findingsFile, this.opts.gitDir, this.findings));
  }
}
