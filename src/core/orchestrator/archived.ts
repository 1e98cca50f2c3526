/**
 * A feature that was accepted or deleted keeps its spec, plan and history in `.aop/features/<id>/`
 * (user-written files may be committed). It is listed as archived, not as a draft waiting to be
 * started, and how it ended is read back from its event log.
 */
import { readEventFile, type AopEvent } from '../events';
import type { ArchivedInfo } from './types';

/** How the feature's last life ended, from its events; undefined when it never ended (a draft, or still active). */
export function archivedFromEvents(events: readonly AopEvent[]): ArchivedInfo | undefined {
  let info: ArchivedInfo | undefined;
  let accepted: ArchivedInfo['accepted'];
  for (const e of events) {
    if (e.t === 'feature.created') {
      info = undefined;
      accepted = undefined;
    } else if (e.t === 'feature.accepted') {
      accepted = { commit: e.commit, target: e.target, landed: e.landed, strategy: e.strategy, seq: e.seq };
    } else if (e.t === 'feature.deleted') {
      info = accepted ? { how: 'accepted', at: e.ts, accepted } : { how: 'deleted', at: e.ts };
    }
  }
  return info;
}

/** Reads a feature's log for how it ended (a missing or unreadable log: it never started). */
export async function readArchived(eventsFile: string): Promise<ArchivedInfo | undefined> {
  try {
    return archivedFromEvents((await readEventFile(eventsFile)).events);
  } catch {
    return undefined;
  }
}
