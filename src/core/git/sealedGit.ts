/**
 * The sealed context: git run against a private git folder of ours that shares the repository's
 * object store (GIT_OBJECT_DIRECTORY) and nothing else. It reads no repository config (so no
 * filter, merge driver, hook, fsmonitor or include an agent planted exists there), no system or
 * global config, and no attributes but the copies we give it. Attributes still drive git's
 * built-in conversions (text, eol, working-tree-encoding), which are not repository code; a
 * `filter=` or `merge=` attribute names a driver that is not configured, so git does the plain
 * thing (no filter; its own text merge).
 *
 * Used for what would otherwise run attribute-chosen drivers: filling a new worktree
 * (`read-tree -u`), merging (`merge-tree`), and line-ending normalisation on accept (`add`).
 * Objects written here land in the repository's store; refs are never read or written here.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { git, runGit, type GitResult, type SealedEnv } from './gitRunner';

export interface SealedRunOptions {
  /** The work tree for commands that read or write files (default: none, as a bare repository). */
  workTree?: string;
  /** The index file (default: a private one inside the sealed folder). */
  indexFile?: string;
  input?: string | Buffer;
  okCodes?: number[];
  maxBuffer?: number;
  /** Commit identity (GIT_AUTHOR_* / GIT_COMMITTER_*). */
  env?: NodeJS.ProcessEnv;
}

export interface SealedOptions {
  /**
   * Give the sealed context copies of the attributes the user's own git would read besides the
   * committed ones: `.git/info/attributes` and the user's `core.attributesFile`. Their values
   * only steer built-in conversions here (default true).
   */
  attributes?: boolean;
}

/**
 * Settings that change what checkout and `add` write, carried over by value (a value is never
 * run). Everything else about the repository's config stays out.
 */
const CARRIED = /^core\.(autocrlf|eol|symlinks|ignorecase|precomposeunicode|checkroundtripencoding|filemode|protectntfs|protecthfs)$/;
const MAX_ATTRIBUTES_BYTES = 1024 * 1024;

export class SealedGit {
  private constructor(
    /** The private git folder. */
    readonly dir: string,
    /** The repository's common git folder (objects are shared from there). */
    readonly commonDir: string,
    readonly objectFormat: 'sha1' | 'sha256',
    /**
     * True when something besides committed `.gitattributes` can ask for line-ending conversion
     * here: `core.autocrlf`/`core.eol`, or attributes copied from the user's files.
     */
    readonly mayConvertLineEndings: boolean,
  ) {}

  /** Makes a sealed context for the repository containing `repoCwd` (a checkout or a worktree). */
  static async open(repoCwd: string, o: SealedOptions = {}): Promise<SealedGit> {
    const [common, format] = (await git(['rev-parse', '--path-format=absolute', '--git-common-dir', '--show-object-format'], { cwd: repoCwd })).split('\n');
    const commonDir = path.resolve(repoCwd, common!);
    const objectFormat = format === 'sha256' ? 'sha256' : 'sha1';
    const carried = await carriedSettings(repoCwd);
    // mkdtemp makes the folder 0700: only this user can look inside.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aop-sealed-'));
    let mayConvert = carried.some(([k, v]) => (k === 'core.autocrlf' && v.toLowerCase() !== 'false') || k === 'core.eol');
    try {
      await fs.mkdir(path.join(dir, 'refs'));
      await fs.mkdir(path.join(dir, 'objects'));
      await fs.mkdir(path.join(dir, 'info'));
      await fs.writeFile(path.join(dir, 'HEAD'), 'ref: refs/heads/aop-sealed\n');
      const attributesFile = path.join(dir, 'global-attributes');
      const user = o.attributes === false ? '' : await userAttributes(repoCwd);
      const info = o.attributes === false ? '' : await readBounded(path.join(commonDir, 'info', 'attributes'));
      await fs.writeFile(attributesFile, user);
      await fs.writeFile(path.join(dir, 'info', 'attributes'), info);
      if (user.trim() !== '' || info.trim() !== '') mayConvert = true;
      // A shallow repository's boundary, so history walks stop where the repository's do.
      const shallow = await readBounded(path.join(commonDir, 'shallow'), 64 * 1024 * 1024);
      if (shallow !== '') await fs.writeFile(path.join(dir, 'shallow'), shallow);
      const lines = [
        '[core]',
        `\trepositoryformatversion = ${objectFormat === 'sha256' ? 1 : 0}`,
        '\tbare = true',
        '\tsafecrlf = false',
        `\tattributesFile = ${quote(attributesFile)}`,
        ...carried.map(([k, v]) => `\t${k.slice('core.'.length)} = ${v}`),
      ];
      if (objectFormat === 'sha256') lines.push('[extensions]', '\tobjectFormat = sha256');
      await fs.writeFile(path.join(dir, 'config'), lines.join('\n') + '\n');
    } catch (e) {
      await fs.rm(dir, { recursive: true, force: true });
      throw e;
    }
    return new SealedGit(dir, commonDir, objectFormat, mayConvert);
  }

  run(args: readonly string[], o: SealedRunOptions = {}): Promise<GitResult> {
    const vars: Record<string, string> = {
      GIT_DIR: this.dir,
      GIT_OBJECT_DIRECTORY: path.join(this.commonDir, 'objects'),
      GIT_INDEX_FILE: o.indexFile ?? path.join(this.dir, 'index'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: os.devNull,
      GIT_ATTR_NOSYSTEM: '1',
    };
    if (o.workTree) vars.GIT_WORK_TREE = o.workTree;
    const sealed: SealedEnv = { vars };
    return runGit(args, { cwd: o.workTree ?? this.dir, input: o.input, okCodes: o.okCodes, maxBuffer: o.maxBuffer, env: o.env, sealed });
  }

  async git(args: readonly string[], o: SealedRunOptions = {}): Promise<string> {
    return (await this.run(args, o)).stdout.toString('utf8').replace(/\n$/, '');
  }

  async dispose(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

/** Runs `fn` with a sealed context for the repository containing `repoCwd`, removed afterwards. */
export async function withSealedGit<T>(repoCwd: string, fn: (s: SealedGit) => Promise<T>, o?: SealedOptions): Promise<T> {
  const s = await SealedGit.open(repoCwd, o);
  try {
    return await fn(s);
  } finally {
    await s.dispose();
  }
}

async function carriedSettings(repoCwd: string): Promise<[string, string][]> {
  const r = await runGit(['config', '-z', '--get-regexp', CARRIED.source], { cwd: repoCwd, okCodes: [1] });
  const last = new Map<string, string>();
  for (const rec of r.stdout.toString('utf8').split('\0')) {
    const nl = rec.indexOf('\n');
    if (nl < 0) continue;
    const key = rec.slice(0, nl).toLowerCase();
    const value = rec.slice(nl + 1);
    // Plain words only (true, input, lf, ...): anything else is not a value these keys take.
    if (CARRIED.test(key) && /^[A-Za-z0-9_-]{1,32}$/.test(value)) last.set(key, value);
  }
  return [...last];
}

/** The user's own attributes file (`core.attributesFile`, else the XDG default), as text. */
async function userAttributes(repoCwd: string): Promise<string> {
  const configured = (await runGit(['config', '--path', '--get', 'core.attributesFile'], { cwd: repoCwd, okCodes: [1] })).stdout.toString('utf8').trim();
  const xdg = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return readBounded(configured || path.join(xdg, 'git', 'attributes'));
}

/** A file's text up to `max` bytes; empty when it does not exist or cannot be read. */
async function readBounded(file: string, max = MAX_ATTRIBUTES_BYTES): Promise<string> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(file, 'r');
    const buf = Buffer.alloc(Math.min(max, (await fh.stat()).size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } catch {
    return '';
  } finally {
    await fh?.close();
  }
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
