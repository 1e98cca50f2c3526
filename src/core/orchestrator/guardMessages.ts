/**
 * The words of the repository guards' standing violations: what an agent did outside its
 * worktree and what the user can do about it. Pure, one place for the texts the ledgers show.
 */
import type { GitDirFinding } from '../gitdir';
import { looseValue } from '../gitdir/refs';
import type { Violation } from '../model/types';
import type { MainCheckoutEntry } from './mainCheckoutWrites';

/** A change to the shared git folder (`label`: its path as the user sees it). */
export function gitDirWriteMessage(f: GitDirFinding, label: string): string {
  const who = `while agents ran (${f.features.join(', ')})`;
  let what: string;
  if (f.role === 'ref') {
    what = f.refs?.length ? `${label} was rewritten ${who}, moving ${f.refs.join(', ')}` : `${label} moved from ${looseValue(f.before)} to ${looseValue(f.after)} ${who}`;
    what += ". Only a feature's own branch may move";
  } else {
    const change = !f.before ? 'was created' : !f.after ? 'was deleted' : 'was changed';
    what = `${label} ${change} ${who}. git reads it as configuration or runs it as code: the next git command in this repository, yours or ours, could run the agent's code`;
  }
  return `${what}. Restore it (what stands there now goes to the quarantine) or acknowledge it if it was you.`;
}

/** A file written or deleted in the user's checkout (or in `.aop/`, then held as tampering). */
export function checkoutWriteViolation(e: MainCheckoutEntry): { kind: Violation['kind']; message: string } {
  const isAop = e.path.startsWith('.aop/');
  const did = e.change === 'written' ? 'was written' : 'was deleted';
  const next = e.change === 'written' ? 'Move it out (to the quarantine, recoverable) or acknowledge it if it was you.' : 'Restore it from git or acknowledge it.';
  const message = `${e.path} ${did} in ${isAop ? "the orchestrator's folder" : 'your own checkout'} while agents ran (${e.features.join(', ')}): an agent may have left its worktree. ${next}`;
  return { kind: isAop ? 'plan_tampered' : 'main_checkout_write', message };
}
