/**
 * The codec of fanned-out reads (`STRUCTURED_CODEC`): the engine's typed read and result cross between nodes as they
 * are — filters with sets and key paths, vectors as typed arrays (a view's own bytes only), bigints, maps — and a
 * payload key `__proto__` stays an own key, never a prototype.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { STRUCTURED_CODEC } from '../../../src/cluster/peer-requests.js';
import { parseFilter } from '../../../src/index/filter/parse.js';
import type { PeerRead } from '../../../src/service/cluster-view.js';
import type { PointRecord } from '../../../src/collection/types.js';

void describe('peer read codec', () => {
  void it('carries a typed read and its result unchanged', () => {
    const filter = parseFilter({ must: [{ key: 'a.b[]', match: { any: ['x', 'y'] } }, { has_id: [1, 2] }, { key: 'n', range: { gte: 12345678901234567890n } }] });
    const read: PeerRead = {
      collection: 'docs',
      read: { kind: 'count', filter, shardKeys: undefined, exact: true },
      admit: { timeout: 3 },
      strong: true,
      tenant: filter,
      borrowed: new Map([[7, new Map([['', { kind: 'dense', data: new Float32Array([0.5, 1.5]) }]])]]),
    };
    assert.deepEqual(STRUCTURED_CODEC.decode(STRUCTURED_CODEC.encode(read)), read);
  });

  void it('sends a vector view\'s own bytes, and keeps a `__proto__` payload key an own key', () => {
    const slab = new Float32Array(100_000);
    slab.set([1, 2, 3], 300);
    const record: PointRecord = { id: 1, payload: JSON.parse('{"__proto__": {"polluted": true}, "n": 1}') as Record<string, unknown>, vectors: new Map([['', { kind: 'dense', data: slab.subarray(300, 303) }]]) };
    const bytes = STRUCTURED_CODEC.encode({ ok: [record] });
    assert.ok(bytes.length < 1_000, `${bytes.length} bytes for one 3-d vector`);
    const [back] = (STRUCTURED_CODEC.decode(bytes) as { ok: PointRecord[] }).ok;
    assert.deepEqual([...(back!.vectors!.get('')! as { data: Float32Array }).data], [1, 2, 3]);
    assert.deepEqual(Object.keys(back!.payload!), ['__proto__', 'n']);
    assert.equal(Object.getPrototypeOf(back!.payload), Object.prototype);
    assert.equal((back!.payload as { polluted?: boolean }).polluted, undefined);
  });
});
