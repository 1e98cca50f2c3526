/**
 * Default severity of each violation kind, and the plan's say over it. Every violation is made
 * by `createViolation`: no producer picks a severity itself.
 */
import type { Severity, Violation, ViolationKind } from '../model/types';
import type { Plan } from '../plan';

export const DEFAULT_SEVERITY: Readonly<Record<ViolationKind, Severity>> = {
  out_of_scope: 'error',
  forbidden_path: 'error',
  git_dir_write: 'critical',
  symlink_escape: 'critical',
  executable_added: 'warning',
  file_too_large: 'error',
  quota_exceeded: 'error',
  too_many_files: 'error',
  // A credential in the agent's hands can leave the machine with its next command: stop it at once.
  secret_detected: 'critical',
  outside_worktree: 'critical',
  main_checkout_write: 'critical',
  plan_tampered: 'critical',
  exclusive_area: 'error',
  broken_gitlink: 'error',
};

/** plan.severity wins; otherwise the default, with executables raised to error by policy. */
export function severityFor(plan: Pick<Plan, 'severity' | 'policy'>, kind: ViolationKind): Severity {
  const override = plan.severity[kind];
  if (override) return override;
  if (kind === 'executable_added' && plan.policy.blockExecutables) return 'error';
  return DEFAULT_SEVERITY[kind];
}

/** A violation with the severity the plan gives its kind (frozen: violations are shared, never edited). */
export function createViolation(plan: Pick<Plan, 'severity' | 'policy'>, kind: ViolationKind, path: string, message: string, line?: number): Violation {
  const v: Violation = { kind, severity: severityFor(plan, kind), path, message };
  if (line !== undefined) v.line = line;
  return Object.freeze(v);
}
