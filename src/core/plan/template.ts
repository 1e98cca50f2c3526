/**
 * The plan a new feature starts with: the scope the user picked, a few forbidden paths that no
 * agent should touch, and every other setting present as a comment with its default, so the
 * file teaches its own format. The text always parses (tested), whatever globs it is given.
 */
import { DEFAULT_LIMITS, DEFAULT_POLICY } from './schema';

export interface PlanTemplateOptions {
  featureId: string;
  /** Globs the agent may change; empty means everything not forbidden. */
  allowed: readonly string[];
  forbidden?: readonly string[];
}

/** Paths a coding agent has no business changing, in any project. */
export const DEFAULT_FORBIDDEN: readonly string[] = ['**/.env', '**/.env.*', '**/*.pem', '**/*.key', '.github/workflows/**'];

/** A YAML scalar for a glob: plain when that is unambiguous, else double-quoted. */
export function yamlGlob(glob: string): string {
  return /^[A-Za-z0-9_.][A-Za-z0-9_./*+@-]*$/.test(glob) && !/^\.\.?$/.test(glob) ? glob : JSON.stringify(glob);
}

export function planTemplate(o: PlanTemplateOptions): string {
  const list = (globs: readonly string[]) => globs.map((g) => `  - ${yamlGlob(g)}`);
  const forbidden = o.forbidden ?? DEFAULT_FORBIDDEN;
  return [
    `# What the agent of feature "${o.featureId}" may touch. Saving applies it to the running feature`,
    '# and checks the files already written again. Hover a key for help; Ctrl+Space completes.',
    'version: 1',
    '',
    '# Globs the agent may change; a change anywhere else is "out of scope".',
    ...(o.allowed.length ? ['allowed:', ...list(o.allowed)] : ['# Empty: everything that is not forbidden.', 'allowed: []']),
    '',
    '# Globs it must never change, even inside allowed.',
    ...(forbidden.length ? ['forbidden:', ...list(forbidden)] : ['forbidden: []']),
    '',
    "# Areas this feature claims: another feature's change there is a violation.",
    '# exclusive:',
    '#   - src/payments/**',
    '',
    '# limits:',
    `#   maxFileBytes: ${DEFAULT_LIMITS.maxFileBytes}      # largest single file`,
    `#   quotaBytes: ${DEFAULT_LIMITS.quotaBytes}      # all added and modified files together`,
    `#   maxChangedFiles: ${DEFAULT_LIMITS.maxChangedFiles}`,
    '',
    '# policy:',
    `#   blockExecutables: ${DEFAULT_POLICY.blockExecutables}   # a new executable file is an error, not a warning`,
    `#   blockSymlinks: ${DEFAULT_POLICY.blockSymlinks}`,
    `#   secretScan: ${DEFAULT_POLICY.secretScan}          # look for keys and tokens in changed files`,
    '',
    '# severity:                  # per rule: critical (pauses the agent), error, or warning',
    '#   out_of_scope: warning',
    '',
    '# gates:                     # commands run in the worktree; required ones must pass to accept',
    '#   - name: test',
    '#     run: npm test',
    '',
  ].join('\n');
}
