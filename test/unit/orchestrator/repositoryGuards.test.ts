import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventInput } from '../../../src/core/events/schema';
import { ConfirmedFiles } from '../../../src/core/features/confirmedFiles';
import { featurePaths } from '../../../src/core/features/featurePaths';
import { aopPathRole } from '../../../src/core/orchestrator/aopPaths';
import { RepositoryGuards, type LiveFeature } from '../../../src/core/orchestrator/repositoryGuards';
import { ViolationLedger, type ViolationsChanged } from '../../../src/core/orchestrator/violationLedger';
import { defaultPlan } from '../../../src/core/plan';
import { waitFor } from '../../../src/core/util/async';
import { gitIn, makeTempRepo, type TempRepo } from '../helpers/tempRepo';

describe('orchestrator/RepositoryGuards', () => {
  let repo: TempRepo;
  let guards: RepositoryGuards;
  let live: LiveFeature[];
  const ledgers = new Map<string, ViolationLedger>();
  const confirmed = new Map<string, ConfirmedFiles>();
  let raised: ViolationsChanged[];
  let logged: { id: string; e: EventInput }[];
  let applied: string[];
  let saves: Set<string>;

  beforeEach(async () => {
    repo = makeTempRepo({ 'README.md': '# r\n' });
    for (const id of ['f1', 'f2']) {
      repo.git('worktree', 'add', '-q', '-b', `aop/${id}`, path.join(path.dirname(repo.dir), 'wt', id), 'main');
      const p = featurePaths(repo.dir, id);
      fs.mkdirSync(p.dir, { recursive: true });
      fs.writeFileSync(p.plan, 'allowed:\n  - "src/**"\n');
      fs.writeFileSync(p.spec, 'Work.\n');
      confirmed.set(id, await ConfirmedFiles.open(p));
      const l = new ViolationLedger(id, () => defaultPlan());
      l.onDidChange((c) => c.raised.length > 0 && raised.push(c));
      ledgers.set(id, l);
    }
    raised = [];
    logged = [];
    applied = [];
    saves = new Set();
    live = [{ id: 'f1', branch: 'aop/f1', worktree: path.join(path.dirname(repo.dir), 'wt', 'f1') }];
    guards = await RepositoryGuards.open({
      repoRoot: repo.dir,
      gitDir: path.join(repo.dir, '.git'),
      quarantineDir: path.join(path.dirname(repo.dir), 'quarantine'),
      backend: () => 'auto',
      live: () => live,
      armed: () => live.length > 0,
      ledger: (id) => ledgers.get(id),
      confirmed: (id) => confirmed.get(id),
      log: (id, e) => logged.push({ id, e }),
      onConfirmed: (id, kind) => applied.push(`${id}/${kind}`),
      isEditorSave: (abs) => saves.has(abs),
    });
    await guards.agentsChanged();
  });

  afterEach(async () => {
    await guards.dispose();
    ledgers.clear();
    confirmed.clear();
    repo.cleanup();
  });

  const standing = (id: string) => ledgers.get(id)!.standing.map((v) => `${v.kind} ${v.path} ${v.severity}`);

  it('a hook written while f1 runs: a critical git_dir_write on f1 only, naming the file; restored, it is gone from the ledger', async () => {
    fs.writeFileSync(path.join(repo.dir, '.git', 'hooks', 'post-checkout'), '#!/bin/sh\n');
    await waitFor(() => standing('f1').length > 0, 5000, 'the finding');
    assert.deepEqual(standing('f1'), ['git_dir_write .git/hooks/post-checkout critical']);
    assert.deepEqual(standing('f2'), []);
    assert.equal(raised[0].featureId, 'f1');
    assert.match(raised[0].raised[0].message, /created while agents ran \(f1\)/);
    assert.ok(logged.some((l) => l.id === 'f1' && l.e.t === 'violation.critical'));
    await guards.gitDir.restore('hooks/post-checkout');
    assert.deepEqual(standing('f1'), []);
  });

  it('the running feature may commit; moving a branch of a feature that is not running is a finding', async () => {
    const wt = live[0].worktree;
    fs.writeFileSync(path.join(wt, 'a.txt'), 'a');
    gitIn(wt, 'add', 'a.txt');
    gitIn(wt, 'commit', '-q', '-m', 'work');
    gitIn(wt, 'update-ref', 'refs/heads/aop/f2', 'HEAD');
    await waitFor(() => standing('f1').length > 0, 5000, 'the finding');
    assert.deepEqual(standing('f1'), ['git_dir_write .git/refs/heads/aop/f2 critical']);
  });

  it('main checkout: a planted file is main_checkout_write (critical by default), our runtime files under .aop/ are not, anything else there is plan_tampered', async () => {
    fs.writeFileSync(path.join(repo.dir, 'planted.txt'), 'x');
    fs.writeFileSync(path.join(repo.dir, '.aop', 'note.txt'), 'x');
    await guards.onMainCheckoutWrites(
      new Map([
        ['planted.txt', 'created'],
        ['.aop/features/f1/state.json', 'modified'],
        ['.aop/features/f1/.runtime/stat-cache.json', 'modified'],
        ['.aop/features/f1/.state.json.0123456789ab.tmp', 'created'],
        ['.aop/note.txt', 'created'],
      ] as const),
    );
    assert.deepEqual(standing('f1').sort(), ['main_checkout_write planted.txt critical', 'plan_tampered .aop/note.txt critical']);
    await guards.mainCheckout.moveOut('planted.txt');
    fs.rmSync(path.join(repo.dir, '.aop', 'note.txt'));
    await guards.mainCheckout.recheck();
    assert.deepEqual(standing('f1'), []);
  });

  it("a feature's plan changed while agents run: plan_tampered on them, the plan pending; confirm applies exactly what was reviewed", async () => {
    const plan = featurePaths(repo.dir, 'f2').plan;
    fs.writeFileSync(plan, 'allowed:\n  - "**"\n');
    await guards.onMainCheckoutWrites(new Map([['.aop/features/f2/plan.yaml', 'modified']] as const));
    assert.deepEqual(standing('f1'), ['plan_tampered .aop/features/f2/plan.yaml critical']);
    assert.equal(confirmed.get('f2')!.text('plan'), 'allowed:\n  - "src/**"\n', 'the plan in force did not change');
    const [pending] = await guards.pendingChanges('f2');
    assert.ok(pending.diff.includes('+  - "**"'), pending.diff);
    await guards.confirm('f2', 'plan', pending.onDiskSha);
    assert.deepEqual(applied, ['f2/plan']);
    assert.equal(confirmed.get('f2')!.text('plan'), 'allowed:\n  - "**"\n');
    assert.deepEqual(standing('f1'), []);
  });

  it('revert puts the plan in force back; a save in the editor is applied at once and is no violation', async () => {
    const plan = featurePaths(repo.dir, 'f1').plan;
    const before = fs.readFileSync(plan);
    fs.writeFileSync(plan, 'allowed: ["**"]\n');
    await guards.onMainCheckoutWrites(new Map([['.aop/features/f1/plan.yaml', 'modified']] as const));
    await guards.revert('f1', 'plan');
    assert.deepEqual(fs.readFileSync(plan), before);
    assert.deepEqual(standing('f1'), []);
    fs.writeFileSync(plan, 'allowed: ["src/**", "docs/**"]\n');
    saves.add(plan);
    await guards.onMainCheckoutWrites(new Map([['.aop/features/f1/plan.yaml', 'modified']] as const));
    assert.deepEqual(standing('f1'), []);
    assert.deepEqual(applied, ['f1/plan']);
    assert.equal(confirmed.get('f1')!.text('plan'), 'allowed: ["src/**", "docs/**"]\n');
  });

  it('a save in the editor never lists the plan as waiting for review, not even for a moment (the surfaces would warn "not in force")', async () => {
    const plan = featurePaths(repo.dir, 'f1').plan;
    const seen: string[] = [];
    guards.onDidChange(() => seen.push(...guards.items().filter((i) => i.area === 'plan').map((i) => i.title)));
    const text = 'allowed: ["src/**", "docs/**"]\n';
    fs.writeFileSync(plan, text);
    // The editor's save event (with the hash of what it wrote) and the file watcher's event.
    await guards.fileChanged(plan, { sha: createHash('sha256').update(text).digest('hex') });
    saves.add(plan);
    await guards.fileChanged(plan, true);
    assert.deepEqual(applied, ['f1/plan']);
    assert.equal(confirmed.get('f1')!.text('plan'), text);
    assert.deepEqual(seen, []);
    assert.deepEqual(standing('f1'), []);
    // Control: the same write not from the editor is listed.
    fs.writeFileSync(plan, 'allowed: ["**"]\n');
    await guards.fileChanged(plan, false);
    assert.equal(seen.at(-1), '.aop/features/f1/plan.yaml changed on disk while agents ran: not in force');
  });

  it('classifies .aop/ paths', () => {
    assert.deepEqual(aopPathRole('.aop/features/f1/plan.yaml'), { role: 'confirmed', owner: 'f1', kind: 'plan' });
    assert.deepEqual(aopPathRole('.aop/features/f1/spec.md'), { role: 'confirmed', owner: 'f1', kind: 'spec' });
    assert.deepEqual(aopPathRole('.aop/features/f1/events.jsonl'), { role: 'ours' });
    assert.deepEqual(aopPathRole('.aop/features/f1/agent.yaml'), { role: 'other' });
    assert.deepEqual(aopPathRole('.aop/features/../plan.yaml'), { role: 'other' });
    // The folders a feature's creation makes: their files are judged, not the folders.
    for (const dir of ['.aop', '.aop/features', '.aop/features/f2']) assert.deepEqual(aopPathRole(dir), { role: 'ours' }, dir);
    assert.deepEqual(aopPathRole('.aop/other'), { role: 'other' });
    assert.deepEqual(aopPathRole('.aop/features/..'), { role: 'other' });
  });
});
