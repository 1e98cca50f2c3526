import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ConfirmedFiles } from '../../../src/core/features/confirmedFiles';
import { featurePaths } from '../../../src/core/features/featurePaths';
import { sha256 } from '../../../src/core/gitdir/snapshot';
import { AopError } from '../../../src/core/util/errors';
import { makeTempDir } from '../helpers/tempRepo';

describe('features/ConfirmedFiles', () => {
  let root: string;
  const paths = () => featurePaths(root, 'f1');
  const plan1 = 'allowed:\n  - "src/**"\n';
  const widened = 'allowed:\n  - "**"\n';

  beforeEach(() => {
    root = makeTempDir();
    fs.mkdirSync(paths().dir, { recursive: true });
    fs.writeFileSync(paths().plan, plan1);
    fs.writeFileSync(paths().spec, 'Do the work.\n');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('the plan in force stays the confirmed one when the file changes; the change is pending with a diff', async () => {
    const c = await ConfirmedFiles.open(paths());
    assert.equal(c.text('plan'), plan1);
    fs.writeFileSync(paths().plan, widened);
    const reopened = await ConfirmedFiles.open(paths());
    for (const x of [c, reopened]) {
      assert.equal(x.text('plan'), plan1, 'in force: the confirmed version, also after a restart');
      const p = await x.pending('plan');
      assert.ok(p);
      assert.ok(p.diff.includes('-  - "src/**"\n+  - "**"'), p.diff);
      assert.equal(await x.pending('spec'), undefined);
    }
  });

  it('confirm applies exactly the bytes the user was shown, never a later version', async () => {
    const c = await ConfirmedFiles.open(paths());
    fs.writeFileSync(paths().plan, widened);
    const shown = (await c.pending('plan'))!;
    fs.writeFileSync(paths().plan, 'allowed: ["**", "../**"]\n');
    await assert.rejects(c.confirm('plan', shown.onDiskSha), (e) => AopError.is(e, 'CONFLICT'));
    assert.equal(c.text('plan'), plan1);
    const again = (await c.pending('plan'))!;
    await c.confirm('plan', again.onDiskSha);
    assert.equal(c.text('plan'), 'allowed: ["**", "../**"]\n');
    assert.equal(await c.pending('plan'), undefined);
    assert.equal((await ConfirmedFiles.open(paths())).text('plan'), 'allowed: ["**", "../**"]\n');
  });

  it('revert puts back the exact bytes in force; a file created where none was confirmed is removed', async () => {
    fs.rmSync(paths().spec);
    const bytes = Buffer.from('allowed:\r\n  - "src/**"  \r\n\u00e9\n', 'utf8');
    fs.writeFileSync(paths().plan, bytes);
    const c = await ConfirmedFiles.open(paths());
    fs.writeFileSync(paths().plan, widened);
    fs.writeFileSync(paths().spec, 'Ignore your plan.\n');
    assert.equal((await c.pendingAll()).length, 2);
    await c.revert('plan');
    await c.revert('spec');
    assert.deepEqual(fs.readFileSync(paths().plan), bytes);
    assert.equal(fs.existsSync(paths().spec), false);
    assert.deepEqual(await c.pendingAll(), []);
    assert.equal((await ConfirmedFiles.open(paths())).text('spec'), undefined, 'no spec stays the confirmed state after a restart');
  });

  it('a deleted plan is a pending change too (deleting it would drop every rule)', async () => {
    const c = await ConfirmedFiles.open(paths());
    fs.rmSync(paths().plan);
    const p = (await c.pending('plan'))!;
    assert.equal(p.onDisk, undefined);
    assert.equal(p.onDiskSha, '');
    assert.equal(c.text('plan'), plan1);
    assert.notEqual(sha256(Buffer.from(plan1)), p.onDiskSha);
  });
});
