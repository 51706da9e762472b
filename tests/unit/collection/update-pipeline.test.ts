import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../../../src/errors.js';
import { parseFilter } from '../../../src/index/filter/parse.js';
import { count, retrieve } from '../../../src/collection/read.js';
import { decodeOperation, encodeOperation } from '../../../src/collection/operation-codec.js';
import type { PointOperation } from '../../../src/collection/operation.js';
import { config, openCollection, upsert } from './helpers.js';

const ALL = { withPayload: { kind: 'all' }, withVector: { kind: 'all' } } as const;

describe('update pipeline (stage → persist → apply)', () => {
  it('applies a batch in order: later operations see earlier ones of the same batch', async () => {
    const o = openCollection();
    try {
      const result = await o.c.update(
        [
          upsert([{ id: 1, vector: [1, 0, 0], payload: { tag: 'a' } }, { id: 2, vector: [0, 1, 0], payload: { tag: 'b' } }]),
          { type: 'set_payload', selector: { kind: 'filter', filter: parseFilter({ must: [{ key: 'tag', match: { value: 'a' } }] }) }, payload: { seen: true } },
          { type: 'delete', selector: { kind: 'ids', ids: [2] } },
        ],
        true,
      );
      assert.deepEqual(result, { operationId: 1, status: 'completed' });
      const [p1] = retrieve(o.c, [1], ALL);
      assert.deepEqual(p1?.payload, { tag: 'a', seen: true });
      assert.equal(retrieve(o.c, [2], ALL).length, 0);
      assert.equal(o.c.pointsCount, 1);
    } finally {
      await o.close();
    }
  });

  it('a batch with one bad operation changes nothing, in memory or on disk', async () => {
    let o = openCollection();
    try {
      await o.c.update([upsert([{ id: 1, vector: [1, 0, 0], payload: { n: 1 } }])], true);
      await assert.rejects(
        o.c.update([{ type: 'overwrite_payload', selector: { kind: 'ids', ids: [1] }, payload: { n: 2 } }, { type: 'set_payload', selector: { kind: 'ids', ids: [99] }, payload: {} }], true),
        (e) => isAppError(e) && e.code === 'POINT_NOT_FOUND',
      );
      assert.equal(o.c.lastOperationId, 1);
      assert.deepEqual(retrieve(o.c, [1], ALL)[0]?.payload, { n: 1 });
      o = await o.reopen();
      assert.equal(o.c.lastOperationId, 1);
      assert.deepEqual(retrieve(o.c, [1], ALL)[0]?.payload, { n: 1 });
    } finally {
      await o.close();
    }
  });

  it('what an update acknowledged is on disk: a reopened collection has the same points and versions', async () => {
    let o = openCollection();
    try {
      await o.c.update([upsert([{ id: 1, vector: [1, 2, 3] }, { id: 'c0ffee00-0000-4000-8000-0000000000aa', vector: [3, 2, 1], payload: { k: 'v' } }])], false);
      await o.c.update([{ type: 'delete_vectors', selector: { kind: 'ids', ids: [1] }, names: [''] }], true);
      o = await o.reopen();
      const [a, b] = retrieve(o.c, [1, 'c0ffee00-0000-4000-8000-0000000000aa'], ALL);
      assert.deepEqual(a?.vectors, new Map());
      assert.deepEqual(b?.vectors?.get('')?.kind, 'dense');
      assert.deepEqual(Array.from((b?.vectors?.get('') as { data: Float32Array }).data), [3, 2, 1]);
      assert.equal(o.c.segment.view(o.c.segment.offsetOf(1)!)?.version, 2);
      assert.equal(o.c.lastOperationId, 2);
    } finally {
      await o.close();
    }
  });

  it('checks shard keys while staging: unknown keys and missing keys on custom sharding are refused', async () => {
    const o = openCollection(config({ custom: true }), ['eu']);
    try {
      await assert.rejects(o.c.update([upsert([{ id: 1, vector: [1, 0, 0] }], 'us')], true), (e) => isAppError(e) && e.code === 'SHARD_KEY_NOT_FOUND');
      await assert.rejects(o.c.update([upsert([{ id: 1, vector: [1, 0, 0] }])], true), (e) => isAppError(e) && e.kind === 'bad_input');
      await o.c.update([upsert([{ id: 1, vector: [1, 0, 0] }], 'eu')], true);
      assert.equal(count(o.c, undefined, ['eu']), 1);
    } finally {
      await o.close();
    }
  });

  it('a decoded operation applies exactly like the original', async () => {
    const ops: PointOperation[] = [
      upsert([{ id: 1, vector: [1, 0, 0], payload: { a: { b: 1 } } }, { id: 2, vector: [0, 1, 0], payload: { a: { b: 2 } } }]),
      { type: 'set_payload', selector: { kind: 'filter', filter: parseFilter({ must: [{ key: 'a.b', range: { gte: 2 } }] }) }, payload: { big: true }, key: 'a' },
      { type: 'delete_payload', selector: { kind: 'ids', ids: [1] }, keys: ['a.b'] },
    ];
    const direct = openCollection();
    const replayed = openCollection();
    try {
      await direct.c.update(ops, true);
      await replayed.c.update(ops.map((op) => decodeOperation(encodeOperation(op)) as PointOperation), true);
      assert.deepEqual(retrieve(replayed.c, [1, 2], ALL), retrieve(direct.c, [1, 2], ALL));
      assert.deepEqual(retrieve(direct.c, [2], ALL)[0]?.payload, { a: { b: 2, big: true } });
    } finally {
      await direct.close();
      await replayed.close();
    }
  });
});
