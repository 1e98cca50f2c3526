/** What a finished rollback did, in one line for a notification: what was left in place is never hidden. */
import type { RollbackResult } from './rollbackService';

export function describeLeftInPlace(r: Pick<RollbackResult, 'skipped'>, max = 3): string {
  if (r.skipped.length === 0) return '';
  const shown = r.skipped.slice(0, max).map((s) => `${s.path} (${s.reason.replace(/^not rolled back: /, '')})`);
  return `${r.skipped.length} path(s) left in place, as no checkpoint holds them: ${shown.join('; ')}${r.skipped.length > max ? '; ...' : ''}`;
}
