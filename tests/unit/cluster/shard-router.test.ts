import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routeOperations, shardOf } from '../../../src/cluster/shard-router.js';
import { clusterNames } from '../../../src/cluster/names.js';
import type { PointOperation } from '../../../src/collection/operation.js';
import { parseFilter } from '../../../src/index/filter/parse.js';

import { dense } from '../collection/helpers.js';

const vec = (x: number): ReturnType<typeof dense> => dense(x, 1);

void describe('shard routing', () => {
  void it('puts every id on one shard, the same for a UUID in any letter case, and spreads ids over the shards', () => {
    const counts = [0, 0, 0];
    for (let id = 0; id < 3000; id++) {
      const s = shardOf(id, 3);
      assert.ok(s >= 0 && s < 3);
      assert.equal(shardOf(id, 3), s);
      counts[s]! += 1;
    }
    for (const c of counts) assert.ok(c > 800 && c < 1200, `balanced: ${counts.join(', ')}`);
    const uuid = '6F2B7C1E-0A5D-4E8B-9C3F-1D2E3F4A5B6C';
    assert.equal(shardOf(uuid, 7), shardOf(uuid.toLowerCase(), 7));
    assert.equal(shardOf(12345, 1), 0);
  });

  void it('splits points and id selectors by shard, keeps order, and sends filter operations to every shard', () => {
    const ids = [1, 2, 3, 4, 5, 6, 7, 8];
    const ops: PointOperation[] = [
      { type: 'upsert', mode: 'upsert', points: ids.map((id) => ({ id, vectors: vec(id), payload: { id } })) },
      { type: 'set_payload', selector: { kind: 'ids', ids }, payload: { x: 1 } },
      { type: 'delete', selector: { kind: 'filter', filter: parseFilter({ must: [{ key: 'id', match: { value: 3 } }] }) } },
    ];
    const routed = routeOperations(ops, 2);
    assert.deepEqual([...routed.keys()].sort(), [0, 1]);
    const seen: number[] = [];
    for (const [shard, part] of routed) {
      assert.deepEqual(part.map((o) => o.type), ['upsert', 'set_payload', 'delete']);
      const upsert = part[0] as Extract<PointOperation, { type: 'upsert' }>;
      const setPayload = part[1] as Extract<PointOperation, { type: 'set_payload' }>;
      for (const p of upsert.points) assert.equal(shardOf(p.id, 2), shard);
      assert.deepEqual(setPayload.selector, { kind: 'ids', ids: upsert.points.map((p) => p.id) });
      assert.equal((part[2] as Extract<PointOperation, { type: 'delete' }>).selector.kind, 'filter');
      seen.push(...upsert.points.map((p) => p.id as number));
    }
    assert.deepEqual(seen.sort((a, b) => a - b), ids);
  });

  void it('sends nothing to a shard none of whose points a write names', () => {
    const id = [...Array(50).keys()].find((n) => shardOf(n, 4) === 2)!;
    const routed = routeOperations([{ type: 'delete', selector: { kind: 'ids', ids: [id] } }], 4);
    assert.deepEqual([...routed.keys()], [2]);
  });

  void it('namespaces every subject, stream and bucket by deployment', () => {
    const a = clusterNames('prod');
    const b = clusterNames('staging');
    assert.equal(a.subject('u', 1), 'prod.ops.u.1');
    assert.notEqual(a.stream('u', 1), b.stream('u', 1));
    assert.ok(a.metadataBucket.startsWith('prod_') && a.nodesBucket.startsWith('prod_'));
  });
});
