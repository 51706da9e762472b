/**
 * Strict mode (`strict_mode_config`) is enforced as Qdrant enforces it: limits refuse a request with
 * 403 `Forbidden: <what>. Help: <how>`; read/write rate limits are token buckets per collection
 * (capacity = the per-minute rate, refilled continuously) answering 429 with `Retry-After`. The rate
 * limiters run on an injected clock: the test steps time instead of sleeping.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';

describe('conformance: strict mode', () => {
  let app: TestApp;
  let nowMs = 1_000_000;
  const strict = async (config: Record<string, unknown>): Promise<void> => {
    const r = await app.request('PATCH', '/collections/s', { strict_mode_config: config });
    assert.equal(r.status, 200, r.text);
  };
  const search = (body: Record<string, unknown> = {}, qs = '') => app.request('POST', `/collections/s/points/search${qs}`, { vector: [0.2, 0.1, 0.9, 0.7], limit: 4, ...body });
  const refused = (r: { status: number; body: any; text: string }, message: string): void => {
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.status.error, message);
  };

  before(async () => {
    app = await startTestApp({}, { now: () => nowMs });
    assert.equal((await app.request('PUT', '/collections/s', {
      vectors: { d: { size: 4, distance: 'Dot' }, m: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } },
      sparse_vectors: { sp: {} },
    })).status, 200);
    const points = [1, 2, 3, 4, 5].map((id) => ({ id, vector: { d: [0.05 * id, 0.61, 0.76, 0.74] }, payload: { city: id % 2 === 0 ? 'Berlin' : 'London', price: id } }));
    assert.equal((await app.request('PUT', '/collections/s/points?wait=true', { points })).status, 200);
  });
  after(async () => {
    await app.destroy();
  });

  it('is echoed and nothing is enforced while `enabled` is false', async () => {
    await strict({ enabled: false, max_query_limit: 1 });
    assert.equal((await app.request('POST', '/collections/s/points/query', { query: [0.2, 0.1, 0.9, 0.7], using: 'd', limit: 4 })).status, 200);
    const info = await app.request('GET', '/collections/s');
    assert.equal(info.body.result.config.strict_mode_config.max_query_limit, 1);
  });

  it('max_query_limit refuses larger limits (query, legacy search, scroll)', async () => {
    await strict({ enabled: true, max_query_limit: 4 });
    assert.equal((await search({ vector: { name: 'd', vector: [0.2, 0.1, 0.9, 0.7] } })).status, 200);
    await strict({ max_query_limit: 3 });
    const message = 'Forbidden: Limit exceeded 4 > 3 for "limit". Help: Reduce the "limit" parameter to or below 3.';
    refused(await search({ vector: { name: 'd', vector: [0.2, 0.1, 0.9, 0.7] } }), message);
    refused(await app.request('POST', '/collections/s/points/query', { query: [0.2, 0.1, 0.9, 0.7], using: 'd', limit: 4 }), message);
    refused(await app.request('POST', '/collections/s/points/scroll', { limit: 4 }), message);
    await strict({ max_query_limit: 100 });
  });

  it('max_timeout refuses a larger `timeout` parameter', async () => {
    await strict({ enabled: true, max_timeout: 2 });
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] } }, '?timeout=2')).status, 200);
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] } }, '?timeout=3'), 'Forbidden: Limit exceeded 3 > 2 for "timeout". Help: Reduce the "timeout" parameter to or below 2.');
  });

  it('unindexed_filtering_retrieve / _update refuse filters on fields without an index until one exists', async () => {
    await strict({ enabled: true, unindexed_filtering_retrieve: false, unindexed_filtering_update: false });
    const filter = { must: [{ key: 'city', match: { value: 'Berlin' } }] };
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter }), 'Forbidden: Index required but not found for "city". Help: Create an index for this key or use a different filter.');
    const del = await app.request('POST', '/collections/s/points/payload/delete?wait=true', { keys: ['nothing'], filter });
    assert.equal(del.status, 403, del.text);
    assert.match(del.body.status.error, /"city"/);
    assert.equal((await app.request('PUT', '/collections/s/index?wait=true', { field_name: 'city', field_schema: 'keyword' })).status, 200);
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter })).status, 200);
    assert.equal((await app.request('POST', '/collections/s/points/payload/delete?wait=true', { keys: ['nothing'], filter })).status, 200);
    await strict({ unindexed_filtering_retrieve: true, unindexed_filtering_update: true });
  });

  it('search_max_hnsw_ef and search_allow_exact', async () => {
    await strict({ enabled: true, search_max_hnsw_ef: 5, search_allow_exact: false });
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, params: { hnsw_ef: 5 } })).status, 200);
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, params: { hnsw_ef: 6 } }), 'Forbidden: Limit exceeded 6 > 5 for "hnsw_ef". Help: Reduce the "hnsw_ef" parameter to or below 5.');
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, params: { exact: true } }), 'Forbidden: Exact search disabled!. Help: Set exact=false.');
    await strict({ search_max_hnsw_ef: 1000, search_allow_exact: true });
  });

  it('filter_max_conditions and condition_max_size', async () => {
    await strict({ enabled: true, filter_max_conditions: 2, condition_max_size: 3 });
    const cond = (i: number) => ({ key: 'price', match: { value: i } });
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter: { should: [cond(1), cond(2)] } })).status, 200);
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter: { should: [cond(1), { must: [cond(2), cond(3)] }] } }), 'Forbidden: Filter condition limit reached (3 > 2). Help: Reduce the amount of conditions of your filter.');
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter: { must: [{ key: 'price', match: { any: [1, 2, 3, 4] } }] } }), 'Forbidden: Condition size limit reached (4 > 3). Help: Reduce the size of your condition.');
    await strict({ filter_max_conditions: 1000, condition_max_size: 1000 });
  });

  it('upsert_max_batchsize and search_max_batchsize', async () => {
    await strict({ enabled: true, upsert_max_batchsize: 2, search_max_batchsize: 1 });
    const up = await app.request('PUT', '/collections/s/points?wait=true', { points: [6, 7, 8].map((id) => ({ id, vector: { d: [1, 1, 1, 1] } })) });
    assert.equal(up.status, 403, up.text);
    assert.match(up.body.status.error, /^Forbidden: Limit exceeded 3 > 2 for "upsert limit"/);
    const uv = await app.request('PUT', '/collections/s/points/vectors?wait=true', { points: [1, 2, 3].map((id) => ({ id, vector: { d: [1, 1, 1, 1] } })) });
    assert.match(uv.body.status.error, /update limit/);
    const b = await app.request('POST', '/collections/s/points/search/batch', { searches: [{ vector: { name: 'd', vector: [1, 0, 0, 0] }, limit: 1 }, { vector: { name: 'd', vector: [1, 0, 0, 0] }, limit: 1 }] });
    assert.equal(b.status, 403, b.text);
    assert.match(b.body.status.error, /Limit exceeded 2 > 1 for "search batch size"/);
    assert.equal((await app.request('GET', '/collections/s/points/6')).status, 404, 'nothing of the refused upsert was written');
    await strict({ upsert_max_batchsize: 1000, search_max_batchsize: 1000 });
  });

  it('multivector and sparse size limits', async () => {
    await strict({ enabled: true, multivector_config: { m: { max_vectors: 2 } }, sparse_config: { sp: { max_length: 2 } } });
    assert.equal((await app.request('PUT', '/collections/s/points?wait=true', { points: [{ id: 1, vector: { m: [[1, 2], [3, 4]], sp: { indices: [1, 2], values: [1, 1] } } }] })).status, 200);
    const mv = await app.request('PUT', '/collections/s/points?wait=true', { points: [{ id: 1, vector: { m: [[1, 2], [3, 4], [5, 6]] } }] });
    assert.equal(mv.status, 403);
    assert.match(mv.body.status.error, /Multivector 'm' has a limit of 2 vectors, but 3 were provided!/);
    const sp = await app.request('PUT', '/collections/s/points?wait=true', { points: [{ id: 1, vector: { sp: { indices: [1, 2, 3], values: [1, 1, 1] } } }] });
    assert.match(sp.body.status.error, /Sparse vector 'sp' has a limit of 2 indices, but 3 were provided!/);
  });

  it('max_points_count refuses inserts once the collection is full', async () => {
    await strict({ enabled: true, max_points_count: 5 });
    const r = await app.request('PUT', '/collections/s/points?wait=true', { points: [{ id: 9, vector: { d: [1, 1, 1, 1] } }] });
    assert.equal(r.status, 403, r.text);
    assert.match(r.body.status.error, /Max points count limit of 5 reached!/);
    assert.equal((await app.request('POST', '/collections/s/points/delete?wait=true', { points: [5] })).status, 200, 'deletes still run');
    await strict({ max_points_count: 1000 });
  });

  it('read_rate_limit: a token bucket of `rate` per minute, 429 with Retry-After, refilled with time', async () => {
    await strict({ enabled: true, read_rate_limit: 2 });
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] } })).status, 200);
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] } })).status, 200);
    const r = await search({ vector: { name: 'd', vector: [1, 0, 0, 0] } });
    assert.equal(r.status, 429, r.text);
    assert.equal(r.body.status.error, 'Rate limiting exceeded: Read rate limit exceeded: Operation requires 1 tokens but only 0.0 were available. Retry after 30s');
    assert.equal(r.headers['retry-after'], '30');
    nowMs += 15_000; // half a token back
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] } })).status, 429);
    nowMs += 15_000;
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] } })).status, 200);
    await strict({ read_rate_limit: 100000 });
  });

  it('write_rate_limit costs one token per point; a request above the capacity can never pass', async () => {
    await strict({ enabled: true, write_rate_limit: 10 });
    const upsert = (ids: number[]) => app.request('PUT', '/collections/s/points?wait=true', { points: ids.map((id) => ({ id, vector: { d: [1, 1, 1, 1] } })) });
    const over = await upsert([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(over.status, 429);
    assert.equal(over.body.status.error, 'Rate limiting exceeded: Write rate limit exceeded, request larger than rate limiter capacity, please try to split your request');
    assert.equal(over.headers['retry-after'], undefined);
    assert.equal((await upsert([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).status, 200);
    const again = await upsert([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(again.status, 429);
    assert.equal(again.body.status.error, 'Rate limiting exceeded: Write rate limit exceeded: Operation requires 10 tokens but only 0.0 were available. Retry after 60s');
    nowMs += 60_000;
    assert.equal((await upsert([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).status, 200);
    await strict({ enabled: false });
  });
});
