import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { countLines } from '../../../src/core/checkpoints/lineCounts';
import { parseDiffTreeZ } from '../../../src/core/checkpoints/treeDiff';
import { makeTempRepo, type TempRepo } from '../helpers/tempRepo';

/** Text made of a few distinct lines (so edits share lines), with or without a final newline, CRLF now and then. */
const textArb = fc
  .record({
    lines: fc.array(fc.constantFrom('a', 'b', 'const x = 1;', '  }', '', 'return y;', 'a\r', 'zz'), { maxLength: 40 }),
    eol: fc.boolean(),
  })
  .map(({ lines, eol }) => lines.join('\n') + (eol && lines.length > 0 ? '\n' : ''));
/** An edited version: some lines removed, replaced or inserted. */
const editArb = (t: string) =>
  fc.array(fc.tuple(fc.nat(60), fc.constantFrom('del', 'ins', 'rep'), fc.constantFrom('a', 'new line', '', 'zz')), { maxLength: 8 }).map((ops) => {
    const lines = t.split('\n');
    for (const [at, op, s] of ops) {
      const i = at % (lines.length + 1);
      if (op === 'del') lines.splice(i, 1);
      else if (op === 'ins') lines.splice(i, 0, s);
      else lines[i] = s;
    }
    return lines.join('\n');
  });

const lines = (n: number, tag: string): string => Array.from({ length: n }, (_, i) => `${tag} ${i}\n`).join('');

describe('Checkpoints: line counts agree with git --numstat', function () {
  this.timeout(120_000);
  let repo: TempRepo;

  beforeEach(() => (repo = makeTempRepo()));
  afterEach(() => repo.cleanup());

  it('for edited, added, deleted, binary and unchanged files (property, checked against git)', () => {
    const pair = textArb.chain((t) => fc.tuple(fc.constant(t), editArb(t)));
    const cases = fc.sample(fc.array(pair, { minLength: 40, maxLength: 40 }), { numRuns: 3, seed: 42 });
    for (const files of cases) {
      const all = [
        ...files.map(([a, b]) => ({ before: a as string | undefined, after: b as string | undefined })),
        { before: 'gone\n', after: undefined },
        { before: undefined, after: 'new\nfile' },
        { before: 'x\0bin', after: 'x\0bin2' },
        { before: 'same\n', after: 'same\n' },
        // Rewritten whole, past the edit cap (600 lines out, 700 in, none shared): counted without a diff.
        { before: lines(600, 'old'), after: lines(700, 'new') },
        { before: lines(300, 'old'), after: lines(300, 'new').trimEnd() },
      ];
      for (const f of fs.readdirSync(repo.dir)) if (f.startsWith('f')) fs.rmSync(path.join(repo.dir, f));
      all.forEach((f, i) => f.before !== undefined && fs.writeFileSync(path.join(repo.dir, `f${i}`), f.before));
      const from = repo.commitAll('before');
      all.forEach((f, i) => (f.after === undefined ? fs.rmSync(path.join(repo.dir, `f${i}`), { force: true }) : fs.writeFileSync(path.join(repo.dir, `f${i}`), f.after)));
      const to = repo.commitAll('after');
      const git = parseDiffTreeZ(repo.git('diff-tree', '-r', '-z', '--no-renames', '--raw', '--numstat', from, to));
      assert.ok(git.length >= 3);
      for (const g of git) {
        const f = all[Number(g.path.slice(1))]!;
        const ours = countLines(g, f.before === undefined ? undefined : Buffer.from(f.before, 'latin1'), f.after === undefined ? undefined : Buffer.from(f.after, 'latin1'));
        assert.ok(ours, `${g.path}: counted`);
        if ('binary' in ours) assert.equal(g.binary, true, `${g.path} is binary for git too`);
        else assert.deepEqual([ours.added, ours.removed], [g.added, g.removed], `${g.path}: ${JSON.stringify(f)}`);
      }
    }
  });
});
