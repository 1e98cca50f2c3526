import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exclusiveAreaViolations, fileCollisions, type FeatureChangeSet } from '../../../src/core/collisions';
import { makePlan } from '../../../src/core/plan';
import { useTestOrchestrator } from '../helpers/testOrchestrator';

describe('collisions: pure cross-feature rules', () => {
  const set = (id: string, paths: [string, 'A' | 'M' | 'D'][], exclusive: string[] = [], severity = {}): FeatureChangeSet => ({
    id,
    plan: makePlan({ version: 1, exclusive, severity }),
    changes: paths.map(([p, status]) => ({ path: p, status })),
  });

  it('flags a path changed by two features on both, and nothing for the rest', () => {
    const m = fileCollisions([set('a', [['src/x.ts', 'M'], ['a.txt', 'A']]), set('b', [['src/x.ts', 'D'], ['b.txt', 'A']]), set('c', [['c.txt', 'A']])]);
    assert.deepEqual(m.get('a'), [{ path: 'src/x.ts', otherFeature: 'b', status: 'M', otherStatus: 'D' }]);
    assert.deepEqual(m.get('b'), [{ path: 'src/x.ts', otherFeature: 'a', status: 'D', otherStatus: 'M' }]);
    assert.deepEqual(m.get('c'), []);
  });

  it('ignored files (build output) never collide', () => {
    const a: FeatureChangeSet = { id: 'a', plan: makePlan({ version: 1 }), changes: [{ path: 'dist/app.js', status: 'A', ignored: true }] };
    const b: FeatureChangeSet = { id: 'b', plan: makePlan({ version: 1 }), changes: [{ path: 'dist/app.js', status: 'A', ignored: true }] };
    assert.deepEqual(fileCollisions([a, b]).get('a'), []);
  });

  it("a change inside another feature's exclusive area is a violation for the trespasser only, with its plan's severity", () => {
    const owner = set('owner', [['db/schema.sql', 'M']], ['db/**']);
    const other = set('other', [['db/schema.sql', 'M'], ['src/ok.ts', 'A']]);
    const lenient = set('lenient', [['db/seed.sql', 'A']], [], { exclusive_area: 'warning' });
    const v = exclusiveAreaViolations([owner, other, lenient]);
    assert.deepEqual(v.get('owner'), []);
    assert.equal(v.get('other')!.length, 1);
    assert.deepEqual({ ...v.get('other')![0]!, message: '' }, { kind: 'exclusive_area', severity: 'error', path: 'db/schema.sql', message: '' });
    assert.match(v.get('other')![0]!.message, /"db\/\*\*", an area feature "owner" holds exclusively/);
    assert.equal(v.get('lenient')![0]!.severity, 'warning');
  });
});

describe('collisions: across real features', () => {
  const t = useTestOrchestrator({ files: { 'README.md': '# r\n', 'src/shared.ts': 's1\n', 'db/schema.sql': 'create table t;\n' } });

  it('reports a file both features changed on both features, from their checkpoints', async () => {
    const a = await t.orch.createFeature({ id: 'fa', baseRef: 'main', spec: 'x' });
    const b = await t.orch.createFeature({ id: 'fb', baseRef: 'main', spec: 'x' });
    fs.writeFileSync(path.join(a.worktree!, 'src/shared.ts'), 'from a\n');
    fs.writeFileSync(path.join(a.worktree!, 'src/only-a.ts'), 'a\n');
    fs.writeFileSync(path.join(b.worktree!, 'src/shared.ts'), 'from b\n');
    const m = (await t.orch.crossFeatureCheck({ fresh: true })).collisions;
    assert.deepEqual(m.get('fa'), [{ path: 'src/shared.ts', otherFeature: 'fb', status: 'M', otherStatus: 'M' }]);
    assert.deepEqual(m.get('fb'), [{ path: 'src/shared.ts', otherFeature: 'fa', status: 'M', otherStatus: 'M' }]);
  });

  it("flags another feature's change inside an exclusive area", async () => {
    await t.orch.createFeature({ id: 'owner', baseRef: 'main', spec: 'x', planYaml: 'version: 1\nexclusive: ["db/**"]\n' });
    const other = await t.orch.createFeature({ id: 'other', baseRef: 'main', spec: 'x' });
    fs.writeFileSync(path.join(other.worktree!, 'db/schema.sql'), 'drop table t;\n');
    const v = (await t.orch.crossFeatureCheck({ fresh: true })).violations;
    assert.deepEqual(v.get('owner'), []);
    assert.deepEqual(v.get('other')!.map((x) => [x.kind, x.severity, x.path]), [['exclusive_area', 'error', 'db/schema.sql']]);
  });

  it('warns when a new feature is created with a plan overlapping an existing one', async () => {
    await t.orch.createFeature({ id: 'first', baseRef: 'main', spec: 'x', planYaml: 'version: 1\nallowed: ["src/auth/**"]\n' });
    await t.orch.createFeature({ id: 'apart', baseRef: 'main', spec: 'x', planYaml: 'version: 1\nallowed: ["docs/**"]\n' });
    await t.orch.createFeature({ id: 'second', baseRef: 'main', spec: 'x', planYaml: 'version: 1\nallowed: ["src/**/*.ts"]\n' });
    const w = (await t.orch.events('second')).filter((e) => e.t === 'warning');
    assert.deepEqual(w.length, 1);
    assert.match(w[0]!.t === 'warning' ? w[0]!.message : '', /"first" and "second" may change the same files/);
  });
});
