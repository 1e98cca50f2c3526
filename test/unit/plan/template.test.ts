import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import picomatch from 'picomatch';
import { DEFAULT_FORBIDDEN, listFolders, parseGlobList, parsePlan, planProblems, planTemplate, scopeChoices } from '../../../src/core/plan';
import { makeTempRepo } from '../helpers/tempRepo';

describe('plan/template: the plan a new feature starts with', () => {
  it('parses to the chosen scope, default forbidden paths and default limits', () => {
    const plan = parsePlan(planTemplate({ featureId: 'login', allowed: ['src/**', 'test/auth/**'] }), 'plan.yaml');
    assert.deepEqual(plan.allowed, ['src/**', 'test/auth/**']);
    assert.deepEqual(plan.forbidden, [...DEFAULT_FORBIDDEN]);
    assert.equal(plan.limits.maxChangedFiles, 500);
    assert.deepEqual(plan.gates, []);
  });

  it('with no scope allows everything not forbidden', () => {
    const plan = parsePlan(planTemplate({ featureId: 'x', allowed: [], forbidden: [] }), 'plan.yaml');
    assert.deepEqual([plan.allowed, plan.forbidden], [[], []]);
  });

  it('teaches the rest of the format in comments that parse once uncommented', () => {
    const text = planTemplate({ featureId: 'x', allowed: ['src/**'] });
    assert.match(text, /^# limits:$/m);
    const uncommented = text.replace(/^# (exclusive|limits|policy|severity|gates):/gm, '$1:').replace(/^#( {3}|\s{3}- |\s{5})/gm, (m) => m.slice(1));
    const plan = parsePlan(uncommented, 'plan.yaml');
    assert.deepEqual(plan.exclusive, ['src/payments/**']);
    assert.equal(plan.severity.out_of_scope, 'warning');
    assert.deepEqual(plan.gates.map((g) => [g.name, g.run]), [['test', 'npm test']]);
  });

  it('stays a valid plan whatever folder names the repository has, each glob matching its folder', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9 _.#:'"@&!%{}()*?+[\]-]{1,20}$/).filter((n) => n.trim() === n && n !== '.' && n !== '..');
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 5 }), (folders) => {
        const globs = scopeChoices(folders).choices.map((c) => c.glob);
        const text = planTemplate({ featureId: 'x', allowed: globs });
        assert.deepEqual(planProblems(text, 'plan.yaml'), []);
        const plan = parsePlan(text, 'plan.yaml');
        assert.deepEqual(plan.allowed, globs);
        for (const f of folders.filter((n) => !/^([.!*?[\]{}()+@"']|[A-Za-z]:)/.test(n))) {
          assert.ok(plan.allowed.some((g) => picomatch(g, { dot: true })(`${f}/deep/file.ts`)), `${JSON.stringify(f)} is covered`);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('plan/scope: what New Feature offers as the scope', () => {
  it('offers each folder of the base commit and picks the source folder, with its sub-folders', async () => {
    const repo = makeTempRepo({ 'src/auth/a.ts': 'a', 'src/ui/b.ts': 'b', 'docs/x.md': 'x', 'node_modules/m/i.js': 'm', '.github/w.yml': 'w', 'README.md': 'r' });
    try {
      fs.mkdirSync(path.join(repo.dir, 'untracked'));
      fs.writeFileSync(path.join(repo.dir, 'untracked', 'f'), 'f');
      const top = await listFolders(repo.dir, 'HEAD');
      assert.deepEqual(top.sort(), ['.github', 'docs', 'src'], 'from git, without node_modules or untracked folders');
      const { choices, defaultFolder } = scopeChoices(top, await listFolders(repo.dir, 'HEAD', 'src'));
      assert.equal(defaultFolder, 'src');
      assert.deepEqual(
        choices.map((c) => [c.glob, c.picked]),
        [
          ['docs/**', false],
          ['src/**', true],
          ['src/auth/**', false],
          ['src/ui/**', false],
        ],
      );
      assert.deepEqual(await listFolders(repo.dir, 'HEAD', 'missing'), []);
      await assert.rejects(listFolders(repo.dir, '--output=/tmp/x'), /Invalid git ref/);
    } finally {
      repo.cleanup();
    }
  });

  it('reads globs a person types, refusing the first bad one with the reason', () => {
    assert.deepEqual(parseGlobList(' src/auth/**, test/auth/**  docs/x.md '), { globs: ['src/auth/**', 'test/auth/**', 'docs/x.md'] });
    assert.match(parseGlobList('src/**, ../etc/**').problem ?? '', /^"\.\.\/etc\/\*\*" contains a "\.\." segment/);
    assert.match(parseGlobList('/abs/**').problem ?? '', /absolute path/);
  });

  it('picks nothing when there is no usual source folder (the whole repository is the scope)', () => {
    const { choices, defaultFolder } = scopeChoices(['docs', 'scripts']);
    assert.equal(defaultFolder, undefined);
    assert.ok(choices.every((c) => !c.picked));
  });
});
