/**
 * The domain's value sets are declared once (src/shared/vocabulary.ts) and used by core's
 * records and the panel's view models alike; these tests fail if either side goes back to
 * restating one of them.
 */
import { strict as assert } from 'node:assert';
import { eventSchema, fileChangeSchema, type AopEvent } from '../../../src/core/events/schema';
import * as core from '../../../src/core/model/types';
import { AGENT_STATES as CORE_AGENT_STATES, type AgentState as CoreAgentState } from '../../../src/core/agents/states';
import type { FileChange, Violation } from '../../../src/core/model/types';
import {
  AGENT_STATES,
  CHECKPOINT_TRIGGERS,
  EVENT_TYPES,
  FILE_STATUSES,
  GIT_MODES,
  SEVERITIES,
  VIOLATION_KINDS,
  type AgentState,
  type EventType,
  type ViolationView,
} from '../../../src/shared/viewModels';

// Compile-time: the restated unions are exactly core's.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameKinds: Same<(typeof VIOLATION_KINDS)[number], core.ViolationKind> = true;
const sameSeverities: Same<(typeof SEVERITIES)[number], core.Severity> = true;
const sameTriggers: Same<(typeof CHECKPOINT_TRIGGERS)[number], core.CheckpointTrigger> = true;
const sameStatus: Same<(typeof FILE_STATUSES)[number], FileChange['status']> = true;
const sameModes: Same<(typeof GIT_MODES)[number], core.GitMode> = true;
const sameEvents: Same<EventType, AopEvent['t']> = true;
const sameAgentStates: Same<Exclude<AgentState, 'idle'>, CoreAgentState> = true;
const sameViolation: Same<Omit<ViolationView, never>, Violation> = true;

describe('shared vocabulary matches core', () => {
  it('has the same violation kinds and severities, in the same order', () => {
    assert.deepEqual([...VIOLATION_KINDS], [...core.VIOLATION_KINDS]);
    assert.deepEqual([...SEVERITIES], [...core.SEVERITIES]);
    assert.ok(sameKinds && sameSeverities && sameTriggers && sameStatus && sameModes && sameEvents && sameViolation);
  });

  it('has the same file statuses, modes and checkpoint triggers', () => {
    assert.deepEqual([...FILE_STATUSES], fileChangeSchema.shape.status.options);
    assert.deepEqual([...GIT_MODES], fileChangeSchema.shape.mode.options);
    const cp = eventSchema.options.find((o) => o.shape.t.value === 'checkpoint')!;
    assert.deepEqual([...CHECKPOINT_TRIGGERS], (cp.shape as { trigger: { options: string[] } }).trigger.options);
  });

  it("has core's agent states plus idle", () => {
    assert.ok(sameAgentStates);
    assert.deepEqual(AGENT_STATES.filter((s) => s !== 'idle').sort(), [...CORE_AGENT_STATES].sort());
  });

  it('knows every event type of the log', () => {
    const coreTypes = eventSchema.options.map((o) => o.shape.t.value).sort();
    assert.deepEqual([...EVENT_TYPES].sort(), coreTypes);
  });
});
