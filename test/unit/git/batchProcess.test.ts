import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatchProcess, type ReplyParser } from '../../../src/core/git/batchProcess';
import { ObjectStore } from '../../../src/core/git/objectStore';
import { gitIn, makeTempRepo, type TempRepo } from '../helpers/tempRepo';

describe('BatchProcess and ObjectStore reads', () => {
  let repo: TempRepo;
  const blobs = new Map<string, Buffer>();

  before(() => {
    repo = makeTempRepo();
    for (const size of [0, 1, 65_535, 65_536, 65_537, 3_000_000, 20 * 2 ** 20]) {
      const data = randomBytes(size);
      const file = path.join(repo.dir, `blob-${size}`);
      fs.writeFileSync(file, data);
      blobs.set(gitIn(repo.dir, 'hash-object', '-w', '--no-filters', file), data);
      fs.rmSync(file);
    }
  });

  after(() => repo.cleanup());

  it('reads blobs of every size exactly, many requests in flight at once, with missing ones among them', async () => {
    const store = await ObjectStore.open(repo.dir);
    try {
      const oids = [...blobs.keys()];
      const asked = [...oids, store.zeroOid, ...oids.slice().reverse()];
      const got = await Promise.all(asked.map((oid) => store.read(oid)));
      asked.forEach((oid, i) => {
        if (oid === store.zeroOid) assert.equal(got[i], undefined);
        else assert.ok(got[i]!.data.equals(blobs.get(oid)!), `blob of ${blobs.get(oid)!.length} bytes`);
      });
    } finally {
      store.close();
    }
  });

  it('readPrefix: the first bytes of a big blob without reading it whole; a small one whole; a missing one undefined', async () => {
    const store = await ObjectStore.open(repo.dir);
    try {
      const [bigOid, big] = [...blobs].find(([, d]) => d.length === 20 * 2 ** 20)!;
      const [smallOid, small] = [...blobs].find(([, d]) => d.length === 65_537)!;
      assert.ok((await store.readPrefix(bigOid, 2 ** 20))!.equals(big.subarray(0, 2 ** 20)));
      assert.ok((await store.readPrefix(smallOid, 2 ** 20))!.equals(small));
      assert.equal(await store.readPrefix(store.zeroOid, 10), undefined);
      await assert.rejects(store.readPrefix('HEAD', 10), /not an object id/);
    } finally {
      store.close();
    }
  });

  it('a reply that says its size is parsed again only once it has all arrived (linear in its size, not quadratic)', async () => {
    const big = [...blobs].find(([, d]) => d.length === 20 * 2 ** 20)![0];
    const proc = new BatchProcess(['cat-file', '--batch'], repo.dir);
    let calls = 0;
    const parse: ReplyParser<number> = (buf) => {
      calls++;
      const nl = buf.indexOf(10);
      if (nl < 0) return undefined;
      const size = Number(buf.subarray(0, nl).toString('utf8').split(' ')[2]);
      return buf.length < nl + 2 + size ? { need: nl + 2 + size } : { value: size, used: nl + 2 + size };
    };
    try {
      assert.equal(await proc.request(big + '\n', parse), 20 * 2 ** 20);
      // 20 MB arrives in hundreds of pipe chunks; parsing (and joining) on each was the quadratic part.
      assert.ok(calls <= 4, `parsed ${calls} times`);
      assert.equal(await proc.request(big + '\n', parse), 20 * 2 ** 20, 'the process is still in step');
    } finally {
      proc.close();
    }
  });
});
