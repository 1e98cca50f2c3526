/**
 * Finds an agent's executable the way a shell would, before we try to run it, so a missing CLI
 * is a clear error naming the setting to change instead of a bare ENOENT. On Windows npm
 * installs CLIs as `.cmd` shims found through PATHEXT; those must be started through cmd.exe.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ResolvedCommand {
  /** Absolute path of the file to run. */
  path: string;
  /** A Windows batch shim (.cmd/.bat), which needs cmd.exe to start. */
  shim: boolean;
}

export interface ResolveOptions {
  /** PATH value to search. */
  pathEnv: string | undefined;
  /** PATHEXT value (Windows only); defaults to the Windows default list. */
  pathExt?: string;
  platform?: NodeJS.Platform;
  /** Folder against which a relative command with a separator is resolved. */
  cwd?: string;
}

const DEFAULT_PATHEXT = '.COM;.EXE;.BAT;.CMD';

/** Returns the resolved executable, or undefined when it is nowhere to be found. */
export function resolveCommand(command: string, opts: ResolveOptions): ResolvedCommand | undefined {
  const platform = opts.platform ?? process.platform;
  const win = platform === 'win32';
  if (command.length === 0 || command.includes('\0')) return undefined;
  const exts = win ? (opts.pathExt || DEFAULT_PATHEXT).split(';').filter(Boolean).map((e) => e.toLowerCase()) : [];

  const candidates = (base: string): string[] => {
    if (!win) return [base];
    const ext = path.extname(base).toLowerCase();
    // A name that already carries a runnable extension is tried as is; otherwise each PATHEXT entry in order.
    return ext && exts.includes(ext) ? [base] : exts.map((e) => base + e);
  };
  const check = (file: string): ResolvedCommand | undefined => {
    if (!isRunnable(file, win)) return undefined;
    const ext = path.extname(file).toLowerCase();
    return { path: path.resolve(file), shim: win && (ext === '.cmd' || ext === '.bat') };
  };

  const hasSep = command.includes('/') || (win && command.includes('\\'));
  if (hasSep || path.isAbsolute(command)) {
    const base = path.resolve(opts.cwd ?? process.cwd(), command);
    for (const c of candidates(base)) {
      const hit = check(c);
      if (hit) return hit;
    }
    return undefined;
  }

  const dirs = (opts.pathEnv ?? '').split(win ? ';' : ':').map((d) => d.replace(/^"(.*)"$/, '$1'));
  for (const dir of dirs) {
    if (!dir) continue;
    for (const c of candidates(path.join(dir, command))) {
      const hit = check(c);
      if (hit) return hit;
    }
  }
  return undefined;
}

function isRunnable(file: string, win: boolean): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (!win) fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The command line cmd.exe needs to start a batch shim with these arguments, each quoted and
 * with cmd's metacharacters escaped, so an argument can never be read as a second command.
 */
export function cmdShimArgs(shimPath: string, args: readonly string[]): string[] {
  const quote = (s: string) => {
    // Quote for the C runtime's argv parser, then escape cmd.exe metacharacters.
    let q = '"' + s.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\*)$/, '$1$1') + '"';
    q = q.replace(/[()%!^"<>&|]/g, '^$&');
    return q;
  };
  const line = [quote(shimPath), ...args.map(quote)].join(' ');
  return ['/d', '/s', '/c', `"${line}"`];
}
