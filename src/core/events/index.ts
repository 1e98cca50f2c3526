/** Each feature's append-only event log and the schema of its lines. */
export { EventLog, readEventFile } from './eventLog';
export type { AopEvent, AopEventType, EventInput } from './schema';
