/** The shard router: Qdrant's fair hash ring (100 virtual nodes per shard) over SipHash-2-4 of the id's hash stream. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HASH_RING_SHARD_SCALE, ShardRouter, pointIdHashBytes } from '../../../src/collection/shard-router.js';

describe('ShardRouter', () => {
  it('hashes ids as ExtendedPointId: u64 discriminant, then the u64 id or the u64 length 16 and the UUID bytes', () => {
    assert.deepEqual([...pointIdHashBytes(258)], [0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0]);
    const uuid = [...pointIdHashBytes('00112233-4455-6677-8899-aabbccddeeff')];
    assert.deepEqual(uuid.slice(0, 16), [1, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(uuid.slice(16), [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
  });

  it('routes deterministically, whether or not the ring was already built', () => {
    const ids = [0, 1, 5, 17, 1_000_000, 2 ** 53 - 1, '5c56c793-69f3-4fbf-87e6-c4bf54c28c26'];
    const first = ids.map((id) => new ShardRouter(4, null).shardOf(id)); // each on a fresh router (ring built lazily)
    const warm = new ShardRouter(4, null);
    assert.deepEqual(ids.map((id) => warm.shardOf(id)), first);
    assert.deepEqual(ids.map((id) => warm.shardOf(id)), first);
  });

  it('spreads ids over every shard (fair ring, 100 virtual nodes each)', () => {
    assert.equal(HASH_RING_SHARD_SCALE, 100);
    const router = new ShardRouter(3, null);
    const counts = [0, 0, 0];
    for (let id = 0; id < 3000; id++) counts[router.shardOf(id)]!++;
    for (const c of counts) assert.ok(c > 600 && c < 1400, `counts ${counts.join(',')}`);
  });

  it('one shard takes everything; custom keys own their shards and route within them', () => {
    assert.equal(new ShardRouter(1, null).shardOf(123), 0);
    const router = new ShardRouter(2, [{ key: 'a', shardIds: [5, 6, 7] }, { key: 7, shardIds: [1, 2] }]);
    assert.deepEqual(router.shards, [{ shardId: 1, shardKey: 7 }, { shardId: 2, shardKey: 7 }, { shardId: 5, shardKey: 'a' }, { shardId: 6, shardKey: 'a' }, { shardId: 7, shardKey: 'a' }]);
    const seen = new Set<number>();
    for (let id = 0; id < 300; id++) {
      const a = router.shardOf(id, 'a');
      assert.ok([5, 6, 7].includes(a));
      seen.add(a);
      assert.ok([1, 2].includes(router.shardOf(id, 7)));
    }
    assert.equal(seen.size, 3, 'a key spreads its points over all its shards');
    assert.ok(router.has(7) && router.has(1) && !router.has(3) && !router.has(0));
  });
});
