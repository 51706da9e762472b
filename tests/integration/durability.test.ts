import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, tempDir, removeDir } from '../support/app.js';

describe('restart', () => {
  it('restores collections, aliases, points, payload indexes and configs after a restart', async () => {
    const dir = tempDir();
    try {
      let app = await startTestApp({}, {}, dir);
      await app.request('PUT', '/collections/r', { vectors: { v: { size: 2, distance: 'Euclid' } }, sparse_vectors: { s: {} }, hnsw_config: { m: 24 } });
      await app.request('POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'r', alias_name: 'ra' } }] });
      await app.request('PUT', '/collections/r/index?wait=true', { field_name: 'tag', field_schema: 'keyword' });
      await app.request('PUT', '/collections/r/points?wait=true', {
        points: [
          { id: 1, vector: { v: [1, 1], s: { indices: [3], values: [0.5] } }, payload: { tag: 'a' } },
          { id: 'a2f4d6c8-0000-4000-8000-000000000001', vector: { v: [2, 2] }, payload: { tag: 'b' } },
        ],
      });
      await app.request('POST', '/collections/r/points/delete?wait=true', { points: [1] });
      await app.request('PUT', '/collections/r/points?wait=true', { points: [{ id: 3, vector: { v: [3, 3] }, payload: { tag: 'a' } }] });
      const before = (await app.request('POST', '/collections/ra/points/scroll', { with_vector: true })).body.result;
      await app.close();

      app = await startTestApp({}, {}, dir);
      const info = (await app.request('GET', '/collections/ra')).body.result;
      assert.equal(info.config.hnsw_config.m, 24);
      assert.equal(info.points_count, 2);
      assert.equal(info.payload_schema.tag.points, 2);
      assert.deepEqual((await app.request('POST', '/collections/ra/points/scroll', { with_vector: true })).body.result, before);
      const f = await app.request('POST', '/collections/r/points/count', { filter: { must: [{ key: 'tag', match: { value: 'a' } }] } });
      assert.equal(f.body.result.count, 1);
      // Offsets are not reused after restart: a new point gets a fresh slot and old ones stay intact.
      await app.request('PUT', '/collections/r/points?wait=true', { points: [{ id: 4, vector: { v: [4, 4] } }] });
      const q = await app.request('POST', '/collections/r/points/query', { query: [3.9, 3.9], using: 'v', limit: 4 });
      assert.deepEqual(q.body.result.points.map((p: { id: unknown }) => p.id), [4, 3, 'a2f4d6c8-0000-4000-8000-000000000001']);
      await app.close();
    } finally {
      removeDir(dir);
    }
  });
});
