/**
 * Which git commands we run, and how, so that no repository-controlled code ever runs in them.
 *
 * An agent can write the shared `.git/config`, `.git/info/attributes`, hooks and committed
 * `.gitattributes`. Config values can be switched off on our command line (`-c` wins over every
 * file), but drivers chosen by attributes (smudge/clean/process filters, merge drivers) cannot:
 * their names are whatever the agent wrote, and a list read beforehand is stale by the time git
 * reads the files again. So this is an allowlist of commands that never run an attribute-chosen
 * driver given the flags added here; everything that would (checkout, merge, `git add`) runs
 * only in the sealed context (sealedGit.ts), which reads no repository config at all.
 *
 * Checked on every call, in one place: a new call that needs another command fails loudly in the
 * tests instead of quietly reopening the hole.
 */
import { AopError } from '../util/errors';

/** Config switched off on every call (the command line wins over every config file and include). */
export const SAFE_GIT_CONFIG: readonly string[] = [
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'core.fsmonitor=false',
  '-c', 'core.untrackedCache=false',
  '-c', 'core.pager=cat',
  '-c', 'diff.external=',
  '-c', 'credential.helper=',
  '-c', 'core.askPass=',
  '-c', 'core.sshCommand=',
  '-c', 'protocol.allow=never',
  '-c', 'maintenance.auto=false',
  '-c', 'gc.auto=0',
  '-c', 'merge.renormalize=false',
  '-c', 'submodule.recurse=false',
  '-c', 'commit.gpgSign=false',
  '-c', 'log.showSignature=false',
];

/** Global options on every call. Replace refs could make our reads return other objects. */
export const SAFE_GIT_OPTIONS: readonly string[] = ['--no-pager', '--no-optional-locks', '--no-replace-objects'];

export type GitContext = 'repo' | 'sealed';

interface Rule {
  /** Inserted right after the subcommand. */
  add?: readonly string[];
  /** Refused when present. */
  refuse?: readonly string[];
  /** Only in the sealed context: the command would run attribute-chosen drivers elsewhere. */
  sealedOnly?: boolean;
  /** Extra check of the whole argument list; returns why it is refused. */
  check?(args: readonly string[], context: GitContext): string | undefined;
}

const NO_DRIVERS = ['--no-ext-diff', '--no-textconv'] as const;

const RULES: Record<string, Rule> = {
  'rev-parse': {},
  'rev-list': {},
  'for-each-ref': {},
  'show-ref': {},
  'symbolic-ref': {},
  'update-ref': {},
  'merge-base': {},
  'ls-tree': {},
  'mktree': {},
  'var': {},
  'check-ignore': {},
  // Reads attributes; never runs the drivers they name.
  'check-attr': {},
  'cat-file': { refuse: ['--filters', '--textconv'] },
  'hash-object': {
    check: (args, context) => (context === 'repo' && !args.includes('--no-filters') ? 'hash-object without --no-filters runs clean filters' : undefined),
  },
  'diff-tree': { add: NO_DRIVERS },
  'diff': { add: NO_DRIVERS },
  'commit-tree': { add: ['--no-gpg-sign'] },
  'config': {
    check: (args) => (args.some((a) => /^--(get|get-all|get-regexp|list)$|^-l$/.test(a)) ? undefined : 'only reading config is allowed'),
  },
  'worktree': {
    check: (args) => {
      const sub = args[1];
      if (sub === 'list' || sub === 'prune' || sub === 'repair') return undefined;
      // A checkout would run smudge filters and hooks: the files are written in the sealed context.
      if (sub === 'add') return args.includes('--no-checkout') ? undefined : 'worktree add must use --no-checkout';
      // Without --force, remove runs `git status` (fsmonitor, clean filters) to see whether it is clean.
      if (sub === 'remove') return args.includes('--force') ? undefined : 'worktree remove must use --force';
      return `worktree ${sub ?? ''} is not used`;
    },
  },
  // Reads no attributes and runs no hook; an expiry keeps the objects of a checkpoint being written.
  'prune': { check: (args) => (args.some((a) => /^--expire=/.test(a) && a !== '--expire=now' && a !== '--expire=all') ? undefined : 'prune needs an --expire in the past, never now') },
  'branch': { check: (args) => (args[1] === '-D' || args[1] === '-d' ? undefined : 'only deleting branches is allowed') },
  // These read attributes and would run the drivers they name: sealed context only.
  'merge-tree': { sealedOnly: true },
  'read-tree': { sealedOnly: true },
  'update-index': { sealedOnly: true },
  'write-tree': { sealedOnly: true },
  'add': { sealedOnly: true },
  'ls-files': { sealedOnly: true },
  'status': { sealedOnly: true },
};

/** The argument list as run: checked against the rules, with their flags added. Throws when refused. */
export function checkedGitArgs(args: readonly string[], context: GitContext): string[] {
  const cmd = args[0];
  const refuse = (why: string): never => {
    throw new AopError('INVALID_INPUT', `Refused to run "git ${args.slice(0, 3).join(' ')}": ${why}. Our git calls must not run repository-controlled code (see src/core/git/gitPolicy.ts).`);
  };
  if (cmd === undefined || cmd.startsWith('-')) return refuse('the subcommand must come first');
  const rule = RULES[cmd];
  if (!rule) return refuse('this command is not on the list of commands that run no repository code');
  if (rule.sealedOnly && context !== 'sealed') return refuse('it reads attributes that can name filters or merge drivers; run it in the sealed context');
  const bad = rule.refuse?.find((f) => args.includes(f));
  if (bad) return refuse(`${bad} runs configured programs`);
  const why = rule.check?.(args, context);
  if (why) return refuse(why);
  if (!rule.add) return [...args];
  return [cmd, ...rule.add.filter((f) => !args.includes(f)), ...args.slice(1)];
}
