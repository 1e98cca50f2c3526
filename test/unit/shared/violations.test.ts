import { strict as assert } from 'node:assert';
import { flattenViolationGroups, groupViolations } from '../../../src/shared/violations';
import type { ViolationView } from '../../../src/shared/viewModels';

const v = (severity: ViolationView['severity'], kind: ViolationView['kind'], path: string, line?: number): ViolationView => ({
  severity,
  kind,
  path,
  message: `${kind} at ${path}`,
  ...(line ? { line } : {}),
});

describe('shared/violations', () => {
  it('groups by severity (critical, error, warning) then kind in the vocabulary order, paths sorted', () => {
    const groups = groupViolations([
      v('warning', 'file_too_large', 'big.bin'),
      v('error', 'out_of_scope', 'z.ts'),
      v('critical', 'git_dir_write', '.git/config'),
      v('error', 'forbidden_path', 'secrets/x'),
      v('error', 'out_of_scope', 'a.ts', 9),
      v('error', 'out_of_scope', 'a.ts', 2),
    ]);
    assert.deepEqual(
      groups.map((g) => [g.severity, g.count, g.kinds.map((k) => [k.kind, k.items.map((i) => `${i.path}:${i.line ?? ''}`)])]),
      [
        ['critical', 1, [['git_dir_write', ['.git/config:']]]],
        ['error', 4, [['out_of_scope', ['a.ts:2', 'a.ts:9', 'z.ts:']], ['forbidden_path', ['secrets/x:']]]],
        ['warning', 1, [['file_too_large', ['big.bin:']]]],
      ],
    );
  });

  it('omits empty severities and flattens to header and item rows', () => {
    const rows = flattenViolationGroups(groupViolations([v('warning', 'secret_detected', 'a', 3), v('warning', 'secret_detected', 'b')]));
    assert.deepEqual(
      rows.map((r) => r.kind),
      ['severity', 'kind', 'item', 'item'],
    );
    assert.equal(flattenViolationGroups(groupViolations([])).length, 0);
  });
});
