/**
 * The `has_vector` filter condition on a real process, over named dense, sparse and multivectors: points written
 * with some vectors, vectors added and deleted later; count, scroll, query, delete-by-filter and facet all select
 * exactly the points that hold the vector, also after a restart and with a built HNSW graph.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { httpJson, startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';

const N = 60;

/** Which vectors point `id` is written with: every point has `text`, every 2nd `image`, every 3rd `sparse`, every 5th `multi`. */
function vectorsOf(id: number): Record<string, unknown> {
  const v: Record<string, unknown> = { text: [id, 1, 0, 0] };
  if (id % 2 === 0) v['image'] = [1, id, 0];
  if (id % 3 === 0) v['sparse'] = { indices: [id % 7, 10 + (id % 5)], values: [1, 0.5] };
  if (id % 5 === 0) v['multi'] = [[1, 0], [0, id]];
  return v;
}

describe('has_vector on a real process', () => {
  it('selects exactly the points holding the vector, across updates, deletes and a restart', { timeout: 120_000 }, async () => {
    const dir = tempDir('quiver-has-vector-');
    const env = { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage') };
    let server: ChildServer = await startChildServer(dir, env);
    const call = (method: string, path: string, body?: unknown): ReturnType<typeof httpJson> => httpJson(server.url, method, path, body);
    /** The model: which ids hold which vector. */
    const holds = new Map<string, Set<number>>(['text', 'image', 'sparse', 'multi'].map((name) => [name, new Set<number>()]));
    try {
      const created = await call('PUT', '/collections/hv', {
        vectors: { text: { size: 4, distance: 'Cosine' }, image: { size: 3, distance: 'Euclid' }, multi: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } },
        sparse_vectors: { sparse: {} },
        // 1 KiB: the graphs are built, so filtered graph searches are exercised too.
        optimizers_config: { indexing_threshold: 1 },
      });
      assert.equal(created.status, 200, created.text);
      assert.equal((await call('PUT', '/collections/hv/index?wait=true', { field_name: 'kind', field_schema: 'keyword' })).status, 200);
      const points = Array.from({ length: N }, (_, i) => ({ id: i + 1, vector: vectorsOf(i + 1), payload: { kind: (i + 1) % 2 === 0 ? 'even' : 'odd' } }));
      assert.equal((await call('PUT', '/collections/hv/points?wait=true', { points })).status, 200);
      for (const p of points) for (const name of Object.keys(p.vector)) holds.get(name)!.add(p.id);
      // Later changes: add an image to 1 and 3, delete the image of 2 and the sparse vector of 6.
      assert.equal((await call('PUT', '/collections/hv/points/vectors?wait=true', { points: [{ id: 1, vector: { image: [1, 1, 1] } }, { id: 3, vector: { image: [3, 3, 3] } }] })).status, 200);
      holds.get('image')!.add(1).add(3);
      const removed = await call('POST', '/collections/hv/points/vectors/delete?wait=true', { points: [2, 6], vector: ['image', 'sparse'] });
      assert.equal(removed.status, 200, removed.text);
      holds.get('image')!.delete(2);
      holds.get('image')!.delete(6);
      holds.get('sparse')!.delete(6);

      const check = async (when: string): Promise<void> => {
        for (const [name, ids] of holds) {
          const want = [...ids].sort((a, b) => a - b);
          const filter = { must: [{ has_vector: name }] };
          const count = await call('POST', '/collections/hv/points/count', { filter, exact: true });
          assert.equal(count.status, 200, count.text);
          assert.equal(count.body.result.count, want.length, `${when}: count has_vector ${name}`);
          const scroll = await call('POST', '/collections/hv/points/scroll', { filter, limit: N, with_payload: false });
          assert.deepEqual(scroll.body.result.points.map((p: { id: number }) => p.id), want, `${when}: scroll has_vector ${name}`);
          const without = await call('POST', '/collections/hv/points/count', { filter: { must_not: [{ has_vector: name }] }, exact: true });
          assert.equal(without.body.result.count, N - want.length, `${when}: must_not has_vector ${name}`);
          // A query on another vector, filtered by this one, returns only points that hold it (graph and exact).
          for (const exact of [false, true]) {
            const q = await call('POST', '/collections/hv/points/query', { query: [1, 1, 0, 0], using: 'text', filter, limit: N, params: { exact } });
            assert.equal(q.status, 200, q.text);
            assert.deepEqual(q.body.result.points.map((p: { id: number }) => p.id).sort((a: number, b: number) => a - b), want, `${when}: query filtered by has_vector ${name} (exact ${exact})`);
          }
        }
        const both = await call('POST', '/collections/hv/points/count', { filter: { must: [{ has_vector: 'image' }, { has_vector: 'multi' }] }, exact: true });
        assert.equal(both.body.result.count, [...holds.get('image')!].filter((id) => holds.get('multi')!.has(id)).length, `${when}: image and multi`);
        const facet = await call('POST', '/collections/hv/facet', { key: 'kind', filter: { must: [{ has_vector: 'sparse' }] }, exact: true });
        assert.equal(facet.status, 200, facet.text);
        const sparse = [...holds.get('sparse')!];
        const expected = [
          { value: 'even', count: sparse.filter((id) => id % 2 === 0).length },
          { value: 'odd', count: sparse.filter((id) => id % 2 === 1).length },
        ].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
        assert.deepEqual(facet.body.result.hits, expected, `${when}: facet filtered by has_vector sparse`);
        const unknown = await call('POST', '/collections/hv/points/count', { filter: { must: [{ has_vector: 'nope' }] }, exact: true });
        assert.ok(unknown.status === 200 ? unknown.body.result.count === 0 : unknown.status === 400, `${when}: has_vector of an unknown vector: ${unknown.text}`);
      };
      await check('after the writes');
      assert.equal(await server.stop(), 0);
      server = await startChildServer(dir, env);
      await check('after a restart');

      // Delete by filter removes exactly the points holding the vector.
      const del = await call('POST', '/collections/hv/points/delete?wait=true', { filter: { must: [{ has_vector: 'multi' }] } });
      assert.equal(del.status, 200, del.text);
      const left = N - holds.get('multi')!.size;
      assert.equal((await call('POST', '/collections/hv/points/count', { exact: true })).body.result.count, left);
      for (const id of holds.get('multi')!) for (const ids of holds.values()) ids.delete(id);
      const remaining = await call('POST', '/collections/hv/points/count', { filter: { must: [{ has_vector: 'text' }] }, exact: true });
      assert.equal(remaining.body.result.count, left);
    } finally {
      await server.stop('SIGKILL');
      removeDir(dir);
    }
  });
});
