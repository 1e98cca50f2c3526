/** Builds log events for the supervision tests, each a second after the last. */
import type { AopEvent, EventInput } from '../../../src/core/events/schema';

export function clock(start = Date.parse('2026-01-01T10:00:00.000Z')): { ev(e: EventInput, atSec?: number): AopEvent; at(sec: number): number } {
  let last = 0;
  return {
    ev(e, atSec) {
      last = atSec ?? last + 1;
      return { ...e, ts: new Date(start + last * 1000).toISOString(), feature: 'f' } as AopEvent;
    },
    at: (sec) => start + sec * 1000,
  };
}
