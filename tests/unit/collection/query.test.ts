import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter } from '../../../src/index/filter/parse.js';
import { isAppError } from '../../../src/errors.js';
import { distanceMatrix, query, queryGroups, type QueryEnv } from '../../../src/collection/query/run.js';
import { config, nearestRequest, openCollection, upsert, type Opened } from './helpers.js';

async function seeded(): Promise<Opened> {
  const o = openCollection(config({ distance: 'Dot' }));
  await o.c.update(
    [
      upsert([
        { id: 1, vector: [1, 0, 0], payload: { g: 'a', n: 1 } },
        { id: 2, vector: [0.9, 0.1, 0], payload: { g: 'a', n: 2 } },
        { id: 3, vector: [0, 1, 0], payload: { g: 'b', n: 3 } },
        { id: 4, vector: [0, 0, 1], payload: { g: 'b', n: 4 } },
      ]),
    ],
    true,
  );
  return o;
}

function env(o: Opened): QueryEnv {
  return { c: o.c, resolve: () => o.c };
}

describe('query execution on typed requests (no HTTP)', () => {
  it('nearest: best first, with the selected payload and no vectors', async () => {
    const o = await seeded();
    try {
      const hits = query(env(o), nearestRequest([1, 0, 0], { limit: 2 }));
      assert.deepEqual(hits.map((h) => h.id), [1, 2]);
      assert.equal(hits[0]!.score, 1);
      assert.deepEqual(hits[0]!.payload, { g: 'a', n: 1 });
      assert.equal(hits[0]!.vectors, null);
      assert.equal(hits[0]!.version, 1);
    } finally {
      await o.close();
    }
  });

  it('applies filter, offset, threshold and vector selection', async () => {
    const o = await seeded();
    try {
      const filter = parseFilter({ must: [{ key: 'g', match: { value: 'a' } }] });
      assert.deepEqual(query(env(o), nearestRequest([0, 1, 0], { filter })).map((h) => h.id), [2, 1]);
      assert.deepEqual(query(env(o), nearestRequest([1, 0, 0], { offset: 1, limit: 1 })).map((h) => h.id), [2]);
      assert.deepEqual(query(env(o), nearestRequest([1, 0, 0], { threshold: 0.5 })).map((h) => h.id), [1, 2]);
      const [hit] = query(env(o), nearestRequest([0, 0, 1], { limit: 1, withVector: { kind: 'all' }, withPayload: { kind: 'include', paths: ['n'] } }));
      assert.deepEqual(hit!.payload, { n: 4 });
      assert.deepEqual(Array.from((hit!.vectors!.get('') as { data: Float32Array }).data), [0, 0, 1]);
    } finally {
      await o.close();
    }
  });

  it('rescores prefetched candidates and fuses lists', async () => {
    const o = await seeded();
    try {
      const prefetch = nearestRequest([0, 1, 0], { limit: 2 });
      const rescored = query(env(o), nearestRequest([1, 0, 0], { prefetch: [prefetch], limit: 5 }));
      assert.deepEqual(rescored.map((h) => h.id), [2, 3], 'only the prefetched points are candidates');
      const fused = query(env(o), { ...nearestRequest([1, 0, 0]), prefetch: [nearestRequest([1, 0, 0], { limit: 2 }), nearestRequest([0, 0, 1], { limit: 1 })], query: { kind: 'rrf', k: 2, weights: undefined } });
      assert.deepEqual(fused.map((h) => h.id).sort(), [1, 2, 4]);
    } finally {
      await o.close();
    }
  });

  it('groups by a payload field and computes a deterministic distance matrix', async () => {
    const o = await seeded();
    try {
      const groups = queryGroups(env(o), { query: nearestRequest([1, 0, 0]), groupBy: 'g', groupSize: 1, limit: 2, withLookup: undefined });
      assert.deepEqual(groups.map((g) => [g.id, g.hits.map((h) => h.id)]), [['a', [1]], ['b', [3]]]);
      const req = { sample: 4, limit: 1, filter: undefined, using: '', shardKeys: undefined, seed: 'x' };
      const m = distanceMatrix(env(o), req);
      assert.deepEqual(m.ids, [1, 2, 3, 4]);
      assert.deepEqual(distanceMatrix(env(o), req), m);
      assert.equal(m.ids[m.rows[0]![0]!.col], 2, "point 1's nearest other is 2");
    } finally {
      await o.close();
    }
  });

  it('refuses unknown shard keys and wrong dimensions with Qdrant errors', async () => {
    const o = await seeded();
    try {
      assert.throws(() => query(env(o), nearestRequest([1, 0, 0], { shardKeys: ['nope'] })), (e) => isAppError(e) && e.code === 'SHARD_KEY_NOT_FOUND');
      assert.throws(() => query(env(o), nearestRequest([1, 0])), (e) => isAppError(e) && e.code === 'VECTOR_DIMENSION_MISMATCH');
    } finally {
      await o.close();
    }
  });

  it('indexed_only skips a queue of unindexed vectors as large as the indexing threshold, not a small one', async () => {
    // 1 KiB of 3-dim float32 vectors: the threshold is 85 vectors.
    const o = openCollection(config({ indexingThresholdKb: 1 }));
    try {
      const ring = (n: number, from: number): Array<{ id: number; vector: number[] }> => Array.from({ length: n }, (_, i) => ({ id: from + i, vector: [Math.cos(i), Math.sin(i), 0.1] }));
      await o.c.update([upsert(ring(200, 1))], true);
      await o.c.indexingIdle();
      const params = { hnswEf: undefined, exact: undefined, indexedOnly: true };
      const top = (indexedOnly: boolean): number | string => query(env(o), nearestRequest([0, 0, 1], { limit: 1, params: { ...params, indexedOnly } }))[0]!.id;

      await o.c.update([upsert([{ id: 1000, vector: [0, 0, 100] }])], true);
      assert.equal(top(true), 1000, 'one queued vector is a small segment: searched');

      await o.c.indexingIdle();
      await o.c.update([upsert([...ring(399, 2000), { id: 3000, vector: [0, 0, 1000] }])], true);
      const index = o.c.segment.vectorIndex('')!;
      assert.equal(top(false), 3000, 'a normal search sees queued vectors');
      // The builder runs in background slices; only assert while the queue is still at the threshold.
      if (index.pendingCount >= 85) assert.notEqual(top(true), 3000, 'a threshold-sized queue is skipped');
      await o.c.indexingIdle();
      assert.equal(top(true), 3000, 'once indexed, indexed_only finds it');
    } finally {
      await o.close();
    }
  });
});
