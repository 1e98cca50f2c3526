import * as assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { DEFAULT_LIMITS, MAX_PLAN_BYTES, defaultPlan, loadPlan, makePlan, parsePlan } from '../../../src/core/plan';
import { AopError } from '../../../src/core/util/errors';

/** Runs parsePlan expecting PLAN_INVALID; returns the error for inspection. */
function refused(text: string, file = 'plan.yaml'): AopError {
  try {
    parsePlan(text, file);
  } catch (err) {
    assert.ok(AopError.is(err, 'PLAN_INVALID'), `expected PLAN_INVALID, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the plan to be refused');
}

const FULL = `# a full plan
version: 1
allowed: ["src/**", "test/**"]
forbidden: [".env", "secrets/**"]
exclusive: ["src/db/**"]
limits: { maxFileBytes: 1000, quotaBytes: 5000, maxChangedFiles: 7 }
policy: { blockExecutables: false, blockSymlinks: true, secretScan: false }
severity: { out_of_scope: warning, secret_detected: critical }
gates:
  - { name: lint, run: "npm run lint", cwd: ".", timeoutSec: 60, requiredForAccept: false }
  - name: test
    run: npm test
`;

describe('plan: parsePlan', () => {
  it('reads every field of a full plan', () => {
    const plan = parsePlan(FULL, 'plan.yaml');
    assert.equal(plan.version, 1);
    assert.deepEqual(plan.allowed, ['src/**', 'test/**']);
    assert.deepEqual(plan.forbidden, ['.env', 'secrets/**']);
    assert.deepEqual(plan.exclusive, ['src/db/**']);
    assert.deepEqual(plan.limits, { maxFileBytes: 1000, quotaBytes: 5000, maxChangedFiles: 7 });
    assert.deepEqual(plan.policy, { blockExecutables: false, blockSymlinks: true, secretScan: false });
    assert.deepEqual(plan.severity, { out_of_scope: 'warning', secret_detected: 'critical' });
    assert.deepEqual(plan.gates, [
      { name: 'lint', run: 'npm run lint', cwd: '.', timeoutSec: 60, requiredForAccept: false },
      { name: 'test', run: 'npm test', cwd: '.', timeoutSec: 300, requiredForAccept: true },
    ]);
    assert.match(plan.planHash, /^[0-9a-f]{16}$/);
  });

  it('fills defaults for everything but version', () => {
    const plan = parsePlan('version: 1\n', 'plan.yaml');
    assert.deepEqual(plan.allowed, []);
    assert.deepEqual(plan.forbidden, []);
    assert.deepEqual(plan.limits, { ...DEFAULT_LIMITS });
    assert.deepEqual(plan.policy, { blockExecutables: true, blockSymlinks: false, secretScan: true });
    assert.deepEqual(plan.gates, []);
    assert.equal(plan.planHash, defaultPlan().planHash);
    // A partial limits block keeps the other defaults.
    assert.deepEqual(parsePlan('version: 1\nlimits: { quotaBytes: 10 }\n', 'p').limits, { ...DEFAULT_LIMITS, quotaBytes: 10 });
  });

  it('normalises "./x/" globs to "x" and drops duplicates', () => {
    const plan = parsePlan('version: 1\nallowed: ["./docs/", docs, "src/**"]\n', 'p');
    assert.deepEqual(plan.allowed, ['docs', 'src/**']);
  });

  it('planHash follows meaning, not formatting', () => {
    const a = parsePlan('version: 1\nallowed: [src/**]\n', 'p').planHash;
    const b = parsePlan('# comment\nallowed:\n  - "src/**"\nversion: 1\nlimits: {}\n', 'p').planHash;
    const c = parsePlan('version: 1\nallowed: [src/**]\nlimits: { maxFileBytes: 10 }\n', 'p').planHash;
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('reports a YAML syntax error with file, line, column and field', () => {
    const err = refused('version: 1\nallowed:\n  - src/**\nlimits: { maxFileBytes: 1 ]\n', 'features/x/plan.yaml');
    assert.equal(err.details?.file, 'features/x/plan.yaml');
    assert.equal(err.details?.line, 4);
    assert.equal(err.details?.column, 27);
    assert.equal(err.details?.field, 'limits.maxFileBytes');
    assert.match(err.message, /^features\/x\/plan\.yaml:4:27: limits\.maxFileBytes: YAML syntax error: Flow map .* end with a }/);
    // An unterminated quote is reported where YAML notices it.
    const quote = refused('version: 1\nforbidden: ["ok", "open\n');
    assert.match(quote.message, /^plan\.yaml:\d+:\d+: .*YAML syntax error: Missing closing "quote/);
  });

  it('refuses duplicate keys at the duplicate', () => {
    const err = refused('version: 1\nallowed: [a]\nallowed: [b]\n');
    assert.equal(err.details?.line, 3);
    assert.equal(err.details?.column, 1);
    assert.match(err.message, /unique/);
  });

  it('reports a schema error at the offending value', () => {
    const text = 'version: 1\n\nallowed:\n  - src/**\n\nlimits:\n  maxFileBytes: -5\n';
    const err = refused(text);
    assert.equal(err.message, 'plan.yaml:7:17: limits.maxFileBytes: expected a positive integer (bytes)');
    assert.deepEqual({ ...err.details, problems: undefined }, { file: 'plan.yaml', line: 7, column: 17, field: 'limits.maxFileBytes', problems: undefined });
  });

  it('points at a list item by index', () => {
    const err = refused('version: 1\nforbidden:\n  - ok\n  - 42\n');
    assert.equal(err.details?.field, 'forbidden[1]');
    assert.equal(err.details?.line, 4);
    assert.equal(err.details?.column, 5);
    assert.match(err.message, /expected a glob string/);
  });

  it('refuses unknown keys, at the key, naming the known ones', () => {
    const top = refused('version: 1\nforbiden: [.env]\n');
    assert.equal(top.details?.field, 'forbiden');
    assert.equal(top.details?.line, 2);
    assert.equal(top.details?.column, 1);
    assert.match(top.message, /unknown key.*forbidden/);
    const nested = refused('version: 1\npolicy:\n  blockExecutables: true\n  blockSymlink: true\n');
    assert.equal(nested.message.split('\n')[0], 'plan.yaml:4:3: policy.blockSymlink: unknown key in policy; known keys are: blockExecutables, blockSymlinks, secretScan');
    assert.match(refused('version: 1\ngates: [{ name: a, run: b, shell: zsh }]\n').message, /gates\[0\]\.shell: unknown key/);
    assert.match(refused('version: 1\nseverity: { out_of_scop: error }\n').message, /severity\.out_of_scop: unknown key/);
  });

  it('requires version 1', () => {
    assert.match(refused('allowed: [src]\n').message, /^plan\.yaml:1:1: version: is missing; add `version: 1`/);
    assert.match(refused('version: 2\n').message, /^plan\.yaml:1:10: version: expected 1/);
    assert.match(refused('').message, /^plan\.yaml:1:1: expected a mapping/);
    assert.match(refused('- a\n- b\n').message, /expected a mapping/);
  });

  it('lists every problem, first one first', () => {
    const err = refused('version: 1\nlimits: { maxChangedFiles: 0 }\npolicy: { secretScan: "no" }\nseverity: { out_of_scope: fatal }\n');
    const lines = err.message.split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /:2:\d+: limits\.maxChangedFiles:/);
    assert.match(lines[1], /:3:\d+: policy\.secretScan: expected true or false/);
    assert.match(lines[2], /:4:\d+: severity\.out_of_scope: expected one of critical, error, warning/);
    assert.equal((err.details?.problems as unknown[]).length, 3);
  });

  it('checks gates: names, commands, folders, unique names', () => {
    assert.match(refused('version: 1\ngates: [{ name: "bad name", run: x }]\n').message, /gates\[0\]\.name: expected a gate name/);
    assert.match(refused('version: 1\ngates: [{ name: a }]\n').message, /gates\[0\]\.run: is required/);
    assert.match(refused('version: 1\ngates: [{ name: a, run: x, cwd: ../up }]\n').message, /gates\[0\]\.cwd: .*"\.\."/);
    assert.match(refused('version: 1\ngates: [{ name: a, run: x }, { name: a, run: y }]\n').message, /gates\[1\]\.name: duplicate gate name "a"/);
  });
});

describe('plan: glob hygiene', () => {
  const list = (globs: string[]) => `version: 1\nallowed:\n${globs.map((g) => `  - ${JSON.stringify(g)}`).join('\n')}\n`;

  it('refuses a glob over 1,000 characters', () => {
    const err = refused(list(['src/**', 'a'.repeat(1001)]));
    assert.equal(err.details?.field, 'allowed[1]');
    assert.equal(err.details?.line, 4);
    assert.match(err.message, /allowed\[1\]: glob is 1,001 characters long; a glob may be at most 1,000/);
    assert.doesNotThrow(() => parsePlan(list(['a'.repeat(1000)]), 'p'));
  });

  it('refuses braces nested more than 10 deep', () => {
    const deep = `${'{a,'.repeat(11)}b${'}'.repeat(11)}`;
    assert.match(refused(list([deep])).message, /allowed\[0\]: glob ".*" nests braces 11 deep; at most 10/);
    const ok = `${'{a,'.repeat(10)}b${'}'.repeat(10)}`;
    assert.doesNotThrow(() => parsePlan(list([ok]), 'p'));
  });

  it('refuses 10,000 globs in one list, and accepts 2,000', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `src/m${i}/**`);
    const err = refused(`version: 1\nforbidden: ${JSON.stringify(many)}\n`);
    assert.equal(err.details?.field, 'forbidden');
    assert.equal(err.details?.line, 2);
    assert.match(err.message, /forbidden: has 10,000 globs; at most 2,000 are allowed per list/);
    assert.equal(parsePlan(`version: 1\nforbidden: ${JSON.stringify(many.slice(0, 2000))}\n`, 'p').forbidden.length, 2000);
  });

  it('refuses absolute paths, ".." segments, NUL and control characters, negation', () => {
    const cases: [string, RegExp][] = [
      ['/etc/**', /absolute path/],
      ['C:/Users/**', /absolute path/],
      ['src/../../x', /"\.\." segment/],
      ['..', /"\.\." segment/],
      ['src/\u0000x', /NUL or control character/],
      ['src/\u0007x', /NUL or control character/],
      ['!src/**', /negation is not supported/],
      ['', /is empty/],
      ['./', /repository root/],
    ];
    for (const [glob, why] of cases) {
      const err = refused(list(['ok/**', glob]));
      assert.equal(err.details?.field, 'allowed[1]', glob);
      assert.match(err.message, why, glob);
    }
    // Lookalikes that are fine: dots inside names, "..." as a name part, extglob negation.
    assert.doesNotThrow(() => parsePlan(list(['src/..foo/**', 'a...b', '.github/**', '!(x).ts']), 'p'));
  });

  it('applies the same rules to forbidden and exclusive', () => {
    assert.match(refused('version: 1\nforbidden: ["/abs"]\n').message, /forbidden\[0\]: glob "\/abs" is an absolute path/);
    assert.match(refused('version: 1\nexclusive: ["a/../b"]\n').message, /exclusive\[0\]: glob/);
  });

  it('refuses an oversized plan file before parsing it', () => {
    const err = refused(`version: 1\n# ${'x'.repeat(MAX_PLAN_BYTES)}\n`);
    assert.match(err.message, /^plan\.yaml:1:1: the file is [\d,]+ characters; a plan may be at most 524,288/);
  });

  it('never throws anything but PLAN_INVALID on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parsePlan(text, 'p');
        } catch (err) {
          return AopError.is(err, 'PLAN_INVALID') && typeof err.details?.line === 'number';
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('plan: loadPlan, makePlan, defaultPlan', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aop-plan-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a plan file and names it in errors', async () => {
    const good = path.join(dir, 'plan.yaml');
    await writeFile(good, '\uFEFFversion: 1\nallowed: [src/**]\n');
    assert.deepEqual((await loadPlan(good)).allowed, ['src/**']);
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\nlimits: { quotaBytes: many }\n');
    await assert.rejects(loadPlan(bad), (err: unknown) => AopError.is(err, 'PLAN_INVALID') && err.message.startsWith(`${bad}:2:`));
  });

  it('reports a missing plan as NOT_FOUND', async () => {
    await assert.rejects(loadPlan(path.join(dir, 'none.yaml')), (err: unknown) => AopError.is(err, 'NOT_FOUND'));
  });

  it('makePlan validates data the same way', () => {
    assert.deepEqual(makePlan({ version: 1, allowed: ['src/'] }).allowed, ['src']);
    assert.throws(() => makePlan({ version: 1, allowed: ['/abs'] }), (err: unknown) => AopError.is(err, 'PLAN_INVALID') && /allowed\[0\]/.test(err.message));
  });

  it('defaultPlan allows everything with default limits and is frozen', () => {
    const plan = defaultPlan();
    assert.deepEqual(plan.allowed, []);
    assert.equal(plan.limits.maxFileBytes, 5 * 1024 * 1024);
    assert.ok(Object.isFrozen(plan));
  });
});
