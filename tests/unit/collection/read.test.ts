import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter } from '../../../src/index/filter/parse.js';
import { count, retrieve, scroll, selectPayload } from '../../../src/collection/read.js';
import { isAppError } from '../../../src/errors.js';
import { config, openCollection, upsert } from './helpers.js';

const ALL = { withPayload: { kind: 'all' }, withVector: { kind: 'none' } } as const;

describe('reads without HTTP: retrieve, scroll, count', () => {
  it('retrieve returns each existing point once, inside the shard-key scope, with the selected parts', async () => {
    const o = openCollection(config({ custom: true }), ['eu', 'us']);
    try {
      await o.c.update([upsert([{ id: 1, vector: [1, 0, 0], payload: { a: 1, b: { c: 2 } } }], 'eu'), upsert([{ id: 2, vector: [0, 1, 0] }], 'us')], true);
      const recs = retrieve(o.c, [2, 1, 1, 99], { withPayload: { kind: 'include', paths: ['b.c'] }, withVector: { kind: 'all' } });
      assert.deepEqual(recs.map((r) => r.id), [2, 1]);
      assert.deepEqual(recs[1]!.payload, { b: { c: 2 } });
      assert.deepEqual(Array.from((recs[1]!.vectors!.get('') as { data: Float32Array }).data), [1, 0, 0]);
      assert.equal(recs[1]!.shardKey, 'eu', 'custom sharding reports the shard key');
      assert.deepEqual(retrieve(o.c, [1, 2], ALL, ['us']).map((r) => r.id), [2]);
      assert.throws(() => retrieve(o.c, [1], { withPayload: { kind: 'none' }, withVector: { kind: 'names', names: ['nope'] } }), (e) => isAppError(e) && e.code === 'VECTOR_NAME_NOT_FOUND');
    } finally {
      await o.close();
    }
  });

  it('scroll pages in id order (integers, then UUIDs) within the filter; count agrees with it', async () => {
    const o = openCollection();
    try {
      const uuid = '00000000-0000-4000-8000-000000000001';
      await o.c.update([upsert([5, 1, 3, 4, 2].map((id) => ({ id, vector: [id, 0, 0], payload: { odd: id % 2 === 1 } }))), upsert([{ id: uuid, vector: [0, 0, 1], payload: { odd: true } }])], true);
      const page1 = scroll(o.c, { filter: undefined, limit: 2, offset: undefined, orderBy: undefined, shardKeys: undefined }, ALL);
      assert.deepEqual(page1.points.map((p) => p.id), [1, 2]);
      assert.equal(page1.nextPageOffset, 3);
      const rest = scroll(o.c, { filter: undefined, limit: 10, offset: 3, orderBy: undefined, shardKeys: undefined }, ALL);
      assert.deepEqual(rest.points.map((p) => p.id), [3, 4, 5, uuid]);
      assert.equal(rest.nextPageOffset, null);
      const odd = parseFilter({ must: [{ key: 'odd', match: { value: true } }] });
      assert.deepEqual(scroll(o.c, { filter: odd, limit: 10, offset: undefined, orderBy: undefined, shardKeys: undefined }, ALL).points.map((p) => p.id), [1, 3, 5, uuid]);
      assert.equal(count(o.c, odd), 4);
      assert.equal(count(o.c, undefined), 6);
    } finally {
      await o.close();
    }
  });

  it('selects payload paths as Qdrant does, treating `__proto__` as data', () => {
    const payload = JSON.parse('{"a": {"b": 1, "c": 2}, "__proto__": {"x": 1}, "d": [1, 2]}') as Record<string, unknown>;
    assert.deepEqual(selectPayload(payload, { kind: 'include', paths: ['a.b', 'd'] }), { a: { b: 1 }, d: [1, 2] });
    const excluded = selectPayload(payload, { kind: 'exclude', paths: ['a.c', '__proto__'] })!;
    assert.deepEqual(Object.keys(excluded), ['a', 'd']);
    const included = selectPayload(payload, { kind: 'include', paths: ['__proto__'] })!;
    assert.ok(Object.hasOwn(included, '__proto__'));
    assert.equal(Object.getPrototypeOf(included), Object.prototype);
    assert.equal(selectPayload(null, { kind: 'all' }) !== null, true);
    assert.equal(selectPayload(payload, { kind: 'none' }), null);
  });
});
