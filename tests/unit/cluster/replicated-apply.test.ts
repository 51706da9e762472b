/**
 * The engine side of distributed mode: a shard's log is applied through the update pipeline with its filter
 * operations restricted to the shard's own points, and the applied position stored in the same transaction;
 * `check()` refuses what the pipeline would refuse without changing anything; `replicateWith` diverts writes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { config, openCollection, upsert } from '../collection/helpers.js';
import { parseFilter } from '../../../src/index/filter/parse.js';
import { shardOf } from '../../../src/cluster/shard-router.js';
import { appliedKey, decodeShardMessage } from '../../../src/cluster/shard-replica.js';
import { encodeOperation } from '../../../src/collection/operation-codec.js';

void describe('replicated apply', () => {
  void it('applies a filter operation of one shard to that shard\'s points only, storing the log position with the data', async () => {
    const o = openCollection(config({ dim: 2 }));
    try {
      const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
      await o.c.update([upsert(ids.map((id) => ({ id, vector: [id, 1], payload: { kind: 'x' } })))], true);
      const key = appliedKey(o.c.uuid, 0);
      await o.c.applyReplicated([{ type: 'delete', selector: { kind: 'filter', filter: parseFilter({ must: [{ key: 'kind', match: { value: 'x' } }] }) } }], {
        owns: (id) => shardOf(id, 2) === 0,
        inCommit: () => o.store.meta.put(key, 7),
      });
      const left = [...o.c.liveOffsets()].map((off) => o.c.idAt(off) as number).sort((a, b) => a - b);
      assert.deepEqual(left, ids.filter((id) => shardOf(id, 2) === 1));
      const reopened = await o.reopen();
      assert.equal(reopened.store.meta.get(key), 7);
      assert.equal(reopened.c.pointsCount, left.length);
      await reopened.close();
    } catch (e) {
      await o.close();
      throw e;
    }
  });

  void it('check() throws what update() would, and changes nothing', async () => {
    const o = openCollection(config({ dim: 2 }));
    try {
      await o.c.update([upsert([{ id: 1, vector: [1, 1] }])], true);
      const before = o.c.lastOperationId;
      assert.throws(() => o.c.check([{ type: 'set_payload', selector: { kind: 'ids', ids: [99] }, payload: { a: 1 } }]), /99/);
      o.c.check([upsert([{ id: 2, vector: [2, 2] }])]);
      assert.equal(o.c.pointsCount, 1);
      assert.equal(o.c.lastOperationId, before);
      // Offsets are not consumed by a check: the next real write takes the next offset.
      await o.c.update([upsert([{ id: 3, vector: [3, 3] }])], true);
      assert.equal(o.c.offsetOf(3), o.c.offsetOf(1)! + 1);
    } finally {
      await o.close();
    }
  });

  void it('replicateWith diverts update() to the replicator', async () => {
    const o = openCollection(config({ dim: 2 }));
    try {
      const seen: string[] = [];
      o.c.replicateWith((ops, wait) => {
        seen.push(`${ops.length}:${wait}`);
        return Promise.resolve({ operationId: 42, status: 'acknowledged' });
      });
      assert.deepEqual(await o.c.update([upsert([{ id: 1, vector: [1, 1] }])], false), { operationId: 42, status: 'acknowledged' });
      assert.deepEqual(seen, ['1:false']);
      assert.equal(o.c.pointsCount, 0);
    } finally {
      await o.close();
    }
  });

  void it('decodes a shard message and refuses one that is not a batch of point operations', () => {
    const ops = [upsert([{ id: 5, vector: [1, 2], payload: { a: 1 } }])];
    const text = (op: Parameters<typeof encodeOperation>[0]): Uint8Array => new TextEncoder().encode(encodeOperation(op));
    assert.deepEqual(decodeShardMessage(text({ type: 'batch', operations: ops })).map((op) => op.type), ['upsert']);
    assert.throws(() => decodeShardMessage(text({ type: 'delete_field_index', field: 'a' })), /only point operations/);
    assert.throws(() => decodeShardMessage(new TextEncoder().encode('{"v":9,"op":{}}')), /unsupported version/);
  });
});
