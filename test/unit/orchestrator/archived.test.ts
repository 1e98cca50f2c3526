/** Accepted and deleted features leave the active list for "archived", and drafts can be deleted. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AopEvent } from '../../../src/core/events';
import { archivedFromEvents } from '../../../src/core/orchestrator/archived';
import { AopError } from '../../../src/core/util/errors';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

const PLAN = 'version: 1\nallowed: ["src/**"]\n';

describe('Orchestrator: archived features', () => {
  const t = useTestOrchestrator();

  const status = () => Object.fromEntries(t.orch.list().map((f) => [f.id, f.status]));

  it('lists a deleted feature as archived (not as a draft to start again), also after a restart, until it is removed', async () => {
    await t.orch.createFeature({ id: 'gone', baseRef: 'main', spec: '# gone\n', planYaml: PLAN });
    await t.orch.deleteFeature('gone');
    assert.deepEqual(status(), { gone: 'archived' });
    const f = t.orch.summary('gone');
    assert.equal(f.archived?.how, 'deleted');
    assert.equal(f.agentState, undefined);
    await t.reopen();
    assert.deepEqual(status(), { gone: 'archived' }, 'read back from its history');
    await t.orch.forgetFeature('gone');
    assert.deepEqual(status(), {});
    assert.equal(fs.existsSync(path.join(t.repo.dir, '.aop/features/gone')), false);
    assert.ok(t.repo.git('rev-parse', 'refs/heads/aop/gone'), 'its branch stays in git');
  });

  it('deletes a draft, refuses to forget an active feature, and starts an archived id afresh', async () => {
    fs.mkdirSync(path.join(t.repo.dir, '.aop/features/idea'), { recursive: true });
    fs.writeFileSync(path.join(t.repo.dir, '.aop/features/idea/spec.md'), '# idea\n');
    await t.reopen();
    assert.deepEqual(status(), { idea: 'draft' });
    await t.orch.forgetFeature('idea');
    assert.deepEqual(status(), {});
    await t.orch.createFeature({ id: 'again', baseRef: 'main', spec: '# again\n', planYaml: PLAN });
    await assert.rejects(t.orch.forgetFeature('again'), (e: unknown) => AopError.is(e, 'CONFLICT'));
    await t.orch.deleteFeature('again', { deleteBranchAndRefs: true });
    assert.equal(t.orch.summary('again').status, 'archived');
    await t.orch.createFeature({ id: 'again', baseRef: 'main' });
    assert.equal(t.orch.summary('again').status, 'active', 'the same id starts a new life (from its spec)');
  });

  it('reads how a feature ended from its history: accepted (into what) or deleted, and only its last life', () => {
    const ts = '2026-01-01T10:00:00.000Z';
    const base = { ts, feature: 'f' };
    const created: AopEvent = { ...base, t: 'feature.created', baseRef: 'main', baseCommit: 'b', branch: 'aop/f', worktree: '/w' };
    const accepted: AopEvent = { ...base, t: 'feature.accepted', seq: 4, strategy: 'squash', commit: 'c0ffee', target: 'refs/heads/main', landed: true };
    const deleted: AopEvent = { ...base, t: 'feature.deleted', finalCheckpoint: 5 };
    assert.deepEqual(archivedFromEvents([created, accepted, deleted]), { how: 'accepted', at: ts, accepted: { commit: 'c0ffee', target: 'refs/heads/main', landed: true, strategy: 'squash', seq: 4 } });
    assert.deepEqual(archivedFromEvents([created, deleted]), { how: 'deleted', at: ts });
    assert.equal(archivedFromEvents([created, accepted, deleted, created]), undefined, 'created again: not archived');
    assert.deepEqual(archivedFromEvents([created, accepted, deleted, created, deleted]), { how: 'deleted', at: ts }, 'the accept of an earlier life does not count');
    assert.equal(archivedFromEvents([]), undefined);
  });
});
