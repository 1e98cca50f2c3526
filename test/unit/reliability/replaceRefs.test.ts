/**
 * Replace refs are ignored (README, "Repository-controlled code in our own git calls").
 *
 * `refs/replace/<sha>` makes git hand out another object wherever <sha> is read. An agent that
 * can write the git folder could plant one for the base commit, so that the feature, its
 * checkpoints and the accepted result are built on a tree nobody committed. Every git call of
 * ours must read the objects the refs name (`--no-replace-objects`, `GIT_NO_REPLACE_OBJECTS`).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Orchestrator } from '../../../src/core/orchestrator';
import { makeTempRepo, type TempRepo } from '../helpers/tempRepo';
import { testOrchestrator } from '../helpers/testOrchestrator';

describe('reliability: replace refs are ignored', function () {
  this.timeout(120_000);
  let repo: TempRepo;
  let orch: Orchestrator;

  beforeEach(async () => {
    repo = makeTempRepo({ 'README.md': '# r\n', 'src/a.ts': 'a\n' });
    repo.git('branch', 'develop');
    orch = await testOrchestrator(repo.dir);
  });

  afterEach(async () => {
    await orch.dispose();
    fs.rmSync(`${repo.dir}.worktrees`, { recursive: true, force: true });
    repo.cleanup();
  });

  /** What the objects themselves say, whatever refs/replace holds. */
  const real = (...args: string[]) => repo.git('--no-replace-objects', ...args);

  /** Plants refs/replace/<develop> naming a commit whose tree holds another src/a.ts and a planted file. */
  function plantReplacement(): void {
    const wt = path.join(path.dirname(repo.dir), 'scratch');
    repo.git('worktree', 'add', '-q', '-b', 'evil', wt, 'develop');
    fs.writeFileSync(path.join(wt, 'src/a.ts'), 'evil\n');
    fs.writeFileSync(path.join(wt, 'planted.txt'), 'planted\n');
    repo.git('-C', wt, 'add', '-A');
    repo.git('-C', wt, 'commit', '-q', '--amend', '-m', 'initial');
    const evil = repo.git('-C', wt, 'rev-parse', 'HEAD');
    repo.git('worktree', 'remove', '--force', wt);
    repo.git('branch', '-D', 'evil');
    repo.git('replace', real('rev-parse', 'develop'), evil);
  }

  it('a replacement planted for the base commit changes what plain git shows, not the worktree, the checkpoints or what accept lands', async () => {
    plantReplacement();
    // Control: the plant is live for plain git.
    assert.equal(repo.git('show', 'develop:src/a.ts'), 'evil');
    assert.equal(real('show', 'develop:src/a.ts'), 'a');

    const f = await orch.createFeature({ id: 'f1', baseRef: 'develop', spec: '# f1\n', planYaml: 'version: 1\nallowed: ["src/b.ts"]\n' });
    const wt = f.worktree!;
    assert.equal(fs.readFileSync(path.join(wt, 'src/a.ts'), 'utf8'), 'a\n', 'the worktree holds the committed file');
    assert.equal(fs.existsSync(path.join(wt, 'planted.txt')), false);

    fs.writeFileSync(path.join(wt, 'src/b.ts'), 'b\n');
    const cp = (await orch.checkpointNow('f1'))!;
    // Judged against the real base: only the new file changed, nothing out of scope.
    assert.deepEqual(cp.files.map((x) => `${x.status} ${x.path}`), ['A src/b.ts']);
    assert.deepEqual(cp.violations.map((v) => `${v.kind} ${v.path}`), []);

    const s = await orch.prepareAccept('f1', {});
    assert.deepEqual(s.files.map((x) => `${x.status} ${x.path}`), ['A src/b.ts']);
    const out = await orch.accept('f1', { strategy: 'squash', expectSeq: s.seq, isTrusted: () => true });
    assert.equal(out.status, 'landed');
    assert.equal(real('ls-tree', '-r', '--name-only', 'develop'), 'README.md\nsrc/a.ts\nsrc/b.ts');
    assert.equal(real('show', 'develop:src/a.ts'), 'a');
  });
});
