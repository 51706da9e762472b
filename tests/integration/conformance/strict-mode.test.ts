/**
 * Strict mode (`strict_mode_config`) is enforced as Qdrant 1.19 enforces it: limits refuse a request
 * with 400 `Bad request: <what>. Help: <how>` (size limits: 400 `Bad request: <what>` alone); read/write rate limits are token buckets per collection
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
    assert.equal(r.status, 400, r.text);
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
    const message = 'Bad request: Limit exceeded 4 > 3 for "limit". Help: Reduce the "limit" parameter to or below 3.';
    refused(await search({ vector: { name: 'd', vector: [0.2, 0.1, 0.9, 0.7] } }), message);
    refused(await app.request('POST', '/collections/s/points/query', { query: [0.2, 0.1, 0.9, 0.7], using: 'd', limit: 4 }), message);
    refused(await app.request('POST', '/collections/s/points/scroll', { limit: 4 }), message);
    await strict({ max_query_limit: 100 });
  });

  it('max_timeout refuses a larger `timeout` parameter', async () => {
    await strict({ enabled: true, max_timeout: 2 });
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] } }, '?timeout=2')).status, 200);
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] } }, '?timeout=3'), 'Bad request: Limit exceeded 3 > 2 for "timeout". Help: Reduce the "timeout" parameter to or below 2.');
  });

  it('unindexed_filtering_retrieve / _update refuse filters on fields without an index until one exists', async () => {
    await strict({ enabled: true, unindexed_filtering_retrieve: false, unindexed_filtering_update: false });
    const filter = { must: [{ key: 'city', match: { value: 'Berlin' } }] };
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter }), 'Bad request: Index required but not found for "city" of one of the following types: [keyword]. Help: Create an index for this key or use a different filter.');
    const del = await app.request('POST', '/collections/s/points/payload/delete?wait=true', { keys: ['nothing'], filter });
    assert.equal(del.status, 400, del.text);
    assert.match(del.body.status.error, /"city"/);
    assert.equal((await app.request('PUT', '/collections/s/index?wait=true', { field_name: 'city', field_schema: 'keyword' })).status, 200);
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter })).status, 200);
    assert.equal((await app.request('POST', '/collections/s/points/payload/delete?wait=true', { keys: ['nothing'], filter })).status, 200);
    await strict({ unindexed_filtering_retrieve: true, unindexed_filtering_update: true });
  });

  it('search_max_hnsw_ef and search_allow_exact', async () => {
    await strict({ enabled: true, search_max_hnsw_ef: 5, search_allow_exact: false });
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, params: { hnsw_ef: 5 } })).status, 200);
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, params: { hnsw_ef: 6 } }), 'Bad request: Limit exceeded 6 > 5 for "hnsw_ef". Help: Reduce the "hnsw_ef" parameter to or below 5.');
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, params: { exact: true } }), 'Bad request: Exact search disabled!. Help: Set exact=false.');
    await strict({ search_max_hnsw_ef: 1000, search_allow_exact: true });
  });

  it('filter_max_conditions and condition_max_size', async () => {
    await strict({ enabled: true, filter_max_conditions: 2, condition_max_size: 3 });
    const cond = (i: number) => ({ key: 'price', match: { value: i } });
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter: { should: [cond(1), cond(2)] } })).status, 200);
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter: { should: [cond(1), { must: [cond(2), cond(3)] }] } }), 'Bad request: Filter condition limit reached (3 > 2). Help: Reduce the amount of conditions of your filter.');
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter: { must: [{ key: 'price', match: { any: [1, 2, 3, 4] } }] } }), 'Bad request: Condition size limit reached (4 > 3). Help: Reduce the size of your condition.');
    await strict({ filter_max_conditions: 1000, condition_max_size: 1000 });
  });

  it('upsert_max_batchsize and search_max_batchsize', async () => {
    await strict({ enabled: true, upsert_max_batchsize: 2, search_max_batchsize: 1 });
    const up = await app.request('PUT', '/collections/s/points?wait=true', { points: [6, 7, 8].map((id) => ({ id, vector: { d: [1, 1, 1, 1] } })) });
    assert.equal(up.status, 400, up.text);
    assert.match(up.body.status.error, /^Bad request: Limit exceeded 3 > 2 for "upsert limit"/);
    const uv = await app.request('PUT', '/collections/s/points/vectors?wait=true', { points: [1, 2, 3].map((id) => ({ id, vector: { d: [1, 1, 1, 1] } })) });
    assert.match(uv.body.status.error, /update limit/);
    const b = await app.request('POST', '/collections/s/points/search/batch', { searches: [{ vector: { name: 'd', vector: [1, 0, 0, 0] }, limit: 1 }, { vector: { name: 'd', vector: [1, 0, 0, 0] }, limit: 1 }] });
    assert.equal(b.status, 400, b.text);
    assert.match(b.body.status.error, /Limit exceeded 2 > 1 for "search batch size"/);
    assert.equal((await app.request('GET', '/collections/s/points/6')).status, 404, 'nothing of the refused upsert was written');
    await strict({ upsert_max_batchsize: 1000, search_max_batchsize: 1000 });
  });

  it('multivector and sparse size limits', async () => {
    await strict({ enabled: true, multivector_config: { m: { max_vectors: 2 } }, sparse_config: { sp: { max_length: 2 } } });
    assert.equal((await app.request('PUT', '/collections/s/points?wait=true', { points: [{ id: 1, vector: { m: [[1, 2], [3, 4]], sp: { indices: [1, 2], values: [1, 1] } } }] })).status, 200);
    const mv = await app.request('PUT', '/collections/s/points?wait=true', { points: [{ id: 1, vector: { m: [[1, 2], [3, 4], [5, 6]] } }] });
    assert.equal(mv.status, 400);
    assert.equal(mv.body.status.error, "Bad request: Multivector 'm' has a limit of 2 vectors, but 3 were provided!");
    const sp = await app.request('PUT', '/collections/s/points?wait=true', { points: [{ id: 1, vector: { sp: { indices: [1, 2, 3], values: [1, 1, 1] } } }] });
    assert.equal(sp.status, 400);
    assert.equal(sp.body.status.error, "Bad request: Sparse vector 'sp' has a limit of 2 indices, but 3 were provided!");
    const uv = await app.request('PUT', '/collections/s/points/vectors?wait=true', { points: [{ id: 1, vector: { sp: { indices: [1, 2, 3], values: [1, 1, 1] } } }] });
    assert.equal(uv.body.status.error, "Bad request: Sparse vector 'sp' has a limit of 2 indices, but 3 were provided!");
    await strict({ multivector_config: { m: { max_vectors: 1000 } }, sparse_config: { sp: { max_length: 1000 } } });
  });

  it('max_points_count refuses upserts and vector updates once the collection is full', async () => {
    await strict({ enabled: true, max_points_count: 5 });
    const r = await app.request('PUT', '/collections/s/points?wait=true', { points: [{ id: 9, vector: { d: [1, 1, 1, 1] } }] });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.status.error, 'Bad request: Max points count limit of 5 reached!');
    const uv = await app.request('PUT', '/collections/s/points/vectors?wait=true', { points: [{ id: 1, vector: { d: [1, 1, 1, 1] } }] });
    assert.equal(uv.body.status.error, 'Bad request: Max points count limit of 5 reached!');
    assert.equal((await app.request('POST', '/collections/s/points/payload?wait=true', { payload: { x: 1 }, points: [1] })).status, 200, 'payload writes are not counted');
    assert.equal((await app.request('POST', '/collections/s/points/delete?wait=true', { points: [5] })).status, 200, 'deletes still run');
    await strict({ max_points_count: 1000 });
  });

  it('search_max_oversampling refuses larger quantization oversampling, in prefetches too', async () => {
    await strict({ enabled: true, search_max_oversampling: 2 });
    const params = (oversampling: number) => ({ quantization: { oversampling, rescore: true } });
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, params: params(2) })).status, 200);
    const message = 'Bad request: Limit exceeded 2.5 > 2 for "oversampling". Help: Reduce the "oversampling" parameter to or below 2.';
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, params: params(2.5) }), message);
    refused(await app.request('POST', '/collections/s/points/query', { prefetch: { query: [1, 0, 0, 0], using: 'd', params: params(2.5) }, query: { fusion: 'rrf' } }), message);
    await strict({ search_max_oversampling: 1000 });
  });

  it('groups count limit × group_size against max_query_limit; group_by needs an index that supports match', async () => {
    await strict({ enabled: true, max_query_limit: 6 });
    const groups = (body: Record<string, unknown>) => app.request('POST', '/collections/s/points/query/groups', { query: [1, 0, 0, 0], using: 'd', group_by: 'city', ...body });
    assert.equal((await groups({ limit: 2, group_size: 3 })).status, 200);
    refused(await groups({ limit: 2, group_size: 4 }), 'Bad request: Limit exceeded 8 > 6 for "limit". Help: Reduce the "limit" parameter to or below 6.');
    const legacy = await app.request('POST', '/collections/s/points/search/groups', { vector: { name: 'd', vector: [1, 0, 0, 0] }, group_by: 'city', limit: 3, group_size: 3 });
    refused(legacy, 'Bad request: Limit exceeded 9 > 6 for "limit". Help: Reduce the "limit" parameter to or below 6.');
    await strict({ max_query_limit: 1000, unindexed_filtering_retrieve: false });
    refused(await groups({ group_by: 'price', limit: 1, group_size: 1 }), 'Bad request: Index required but not found for "price". Help: Create an index supporting `match` for this key.');
    assert.equal((await app.request('PUT', '/collections/s/index?wait=true', { field_name: 'price', field_schema: 'float' })).status, 200);
    refused(await groups({ group_by: 'price', limit: 1, group_size: 1 }), 'Bad request: Index of type "Float" found for "price". Help: Create an index supporting `match` for this key.');
    assert.equal((await groups({ group_by: 'city', limit: 1, group_size: 1 })).status, 200, 'keyword index on city');
    await strict({ unindexed_filtering_retrieve: true });
  });

  it('an index of the wrong kind does not count as an index; the message names the kinds that would', async () => {
    await strict({ enabled: true, unindexed_filtering_retrieve: false });
    // `city` has a keyword index: a range over it needs a float or integer index.
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter: { must: [{ key: 'city', range: { gte: 1 } }] } }),
      'Bad request: Index required but not found for "city" of one of the following types: [float, integer]. Help: Create an index for this key or use a different filter.');
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter: { must: [{ is_empty: { key: 'tags' } }] } }),
      'Bad request: Index required but not found for "tags" of one of the following types: [bool, datetime, float, geo, integer, keyword, text, text (with phrase_matching: true), uuid]. Help: Create an index for this key or use a different filter.');
    refused(await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter: { must: [{ nested: { key: 'items', filter: { must: [{ key: 'sku', match: { value: 7 } }] } } }] } }),
      'Bad request: Index required but not found for "items[].sku" of one of the following types: [integer]. Help: Create an index for this key or use a different filter.');
    assert.equal((await search({ vector: { name: 'd', vector: [1, 0, 0, 0] }, filter: { must: [{ key: 'price', range: { gte: 1 } }] } })).status, 200, 'float index on price');
    await strict({ unindexed_filtering_retrieve: true });
  });

  it('the distance matrix counts sample × limit against max_query_limit and checks its filter', async () => {
    await strict({ enabled: true, max_query_limit: 6, unindexed_filtering_retrieve: false });
    const matrix = (body: Record<string, unknown>) => app.request('POST', '/collections/s/points/search/matrix/pairs', { using: 'd', ...body });
    assert.equal((await matrix({ sample: 3, limit: 2 })).status, 200);
    refused(await matrix({ sample: 4, limit: 2 }), 'Bad request: Limit exceeded 8 > 6 for "limit". Help: Reduce the "limit" parameter to or below 6.');
    refused(await matrix({ sample: 2, limit: 2, filter: { must: [{ key: 'colour', match: { value: 'red' } }] } }),
      'Bad request: Index required but not found for "colour" of one of the following types: [keyword]. Help: Create an index for this key or use a different filter.');
    await strict({ max_query_limit: 1000, unindexed_filtering_retrieve: true });
  });

  it('max_payload_index_count refuses a new index once the collection has that many', async () => {
    await strict({ enabled: true, max_payload_index_count: 2 });
    const indexes = Object.keys((await app.request('GET', '/collections/s')).body.result.payload_schema);
    assert.deepEqual(indexes.sort(), ['city', 'price']);
    const r = await app.request('PUT', '/collections/s/index?wait=true', { field_name: 'extra', field_schema: 'keyword' });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.status.error, 'Bad request: Collection already has the maximum number of payload indices (2). Help: Please delete an existing index before creating a new one.');
    assert.equal((await app.request('DELETE', '/collections/s/index/price?wait=true')).status, 200);
    assert.equal((await app.request('PUT', '/collections/s/index?wait=true', { field_name: 'extra', field_schema: 'keyword' })).status, 200);
    assert.equal((await app.request('DELETE', '/collections/s/index/extra?wait=true')).status, 200);
    await strict({ max_payload_index_count: 1000 });
  });

  it('max_collection_vector_size_bytes / max_collection_payload_size_bytes refuse writes once storage reaches them', async () => {
    // 5 dense points of 4 float32: 80 bytes of vectors at least.
    await strict({ enabled: true, max_collection_vector_size_bytes: 64 });
    const up = await app.request('PUT', '/collections/s/points?wait=true', { points: [{ id: 1, vector: { d: [1, 1, 1, 1] } }] });
    assert.equal(up.status, 400, up.text);
    assert.equal(up.body.status.error, 'Bad request: Max vector storage size limit of 0.000061035156MB reached!');
    assert.equal((await app.request('POST', '/collections/s/points/payload?wait=true', { payload: { y: 1 }, points: [1] })).status, 200, 'payload writes ignore the vector limit');
    // Earlier tests overwrote points without payload: give 4 points ~60 bytes each of payload first.
    assert.equal((await app.request('POST', '/collections/s/points/payload?wait=true', { payload: { note: 'n'.repeat(48) }, points: [1, 2, 3, 4] })).status, 200);
    await strict({ max_collection_vector_size_bytes: 1048576, max_collection_payload_size_bytes: 100 });
    const payload = await app.request('POST', '/collections/s/points/payload?wait=true', { payload: { y: 2 }, points: [1] });
    assert.equal(payload.status, 400, payload.text);
    assert.equal(payload.body.status.error, 'Bad request: Max payload storage size limit of 0.00009536743MB reached!');
    const upsert = await app.request('PUT', '/collections/s/points?wait=true', { points: [{ id: 1, vector: { d: [1, 1, 1, 1] } }] });
    assert.equal(upsert.body.status.error, 'Bad request: Max payload storage size limit of 0.00009536743MB reached!');
    assert.equal((await app.request('POST', '/collections/s/points/payload/clear?wait=true', { points: [1, 2, 3, 4] })).status, 200, 'clearing payload still runs');
    assert.equal((await app.request('POST', '/collections/s/points/payload?wait=true', { payload: { y: 2 }, points: [1] })).status, 200, 'below the limit again');
    await strict({ max_collection_vector_size_bytes: 1e9, max_collection_payload_size_bytes: 1e9 });
  });

  it('formula variables need a numeric index when unindexed filtering is off', async () => {
    await strict({ enabled: true, unindexed_filtering_retrieve: false });
    const formula = (expr: unknown) => app.request('POST', '/collections/s/points/query', { prefetch: { query: [1, 0, 0, 0], using: 'd' }, query: { formula: expr, defaults: { rank: 0 } } });
    refused(await formula({ sum: ['$score', 'rank'] }), 'Bad request: Index required but not found for "rank" of one of the following types: [float, integer]. Help: Create an index for this key or use a different formula expression.');
    assert.equal((await formula({ sum: ['$score', { key: 'city', match: { value: 'Berlin' } }] })).status, 200, 'a condition on the indexed city');
    await strict({ unindexed_filtering_retrieve: true });
  });

  it('search_allow_exact: false refuses a vector query that would scan (hnsw m = 0) unless a tenant filter narrows it', async () => {
    assert.equal((await app.request('PUT', '/collections/flat', { vectors: { size: 2, distance: 'Dot' }, hnsw_config: { m: 0, payload_m: 16 } })).status, 200);
    assert.equal((await app.request('PUT', '/collections/flat/points?wait=true', { points: [{ id: 1, vector: [1, 0], payload: { tenant: 'a' } }] })).status, 200);
    assert.equal((await app.request('PATCH', '/collections/flat', { strict_mode_config: { enabled: true, search_allow_exact: false } })).status, 200);
    const q = (body: Record<string, unknown>) => app.request('POST', '/collections/flat/points/query', body);
    refused(await q({ query: [1, 0] }), 'Bad request: Request is forbidden because global vector indexing is disabled (hnsw_config.m = 0). Help: Use tenant-specific filter, enable global vector indexing or enable strict mode `search_allow_exact` option');
    const tenant = { must: [{ key: 'tenant', match: { value: 'a' } }] };
    refused(await q({ query: [1, 0], filter: tenant }), 'Bad request: Request is forbidden because global vector indexing is disabled (hnsw_config.m = 0). Help: Use tenant-specific filter, enable global vector indexing or enable strict mode `search_allow_exact` option');
    assert.equal((await app.request('PUT', '/collections/flat/index?wait=true', { field_name: 'tenant', field_schema: { type: 'keyword', is_tenant: true } })).status, 200);
    assert.equal((await q({ query: [1, 0], filter: tenant })).status, 200);
    assert.equal((await q({ prefetch: { query: [1, 0], filter: tenant }, query: { fusion: 'rrf' } })).status, 200, 'a prefetch with a tenant filter');
    assert.equal((await app.request('PATCH', '/collections/flat', { hnsw_config: { payload_m: 0 } })).status, 200);
    refused(await q({ query: [1, 0], filter: tenant }), 'Bad request: Request is forbidden because vector indexing is disabled (hnsw_config.m = 0 and hnsw_config.payload_m = 0). Help: Enable vector indexing, use a prefetch query with indexed vectors or enable strict mode `search_allow_exact` option');
    assert.equal((await app.request('DELETE', '/collections/flat')).status, 200);
  });

  it('count checks its filter and, as Qdrant, its `exact` flag (default true) against search_allow_exact', async () => {
    await strict({ enabled: true, unindexed_filtering_retrieve: false, search_allow_exact: false });
    const count = (body: Record<string, unknown>) => app.request('POST', '/collections/s/points/count', body);
    refused(await count({ filter: { must: [{ key: 'colour', match: { value: 'red' } }] }, exact: false }),
      'Bad request: Index required but not found for "colour" of one of the following types: [keyword]. Help: Create an index for this key or use a different filter.');
    refused(await count({}), 'Bad request: Exact search disabled!. Help: Set exact=false.');
    const approximate = await count({ exact: false });
    assert.equal(approximate.status, 200, approximate.text);
    await strict({ unindexed_filtering_retrieve: true, search_allow_exact: true });
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
