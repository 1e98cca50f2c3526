/**
 * A feature stopped and opened again catches up from the watcher's snapshot (no full scan),
 * and an idle feature does no periodic scans.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { featurePaths } from '../../../src/core/features/featurePaths';
import type { FeatureState } from '../../../src/core/features/featureState';
import { FeatureRuntime } from '../../../src/core/orchestrator/featureRuntime';
import { DEFAULT_SETTINGS, type OrchestratorSettings } from '../../../src/core/orchestrator/types';
import { waitFor } from '../../../src/core/util/async';
import { makeTempRepo, referenceTree, type TempRepo } from '../helpers/tempRepo';

describe('FeatureRuntime: starting again after a stop', function () {
  this.timeout(60_000);
  let repo: TempRepo;
  let wt: string;
  let state: FeatureState;
  const runtimes: FeatureRuntime[] = [];

  beforeEach(() => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`src/d${i % 5}/f${i}.ts`] = `${i}\n`;
    repo = makeTempRepo(files);
    const base = repo.git('rev-parse', 'HEAD');
    wt = path.join(repo.dir, '..', 'wt');
    repo.git('worktree', 'add', '-q', '-b', 'aop/f1', wt, base);
    state = { version: 1, id: 'f1', baseRef: 'main', baseCommit: base, branch: 'aop/f1', worktree: wt, createdAt: new Date().toISOString(), breaker: { open: false, failures: 0, errors: [] } };
  });

  afterEach(async () => {
    for (const rt of runtimes.splice(0)) await rt.dispose();
    repo.cleanup();
  });

  async function open(settings: Partial<OrchestratorSettings> = {}): Promise<FeatureRuntime> {
    const all: OrchestratorSettings = { ...DEFAULT_SETTINGS, watcherBackend: 'native', reconcileIntervalMs: 0, ...settings };
    const rt = await FeatureRuntime.open(state, featurePaths(repo.dir, 'f1'), () => all);
    runtimes.push(rt);
    return rt;
  }

  async function reconcileReasons(rt: FeatureRuntime): Promise<string[]> {
    return (await rt.log.read()).events.flatMap((e) => (e.t === 'reconcile' ? [e.reason] : []));
  }

  it('checkpoints what changed while stopped from the watcher snapshot, without a full scan', async () => {
    const first = await open();
    await first.startWatching();
    fs.writeFileSync(path.join(wt, 'src/d0/f0.ts'), 'seen live\n');
    await waitFor(() => first.listCheckpoints().length > 0, 10_000, 'a live checkpoint');
    await first.dispose();

    fs.writeFileSync(path.join(wt, 'src/d1/f1.ts'), 'changed while stopped\n');
    fs.rmSync(path.join(wt, 'src/d2/f2.ts'));
    fs.mkdirSync(path.join(wt, 'src/new'));
    fs.writeFileSync(path.join(wt, 'src/new/n.ts'), 'new\n');

    const second = await open();
    let fullScans = 0;
    const take = second.checkpoints.request.bind(second.checkpoints);
    second.checkpoints.request = (req) => {
      if (req.full) fullScans++;
      return take(req);
    };
    await second.startWatching();
    assert.equal(fullScans, 0, 'no full scan at start');
    assert.match((await reconcileReasons(second)).at(-1)!, /caught up from the watcher's snapshot/);
    assert.equal(second.checkpoints.head.tree, referenceTree(wt), 'the head holds exactly the worktree');
  });

  it('scans everything when the last stop left no confirmed snapshot (a crash, or a failed checkpoint)', async () => {
    const first = await open();
    await first.startWatching();
    await first.dispose();
    // A crash leaves no confirmed snapshot behind (it is consumed at start and confirmed only at a clean stop).
    fs.rmSync(path.join(featurePaths(repo.dir, 'f1').runtime, 'watch-snapshot.json'));
    fs.writeFileSync(path.join(wt, 'src/d3/f3.ts'), 'after the crash\n');
    const second = await open();
    await second.startWatching();
    assert.match((await reconcileReasons(second)).at(-1)!, /^start \(/);
    assert.equal(second.checkpoints.head.tree, referenceTree(wt));
  });

  it('does no periodic scan while nothing happens, and one after activity', async () => {
    const rt = await open({ reconcileIntervalMs: 40 });
    await rt.startWatching();
    const periodic = async () => (await reconcileReasons(rt)).filter((r) => r === 'periodic').length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await periodic(), 0, 'nothing happened since the start scan: no periodic scan, not even at the first tick');
    const idle = await periodic();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await periodic(), idle, 'idle: no scans');
    fs.writeFileSync(path.join(wt, 'src/d4/f4.ts'), 'activity\n');
    await waitFor(async () => (await periodic()) > idle, 10_000, 'a periodic scan after activity');
  });
});
