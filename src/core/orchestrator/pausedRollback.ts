/**
 * A rollback rewrites the worktree under the agent: it is paused meanwhile (so it cannot write
 * into a half-restored tree), then resumed and told which files changed under it.
 */
import type { AgentSession } from '../agents';
import { groupStopped } from '../agents/processGroup';
import { isLive } from '../agents/states';
import type { RollbackItem, RollbackResult } from '../rollback/rollbackService';
import { AopError } from '../util/errors';
import type { FeatureRuntime } from './featureRuntime';

/** Files named in the note to the agent, at most. */
const NAMED = 20;

export async function rollbackWithAgentPaused(rt: FeatureRuntime, session: AgentSession | undefined, fn: (rt: FeatureRuntime) => Promise<RollbackResult>): Promise<RollbackResult> {
  const pausedHere = session?.state === 'running' && session.capabilities?.pause === true;
  if (pausedHere) session.pause('rollback in progress');
  let result: RollbackResult | undefined;
  try {
    // SIGSTOP lands when each process is next scheduled: a write under way finishes first.
    if (pausedHere && session.pid !== undefined) await groupStopped(session.pid);
    await rt.flush();
    result = await fn(rt);
    // The rollback answers what the watchers saw.
    rt.violations.clearObserved();
    return result;
  } catch (e) {
    // A failed rollback may still have rewritten files: the agent must hear of those too.
    result = AopError.is(e, 'ROLLBACK_FAILED') ? (e.details as { result?: RollbackResult } | undefined)?.result : undefined;
    throw e;
  } finally {
    if (result && session && isLive(session.state) && session.capabilities?.messages && result.paths.length > 0) {
      session.send(rollbackNote(result), 'system');
    }
    if (pausedHere && (session.state as string) === 'paused') session.resume('rollback finished');
  }
}

export function rollbackNote(result: RollbackResult): string {
  const named = result.paths.slice(0, NAMED).join(', ');
  const more = result.paths.length > NAMED ? ', ...' : '';
  const did = result.ok ? 'rolled back' : 'tried to roll back (it failed part-way)';
  return `The orchestrator ${did} ${result.paths.length} file(s) in your worktree (${result.kind} rollback): ${named}${more}. Re-read them before editing.`;
}

/** What a rollback would do, once every write seen so far is checkpointed. */
export async function previewRollback(rt: FeatureRuntime, kind: 'checkpoint' | 'files' | 'smart', seq: number, paths: string[]): Promise<RollbackItem[]> {
  await rt.flush();
  if (kind === 'checkpoint') return rt.rollback.previewCheckpoint(seq);
  if (kind === 'files') return rt.rollback.previewFiles(seq, paths);
  return (await rt.rollback.previewSmart()).items;
}
