/**
 * Reads the plan in force for a feature runtime: what ConfirmedFiles holds, parsed, with a
 * broken plan reported in the feature's log and the last good one kept. Apart from the runtime
 * so that opening a feature and reloading its plan read it the same way.
 */
import type { EventLog } from '../events/eventLog';
import { defaultPlan, parsePlan, type Plan } from '../plan';
import { errorMessage } from '../util/errors';

/**
 * The plan in force: the one the user last saved or confirmed (../features/confirmedFiles), never
 * whatever an agent left on disk; the allow-all plan when there is none. A broken one is reported
 * (file:line:col) and `current` kept.
 */
export async function readPlan(text: string | undefined, file: string, current: Plan, log: Pick<EventLog, 'append'>): Promise<{ plan: Plan; planError?: string }> {
  if (text === undefined) return { plan: defaultPlan() };
  try {
    return { plan: parsePlan(text, file) };
  } catch (e) {
    const planError = errorMessage(e);
    await log.append({ t: 'warning', message: `plan.yaml not applied: ${planError}` });
    return { plan: current, planError };
  }
}
