/**
 * The search pool's offload decision on the REST query path: while the policy says a hand-off does not pay, plain
 * and selective-filter queries run on the event loop (no search reaches a worker); when it pays, they go to the
 * workers — and either way the answers are the same points with the same scores.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { ClusteredGenerator, row } from '../../fixtures/clustered.js';
import { pollUntil } from '../../support/poll.js';
import { configureSearchPool, type SearchPool } from '../../../src/index/hnsw/search-pool.js';

const DIM = 16;
const N = 1500;

describe('search offload decision (REST query)', () => {
  let app: TestApp;
  const gen = new ClusteredGenerator({ dim: DIM, clusters: 20, seed: 77 });
  const vectors = gen.sample(N, 78);
  const queries = Array.from({ length: 12 }, (_, i) => Array.from(row(gen.sample(12, 79), DIM, i)));

  before(async () => {
    app = await startTestApp({ QDRANT__STORAGE__OPTIMIZERS__INDEXING_THRESHOLD_KB: '1' });
    await app.request('PUT', '/collections/c', { vectors: { size: DIM, distance: 'Dot' }, hnsw_config: { m: 16, ef_construct: 64 } });
    await app.request('PUT', '/collections/c/index?wait=true', { field_name: 'tag', field_schema: 'keyword' });
    const points = Array.from({ length: N }, (_, i) => ({ id: i + 1, vector: Array.from(row(vectors, DIM, i)), payload: { tag: `t${i % 50}` } }));
    const r = await app.request('PUT', '/collections/c/points?wait=true', { points });
    assert.equal(r.status, 200, r.text);
    await pollUntil('the index build to finish', async () => (await app.request('GET', '/collections/c')).body.result.status === 'green', 300_000, 50);
  });
  after(async () => {
    configureSearchPool(0);
    await app.destroy();
  });

  async function answers(): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const [i, q] of queries.entries()) {
      for (const body of [{ query: q, limit: 5, params: { hnsw_ef: 64 } }, { query: q, limit: 5, filter: { must: [{ key: 'tag', match: { value: `t${i}` } }] } }]) {
        const r = await app.request('POST', '/collections/c/points/query', body);
        assert.equal(r.status, 200, r.text);
        out.push(r.body.result.points.map((p: { id: number; score: number }) => [p.id, p.score]));
      }
    }
    return out;
  }

  async function poolSaying(pays: boolean): Promise<SearchPool> {
    const pool = configureSearchPool(2, { offload: () => pays })!;
    await pool.warm();
    return pool;
  }

  it('runs every search on the event loop while a hand-off does not pay, and hands them all off when it does, with equal answers', async () => {
    const inline = await poolSaying(false);
    const here = await answers();
    assert.equal(inline.handedOff, 0);

    const offloading = await poolSaying(true);
    const there = await answers();
    // Nothing writes meanwhile, so no worker read is refused: every query reached a worker.
    assert.equal(offloading.handedOff, 2 * queries.length);
    assert.deepEqual(there, here);
  });
});
