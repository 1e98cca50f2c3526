/**
 * `npm run lint` / `npm run typecheck` on a clone without `npm ci` (scripts/needs-install.mjs, their
 * pre-script): a sentence saying what to do, not "sh: eslint: not found".
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../../scripts/needs-install.mjs');

function run(cwd: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, 'eslint', 'tsc'], { cwd, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

describe('scripts/needs-install: lint and typecheck before npm ci', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aop-needs-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('without the tools: fails, naming them and saying to run npm ci', () => {
    const r = run(dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^eslint and tsc not installed: run `npm ci` first/);
  });

  it('with the tools installed: passes quietly', () => {
    fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
    for (const t of ['eslint', 'tsc']) fs.writeFileSync(path.join(dir, 'node_modules', '.bin', t), '');
    const r = run(dir);
    assert.equal(r.status, 0);
    assert.equal(r.stderr, '');
  });
});
