import { strict as assert } from 'node:assert';
import { planCompletions, planCursor, planHover } from '../../../src/core/plan/assist';

/** Text with a `|` marking the cursor: returns the text without it and the cursor's line/character. */
function at(marked: string): [string, number, number] {
  const i = marked.indexOf('|');
  const text = marked.slice(0, i) + marked.slice(i + 1);
  const before = marked.slice(0, i).split('\n');
  return [text, before.length - 1, before[before.length - 1]!.length];
}

const labels = (marked: string) => planCompletions(...at(marked)).map((c) => c.label);

describe('plan/assist: completion and hover in plan.yaml from the JSON Schema', () => {
  it('offers the top-level keys not yet written', () => {
    const got = labels('version: 1\nallowed:\n  - src/**\n|');
    assert.ok(got.includes('forbidden') && got.includes('limits') && got.includes('gates'));
    assert.ok(!got.includes('version') && !got.includes('allowed'), 'keys already present are not offered again');
  });

  it('offers the keys of a nested mapping, with their description and default', () => {
    const items = planCompletions(...at('version: 1\nlimits:\n  maxFileBytes: 10\n  |'));
    assert.deepEqual(items.map((c) => c.label).sort(), ['maxChangedFiles', 'quotaBytes']);
    const quota = items.find((c) => c.label === 'quotaBytes')!;
    assert.match(quota.documentation ?? '', /total size.*Default: `104857600`/);
    assert.equal(quota.insertText, 'quotaBytes: ');
  });

  it('offers the violation kinds under severity, and severities as their values', () => {
    const kinds = labels('version: 1\nseverity:\n  out_|');
    assert.ok(kinds.includes('out_of_scope') && kinds.includes('secret_detected'));
    assert.deepEqual(labels('version: 1\nseverity:\n  out_of_scope: |'), ['critical', 'error', 'warning']);
    assert.deepEqual(labels('version: 1\npolicy:\n  secretScan: |'), ['true', 'false']);
  });

  it('knows the keys of a gate inside the gates list, in both list styles', () => {
    assert.deepEqual(labels('version: 1\ngates:\n  - name: test\n    |').sort(), ['cwd', 'requiredForAccept', 'run', 'timeoutSec']);
    assert.deepEqual(labels('version: 1\ngates:\n- name: test\n  run: npm test\n  |').sort(), ['cwd', 'requiredForAccept', 'timeoutSec']);
    assert.ok(labels('version: 1\ngates:\n  - name: a\n    run: x\n  - |').includes('run'), 'a new item starts with every key');
  });

  it('treats `- ` in a list of globs as an item, not a key', () => {
    const cur = planCursor(...at('version: 1\nallowed:\n  - src/**\n  - |'));
    assert.deepEqual(cur && { path: cur.path, position: cur.position }, { path: ['allowed'], position: 'item' });
    assert.deepEqual(labels('version: 1\nallowed:\n  - |'), []);
  });

  it('offers nothing in a comment', () => {
    assert.equal(planCursor(...at('version: 1\n# lim|')), undefined);
  });

  it('inserts lists and mappings as blocks', () => {
    const items = planCompletions(...at('version: 1\n|'));
    assert.equal(items.find((c) => c.label === 'forbidden')!.insertText, 'forbidden:\n  - ');
    assert.equal(items.find((c) => c.label === 'policy')!.insertText, 'policy:\n  ');
  });

  it('explains the key under the cursor, with its full path', () => {
    const h = planHover(...at('version: 1\nlimits:\n  maxFile|Bytes: 10\n'));
    assert.ok(h);
    assert.match(h.markdown, /^\*\*limits\.maxFileBytes\*\* \(integer\)/);
    assert.equal(h.line, 2);
    assert.deepEqual([h.startChar, h.endChar], [2, 14]);
    const kind = planHover(...at('version: 1\nseverity:\n  secret_|detected: warning\n'));
    assert.match(kind!.markdown, /credential.*Default severity: critical/);
    const gate = planHover(...at('version: 1\ngates:\n  - name: t\n    ru|n: npm test\n'));
    assert.match(gate!.markdown, /^\*\*gates\[\]\.run\*\*/);
    assert.equal(planHover(...at('version: 1\nallowed:\n  - sr|c/**\n')), undefined, 'a glob is not a key');
    assert.equal(planHover(...at('version: 1\nnonsense|: 3\n')), undefined);
  });
});
