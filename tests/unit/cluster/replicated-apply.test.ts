/**
 * The engine side of distributed mode: a shard's log is applied through the update pipeline with its filter
 * operations restricted to the shard's own points, and the applied position stored in the same transaction;
 * `check()` refuses what the pipeline would refuse without changing anything; `replicateWith` diverts writes, with the
 * tenant filter of a tenant token's view, which the replicas then apply the write under (issue 17: the tenant check
 * is part of the replicated operation, so a write ordered in between cannot let a tenant's write out of its tenant).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { config, openCollection, upsert } from '../collection/helpers.js';
import { parseFilter } from '../../../src/index/filter/parse.js';
import { shardOf } from '../../../src/cluster/shard-router.js';
import { appliedKey } from '../../../src/cluster/shard-replica.js';
import { decodeShardMessage, encodeShardMessage } from '../../../src/cluster/shard-message.js';
import { encodeOperation } from '../../../src/collection/operation-codec.js';

const TENANT_A = parseFilter({ must: [{ key: 'tenant', match: { value: 'a' } }] });
const everywhere = { owns: (): boolean => true, inCommit: (): void => undefined };

/** The stored `tenant` payload of every point, by id. */
function tenants(c: ReturnType<typeof openCollection>['c']): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const off of c.segment.scan({})) out[c.segment.idAt(off) as number] = c.segment.payloadAt(off)?.['tenant'];
  return out;
}

void describe('replicated apply', () => {
  void it('hands the tenant filter of a tenant\'s view to the replicator', async () => {
    const o = openCollection(config({ dim: 2 }));
    try {
      const seen: unknown[] = [];
      o.c.replicateWith((_ops, _wait, tenant) => {
        seen.push(tenant);
        return Promise.resolve({ operationId: 1, status: 'acknowledged' });
      });
      await o.c.confine(TENANT_A).update([upsert([{ id: 1, vector: [1, 1], payload: { tenant: 'a' } }])], false);
      await o.c.update([upsert([{ id: 2, vector: [1, 1], payload: { tenant: 'b' } }])], false);
      assert.deepEqual(seen, [TENANT_A, undefined]);
      // The prompt refusal stays: a write leaving the tenant in the current state is refused before replication.
      await assert.rejects(async () => o.c.confine(TENANT_A).update([upsert([{ id: 3, vector: [1, 1], payload: { tenant: 'b' } }])], false), /tenant filter/);
      assert.equal(seen.length, 2);
    } finally {
      await o.close();
    }
  });

  void it('applies a tenant\'s replicated write confined to the tenant, in the state at its log position', async () => {
    const o = openCollection(config({ dim: 2 }));
    try {
      await o.c.update([upsert([1, 2, 3, 4].map((id) => ({ id, vector: [id, 1], payload: { tenant: id % 2 === 1 ? 'a' : 'b', kind: 'x' } })))], true);
      // Deletes by id and by filter reach the tenant's points only.
      await o.c.applyReplicated([{ type: 'delete', selector: { kind: 'ids', ids: [1, 2] } }], { ...everywhere, tenant: TENANT_A });
      assert.deepEqual(tenants(o.c), { 2: 'b', 3: 'a', 4: 'b' });
      await o.c.applyReplicated([{ type: 'set_payload', selector: { kind: 'filter', filter: parseFilter({ must: [{ key: 'kind', match: { value: 'x' } }] }) }, payload: { seen: true } }], { ...everywhere, tenant: TENANT_A });
      const seen = [...o.c.segment.scan({})].filter((off) => o.c.segment.payloadAt(off)?.['seen'] === true).map((off) => o.c.segment.idAt(off));
      assert.deepEqual(seen, [3]);

      // The race: tenant a's upsert of id 9 passes the check while 9 is free; tenant b's upsert of 9 is ordered
      // before it in the log; applied confined, a's write is refused and b's point stays.
      const write = [upsert([{ id: 9, vector: [9, 9], payload: { tenant: 'a' } }])];
      o.c.confine(TENANT_A).check(write);
      await o.c.applyReplicated([upsert([{ id: 9, vector: [9, 1], payload: { tenant: 'b' } }])], everywhere);
      const before = o.c.lastOperationId;
      await assert.rejects(o.c.applyReplicated(write, { ...everywhere, tenant: TENANT_A }), (e: Error & { kind?: string }) => e.kind === 'forbidden' && /tenant filter/.test(e.message));
      assert.equal(tenants(o.c)[9], 'b');
      assert.equal(o.c.lastOperationId, before, 'a refused write changed nothing');
      // A payload change moving the tenant's own point out is refused the same way.
      await assert.rejects(o.c.applyReplicated([{ type: 'set_payload', selector: { kind: 'ids', ids: [3] }, payload: { tenant: 'b' } }], { ...everywhere, tenant: TENANT_A }), /tenant filter/);
      assert.equal(tenants(o.c)[3], 'a');
      // Unconfined (what the log carried before), the same write takes b's point over: the check above can fail.
      await o.c.applyReplicated(write, everywhere);
      assert.equal(tenants(o.c)[9], 'a');
    } finally {
      await o.close();
    }
  });

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
      const left = [...o.c.segment.scan({})].map((off) => o.c.segment.idAt(off) as number).sort((a, b) => a - b);
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
      assert.equal(o.c.segment.offsetOf(3), o.c.segment.offsetOf(1)! + 1);
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

  void it('captures one shard as upserts and restores it over a stale replica in one transaction, other shards untouched', async () => {
    const source = openCollection(config({ dim: 2 }));
    const target = openCollection(config({ dim: 2 }));
    const owns = (id: number | string): boolean => shardOf(id, 2) === 0;
    try {
      const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
      await source.c.update([upsert(ids.map((id) => ({ id, vector: [id, 1], payload: { n: id } })))], true);
      // The stale replica: shard 0 holds other points and other payloads; shard 1 holds its own state.
      await target.c.update([upsert([...ids, 11, 12, 13].map((id) => ({ id, vector: [0, id], payload: { stale: true } })))], true);
      const captured = await source.c.replicaPoints(owns);
      const restored = [...decodeShardMessage(encodeShardMessage(captured)).operations];
      const key = appliedKey(target.c.uuid, 0);
      await target.c.replaceReplica(restored, { owns, inCommit: () => target.store.meta.put(key, 40) });
      const reopened = await target.reopen();
      try {
        assert.equal(reopened.store.meta.get(key), 40);
        const seg = reopened.c.segment;
        const held = [...seg.scan({})].map((off) => ({ id: seg.idAt(off) as number, payload: seg.payloadAt(off) })).sort((a, b) => a.id - b.id);
        const want = [...ids, 11, 12, 13]
          .map((id) => (owns(id) ? (ids.includes(id) ? { id, payload: { n: id } } : undefined) : { id, payload: { stale: true } }))
          .filter((p) => p !== undefined);
        assert.deepEqual(held, want);
        for (const id of ids.filter(owns)) assert.deepEqual(seg.view(seg.offsetOf(id)!)!.vectors.get(''), { kind: 'dense', data: new Float32Array([id, 1]) });
      } finally {
        await reopened.close();
      }
    } finally {
      await source.close();
    }
  });

  void it('decodes a shard message and refuses one that is not a batch of point operations', () => {
    const ops = [upsert([{ id: 5, vector: [1, 2], payload: { a: 1 } }])];
    const text = (op: Parameters<typeof encodeOperation>[0]): Uint8Array => new TextEncoder().encode(encodeOperation(op));
    assert.deepEqual(decodeShardMessage(text({ type: 'batch', operations: ops })).operations.map((op) => op.type), ['upsert']);
    assert.equal(decodeShardMessage(text({ type: 'batch', operations: ops })).tenant, undefined);
    // A tenant's batch carries its filter, under a type a node that cannot apply it confined refuses to decode.
    const confined = text({ type: 'batch', operations: ops, tenant: TENANT_A });
    assert.match(new TextDecoder().decode(confined), /"type":"confined_batch"/);
    assert.deepEqual(decodeShardMessage(confined).tenant, TENANT_A);
    assert.throws(() => decodeShardMessage(text({ type: 'delete_field_index', field: 'a' })), /only point operations/);
    assert.throws(() => decodeShardMessage(new TextEncoder().encode('{"v":9,"op":{}}')), /unsupported version/);
  });
});
