import * as assert from 'node:assert/strict';
import { SECRET_SCAN_BYTES, looksBinary, scanSecrets } from '../../../src/core/validation';
import { fakeSecrets, pseudoRandom } from './fixtures';

const scan = (text: string | Buffer) => scanSecrets(typeof text === 'string' ? Buffer.from(text) : text);

describe('validation: secret scanner', () => {
  const shapes: [keyof typeof fakeSecrets, string][] = [
    ['aws', 'aws-access-key'],
    ['awsTemp', 'aws-access-key'],
    ['github', 'github-token'],
    ['githubOauth', 'github-token'],
    ['githubServer', 'github-token'],
    ['githubPat', 'github-pat'],
    ['slack', 'slack-token'],
    ['google', 'google-api-key'],
    ['openai', 'openai-key'],
    ['stripe', 'stripe-live-key'],
    ['pem', 'private-key'],
  ];
  for (const [shape, rule] of shapes) {
    it(`finds a ${shape} credential and reports its 1-based line`, () => {
      const text = `line one\nline two\nconst key = "${fakeSecrets[shape]()}";\n`;
      assert.deepEqual(
        scan(text).map((f) => [f.rule, f.line]),
        [[rule, 3]],
      );
    });
  }

  it('skips obvious placeholders and near-misses', () => {
    const lines = [
      ['AK', 'IAIOSFODNN7', 'EXAMPLE'].join(''),
      `${'AK'}IA${'0'.repeat(16)}`,
      `gh${'p_'}${'x'.repeat(36)}`,
      `gh${'p_'}${pseudoRandom(1, 35)}`, // one short
      `s${'k-'}your-api-key-goes-here-and-this-is-long-enough-to-match`,
      `s${'k-'}${'a-very-long-kebab-case-css-class-name-for-the-sidebar'}`,
      `s${'k_test_'}${pseudoRandom(2, 24)}`, // Stripe test keys are meant to be shared
      `-----BEGIN ${'PRIVATE'} KEY-----`, // a bare header, as in docs or in a scanner's own source
      `xo${'xb-'}not-a-token`,
      `AI${'za'}${pseudoRandom(3, 20)}`,
    ];
    assert.deepEqual(scan(lines.join('\n')), []);
  });

  it('finds several secrets with their own lines, in order', () => {
    const text = [fakeSecrets.google(), 'nothing', 'nothing', `token=${fakeSecrets.github()}`, fakeSecrets.aws()].join('\r\n');
    assert.deepEqual(
      scan(text).map((f) => f.line),
      [1, 4, 5],
    );
  });

  it('finds a PEM key inside a JSON string with escaped newlines', () => {
    const json = JSON.stringify({ key: fakeSecrets.pem() });
    assert.deepEqual(
      scan(`{\n"a": 1,\n"b": ${json}\n}`).map((f) => [f.rule, f.line]),
      [['private-key', 3]],
    );
  });

  it('skips files that look binary (NUL in the first 8 KiB)', () => {
    const buf = Buffer.concat([Buffer.from([0x89, 0x50, 0x00, 0x01]), Buffer.from(`\n${fakeSecrets.github()}\n`)]);
    assert.equal(looksBinary(buf), true);
    assert.deepEqual(scanSecrets(buf), []);
    // A NUL after the first 8 KiB does not make it binary.
    const late = Buffer.concat([Buffer.from(`${fakeSecrets.github()}\n`), Buffer.alloc(9000, 0x61), Buffer.from([0])]);
    assert.equal(scanSecrets(late).length, 1);
  });

  it('scans only the first 2 MiB', () => {
    const filler = Buffer.alloc(SECRET_SCAN_BYTES, 0x61);
    const after = Buffer.concat([filler, Buffer.from(`\n${fakeSecrets.github()}\n`)]);
    assert.deepEqual(scanSecrets(after), []);
    const before = Buffer.concat([Buffer.from(`${fakeSecrets.github()}\n`), filler]);
    assert.equal(scanSecrets(before).length, 1);
  });
});
