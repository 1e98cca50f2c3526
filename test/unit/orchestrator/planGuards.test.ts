/**
 * The plan's say before a write lands (issue 11 point 6): path and content of a client write
 * (ACP fs/write_text_file) and of the writes a permission request proposes (Claude's Write and
 * Edit, Codex's patch), judged by the real validator.
 */
import * as assert from 'node:assert/strict';
import type { PermissionQuery, ProposedFileWrite } from '../../../src/core/agents';
import { decidePermission, guardWrite } from '../../../src/core/orchestrator/planGuards';
import { makePlan } from '../../../src/core/plan';
import { Validator } from '../../../src/core/validation';
import { fakeSecrets } from '../validation/fixtures';

describe('orchestrator/planGuards: pre-write checks of path and content', () => {
  const validator = new Validator(makePlan({ version: 1, allowed: ['src/**'], forbidden: ['src/vendor/**'], limits: { maxFileBytes: 64 } }), {
    worktree: '/nonexistent-worktree',
    readBlob: () => Promise.reject(new Error('no blob is read before a write')),
  });
  const secret = `export const key = "${fakeSecrets.aws()}";\n`;
  const query = (writes: ProposedFileWrite[], o: Partial<PermissionQuery> = {}): PermissionQuery => ({
    featureId: 'f',
    toolCall: { toolCallId: 't1' },
    title: 'Write',
    kind: 'edit',
    paths: writes.map((w) => w.path),
    outsidePaths: [],
    writes,
    ...o,
  });

  it('a client write holding a secret is refused, saying what was found and where', () => {
    const d = guardWrite(validator, 'src/creds.ts', secret);
    assert.equal(d.allow, false);
    assert.match(d.reason ?? '', /AWS access key/);
    assert.match(d.reason ?? '', /src\/creds\.ts/);
  });

  it('a client write larger than the plan allows is refused with both sizes', () => {
    const d = guardWrite(validator, 'src/big.ts', 'x'.repeat(65));
    assert.equal(d.allow, false);
    assert.match(d.reason ?? '', /65 bytes/);
    assert.match(d.reason ?? '', /limit of 64 bytes/);
  });

  it('path rules still apply, and a clean in-scope write is allowed', () => {
    assert.match(guardWrite(validator, 'docs/out.md', 'x\n').reason ?? '', /outside the plan's allowed areas/);
    assert.equal(guardWrite(validator, 'src/vendor/lib.ts', 'x\n').allow, false);
    assert.deepEqual(guardWrite(validator, 'src/ok.ts', 'export const ok = 1;\n'), { allow: true });
  });

  it('a permission request proposing a secret or an oversize file is denied with the reason; an edit fragment is not judged by size', () => {
    const s = decidePermission(validator, query([{ path: 'src/creds.ts', content: secret, whole: true }]));
    assert.equal(s.decision, 'deny');
    assert.match(s.reason ?? '', /AWS access key/);
    const big = decidePermission(validator, query([{ path: 'src/big.ts', content: 'x'.repeat(100), whole: true }]));
    assert.equal(big.decision, 'deny');
    assert.match(big.reason ?? '', /100 bytes, over the plan's limit/);
    assert.equal(decidePermission(validator, query([{ path: 'src/big.ts', content: 'x'.repeat(100), whole: false }])).decision, 'allow');
    assert.equal(decidePermission(validator, query([{ path: 'src/ok.ts', content: 'ok\n', whole: true }])).decision, 'allow');
  });

  it('a refusal found by both the path and the proposed write is said once; outside paths are refused by name', () => {
    const r = decidePermission(validator, query([{ path: 'docs/out.md', content: 'x\n', whole: true }]));
    assert.equal(r.decision, 'deny');
    assert.equal(r.reason!.match(/outside the plan's allowed areas/g)?.length, 1, r.reason);
    const out = decidePermission(validator, query([], { outsidePaths: ['/etc/passwd'] }));
    assert.deepEqual(out, { decision: 'deny', reason: "/etc/passwd is outside the feature's worktree." });
    assert.equal(decidePermission(validator, query([], { kind: 'execute', title: 'Bash' })).decision, 'ask');
    assert.equal(decidePermission(validator, query([], { kind: 'read', paths: ['src/a.ts'] })).decision, 'allow');
  });
});
