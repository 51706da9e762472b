import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';

/** Every bad input gets a Qdrant-format 4xx, names the problem, and changes nothing stored. */
describe('bad input', () => {
  let app: TestApp;
  const snapshot = async (): Promise<string> => JSON.stringify((await app.request('POST', '/collections/e/points/scroll', { limit: 100, with_vector: true })).body.result);
  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__MAX_REQUEST_SIZE_MB: '1' });
    await app.request('PUT', '/collections/e', { vectors: { size: 4, distance: 'Cosine' } });
    await app.request('PUT', '/collections/e/points?wait=true', { points: [{ id: 1, vector: [1, 2, 3, 4], payload: { a: 1 } }] });
  });
  after(async () => {
    await app.destroy();
  });

  const cases: Array<[string, string, string, unknown, number, RegExp]> = [
    ['malformed JSON', 'PUT', '/collections/e/points', '{"points": [', 400, /JSON/],
    ['wrong dimension', 'PUT', '/collections/e/points', { points: [{ id: 2, vector: [1, 2, 3] }] }, 400, /Vector dimension error: expected dim: 4, got 3/],
    ['unknown vector name', 'PUT', '/collections/e/points', { points: [{ id: 2, vector: { nope: [1, 2, 3, 4] } }] }, 400, /nope/],
    ['negative id', 'PUT', '/collections/e/points', { points: [{ id: -1, vector: [1, 2, 3, 4] }] }, 400, /id/],
    ['huge id', 'PUT', '/collections/e/points', '{"points": [{"id": 18446744073709551615, "vector": [1, 2, 3, 4]}]}', 400, /id/],
    ['bad uuid', 'PUT', '/collections/e/points', { points: [{ id: 'not-a-uuid', vector: [1, 2, 3, 4] }] }, 400, /UUID|id/],
    ['wrong type', 'PUT', '/collections/e/points', { points: [{ id: 2, vector: 'abc' }] }, 400, /vector/],
    ['missing field', 'PUT', '/collections/e/points', { pts: [] }, 400, /points|batch/],
    ['one bad point in a batch', 'PUT', '/collections/e/points', { points: [{ id: 2, vector: [1, 2, 3, 4] }, { id: 3, vector: [1] }] }, 400, /dim/],
    ['bad filter', 'POST', '/collections/e/points/delete', { filter: { must: [{ key: 'a', range: { gte: 'x' } }] } }, 400, /./],
    ['bad payload', 'POST', '/collections/e/points/payload', { payload: [1, 2], points: [1] }, 400, /payload/],
    ['missing point on set payload', 'POST', '/collections/e/points/payload', { payload: { b: 1 }, points: [42] }, 404, /42/],
    ['array body', 'PUT', '/collections/e/points', [1, 2], 400, /./],
    ['bad wait flag', 'PUT', '/collections/e/points?wait=maybe', { points: [] }, 400, /wait/],
    ['bad query vector', 'POST', '/collections/e/points/query', { query: [1, 2] }, 400, /dim/],
    ['bad limit', 'POST', '/collections/e/points/scroll', { limit: -5 }, 400, /limit/],
    ['integer id beyond 2^53', 'PUT', '/collections/e/points', '{"points": [{"id": 9007199254740993, "vector": [1, 2, 3, 4]}]}', 400, /^Format error in JSON body: points\[0\]\.id: integer 9007199254740993 is outside ±2\^53−1/],
    ['vector component written as an integer beyond 2^53', 'PUT', '/collections/e/points', '{"points": [{"id": 2, "vector": [1, 2, 3, -9223372036854775808]}]}', 400, /points\[0\]\.vector\[3\]: integer -9223372036854775808 is outside/],
  ];

  for (const [name, method, url, body, status, message] of cases) {
    it(`answers ${status} for ${name} and changes nothing`, async () => {
      const before = await snapshot();
      const r = await app.request(method, url, body);
      assert.equal(r.status, status, r.text);
      assert.equal(typeof r.body?.status?.error, 'string', r.text);
      assert.match(r.body.status.error, message);
      assert.equal(typeof r.body.time, 'number');
      assert.equal(await snapshot(), before);
    });
  }

  it('answers 413 over max_request_size_mb and keeps serving', async () => {
    const big = { points: Array.from({ length: 30000 }, (_, i) => ({ id: i + 10, vector: [1, 2, 3, 4], payload: { pad: 'x'.repeat(30) } })) };
    const r = await app.request('PUT', '/collections/e/points', big);
    assert.equal(r.status, 413);
    assert.match(r.body.status.error, /too large/i);
    assert.equal((await app.request('POST', '/collections/e/points/count', {})).body.result.count, 1);
  });

  it('keeps payload integers exactly (up to ±2^53−1 as numbers, i64 beyond), and large floats as floats', async () => {
    const body = '{"points": [{"id": 3, "vector": [1, 2, 3, 4], "payload": {"max": 9007199254740991, "min": -9007199254740991, "f": 1e20, "g": 12345678901234567890.5}}]}';
    assert.equal((await app.request('PUT', '/collections/e/points?wait=true', body)).status, 200);
    const r = await app.request('GET', '/collections/e/points/3');
    assert.match(r.text, /"max":9007199254740991\b/);
    assert.match(r.text, /"min":-9007199254740991\b/);
    assert.equal(r.body.result.payload.f, 1e20);
    assert.equal(r.body.result.payload.g, Number('12345678901234567890.5'));
    const big = '{"points": [{"id": 3, "vector": [1, 2, 3, 4], "payload": {"n": [1, {"big": 9007199254740993}], "m": -9223372036854775808}}]}';
    assert.equal((await app.request('PUT', '/collections/e/points?wait=true', big)).status, 200);
    assert.match((await app.request('GET', '/collections/e/points/3')).text, /"payload":\{"n":\[1,\{"big":9007199254740993\}\],"m":-9223372036854775808\}/);
    assert.equal((await app.request('POST', '/collections/e/points/delete?wait=true', { points: [3] })).status, 200);
  });

  it('answers an unknown route with a Qdrant-format 404', async () => {
    const r = await app.request('GET', '/no/such/route');
    assert.equal(r.status, 404);
    assert.equal(typeof r.body.status.error, 'string');
  });

  it('refuses collection names with forbidden characters', async () => {
    const r = await app.request('PUT', '/collections/a%3Ab', { vectors: { size: 2, distance: 'Dot' } });
    assert.equal(r.status, 400);
  });
});
