/** Valid sample view models and messages shared by the protocol and view tests. */
import type { CheckpointSummary, FeatureView, GatesView, MessageView, RollbackView, Snapshot } from '../../../src/shared/viewModels';

export const feature: FeatureView = {
  id: 'login-form',
  branch: 'aop/login-form',
  base: 'main',
  baseCommit: 'a'.repeat(40),
  provider: 'scripted',
  agentState: 'running',
  breaker: { state: 'closed', failures: 0 },
  capabilities: { pause: true, messages: true },
};

export function checkpoint(seq: number, time: string, over: Partial<CheckpointSummary> = {}): CheckpointSummary {
  return {
    seq,
    time,
    trigger: 'watch',
    commit: seq.toString(16).padStart(40, '0'),
    fileCount: 2,
    added: 10,
    removed: 3,
    binaryFiles: 0,
    violations: { critical: 0, error: 0, warning: 0 },
    samplePaths: ['src/a.ts', 'src/b.ts'],
    notSnapshotted: 0,
    durationMs: 12,
    ...over,
  };
}

export function message(id: string, time: string, over: Partial<MessageView> = {}): MessageView {
  return { id, from: 'user', text: 'hello', state: 'delivered', time, updated: time, ...over };
}

export function rollback(time: string, over: Partial<RollbackView> = {}): RollbackView {
  return { time, kind: 'checkpoint', targetSeq: 1, preRollbackSeq: 3, ok: true, paths: ['src/a.ts'], pathCount: 1, mismatchCount: 0, ...over };
}

export const gates: GatesView = {
  seq: 2,
  gates: [
    { name: 'lint', command: 'npm run lint', required: true, status: 'passed', exitCode: 0, durationMs: 1200, hasOutput: true },
    { name: 'unit-tests', command: 'npm test', required: true, status: 'failed', exitCode: 1, durationMs: 5300, hasOutput: true },
    { name: 'e2e', command: 'npm run e2e', required: false, status: 'missing', lastRun: { seq: 1, passed: true }, hasOutput: true },
  ],
};

export const snapshot: Snapshot = {
  feature,
  gates,
  threads: [],
  checkpoints: [checkpoint(1, '2025-01-01T10:00:00.000Z'), checkpoint(2, '2025-01-01T10:05:00.000Z')],
  messages: [message('m1', '2025-01-01T10:01:00.000Z')],
  rollbacks: [rollback('2025-01-01T10:06:00.000Z')],
  log: [{ n: 0, t: 'checkpoint', ts: '2025-01-01T10:00:00.000Z', summary: 'Checkpoint #1', detail: '{}', level: 'info' }],
};
