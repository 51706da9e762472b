/**
 * Server defects found by the robustness suites (fuzz, crash, load), one precise test each: the request,
 * and the answer Qdrant gives or the rule of issue 8 the answer breaks. They fail until the defect is fixed;
 * then remove the matching KNOWN_DEFECTS entry in rest.test.ts (if any) so the fuzz property checks it too.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { pollUntil } from '../support/poll.js';
import { DOCUMENTED_REQUEST_BODIES } from '../support/openapi.js';

function assertQdrantError(res: { status: number; text: string; body: any }, what: string): void {
  assert.ok(res.status >= 400 && res.status < 500, `${what}: status ${res.status}: ${res.text.slice(0, 300)}`);
  assert.equal(typeof res.body?.status?.error, 'string', `${what}: not a Qdrant-format error: ${res.text.slice(0, 300)}`);
  assert.equal(typeof res.body?.time, 'number', `${what}: no time: ${res.text.slice(0, 300)}`);
}

describe('defects found by the robustness suites', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
    assert.equal((await app.request('PUT', '/collections/d', { vectors: { size: 4, distance: 'Cosine' } })).status, 200);
    const points = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, vector: [i + 1, 1, 2, 3], payload: { t: i % 2 === 0 ? 'a' : 'b' } }));
    assert.equal((await app.request('PUT', '/collections/d/points?wait=true', { points })).status, 200);
    assert.equal((await app.request('PUT', '/collections/d/index?wait=true', { field_name: 't', field_schema: 'keyword' })).status, 200);
  });

  after(async () => {
    await app.destroy();
  });

  // Fuzz: `GET /collections/%E0%A4%A` → 400 {"error":"Bad Request","code":"FST_ERR_BAD_URL",…}; a path parameter
  // over routerOptions.maxParamLength (2048) → 414 {"code":"FST_ERR_MAX_PARAM_LENGTH",…}. Fastify answers these
  // before the route, bypassing setErrorHandler (they need Fastify's `frameworkErrors` option).
  it('answers a URL with a broken percent-escape in Qdrant’s error format', async () => {
    assertQdrantError(await app.request('GET', '/collections/%E0%A4%A'), 'GET /collections/%E0%A4%A');
    assertQdrantError(await app.request('POST', '/collections/d%/points/scroll', {}), 'POST /collections/d%/points/scroll');
  });

  it('answers an over-long path parameter in Qdrant’s error format', async () => {
    assertQdrantError(await app.request('GET', `/collections/${'x'.repeat(3000)}`), 'GET /collections/x…(3000)');
  });

  // Fuzz: the named vectors `image` and `text` of Qdrant's own documentation were refused as inference objects
  // (Qdrant's Document / Image / InferenceObject need `model`). Fixed upstream while this suite was written
  // (src/collection/vectors.ts now requires `model`); kept as a regression test.
  it('accepts named vectors called `image` and `text` (Qdrant’s documented example)', async () => {
    assert.equal((await app.request('PUT', '/collections/named', { vectors: { image: { size: 4, distance: 'Dot' }, text: { size: 8, distance: 'Cosine' } } })).status, 200);
    const documented = DOCUMENTED_REQUEST_BODIES.find(([op, title]) => op === 'upsert_points' && title === 'named vectors')![2];
    const r = await app.request('PUT', '/collections/named/points?wait=true', documented);
    assert.equal(r.status, 200, r.text);
    const one = await app.request('PUT', '/collections/named/points?wait=true', { points: [{ id: 2, vector: { image: [1, 2, 3, 4] } }] });
    assert.equal(one.status, 200, one.text);
  });

  // Fuzz: `{"query": [...], "limit": 9007199254740991}` → 500 (RangeError: Invalid typed array length, in
  // TopK.reset from HnswIndex.scanAll), and `limit: 1e9` sized an 8 GB Float64Array. Fixed in the working tree
  // while this suite was written (the top-k buffer is now bounded); kept as a regression test.
  it('answers a query with a huge limit or offset without a server error', async () => {
    for (const body of [
      { query: [1, 1, 1, 1], limit: 2 ** 53 - 1 },
      { query: [1, 1, 1, 1], limit: 4294967296 },
      { query: [1, 1, 1, 1], limit: 10, offset: 2 ** 53 - 1 },
      { query: { nearest: [1, 1, 1, 1] }, limit: 2 ** 40 },
    ]) {
      const r = await app.request('POST', '/collections/d/points/query', body);
      assert.ok(r.status < 500, `${JSON.stringify(body)} → ${r.status}: ${r.text}`);
    }
    const batch = await app.request('POST', '/collections/d/points/query/batch', { searches: [{ query: [1, 1, 1, 1], limit: 2 ** 53 - 1 }] });
    assert.ok(batch.status < 500, `query batch → ${batch.status}: ${batch.text}`);
  });

  // Fuzz: a snapshot upload whose multipart body is malformed (`Content-Type: multipart/form-data; boundary=x`,
  // body `{}`; or no boundary) → 500 "Unexpected end of multipart data" / "Multipart: Boundary not found" from
  // busboy, unmapped. A client's malformed body is a 400.
  it('answers a malformed multipart snapshot upload with a 4xx', async () => {
    for (const [url, contentType] of [
      ['/collections/d/snapshots/upload', 'multipart/form-data; boundary=x'],
      ['/collections/d/snapshots/upload', 'multipart/form-data'],
      ['/collections/d/shards/0/snapshots/upload', 'multipart/form-data; boundary=x'],
    ] as const) {
      const res = await app.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload: '{}' });
      let body: unknown;
      try {
        body = JSON.parse(res.body);
      } catch {
        body = undefined;
      }
      assertQdrantError({ status: res.statusCode, text: res.body, body }, `POST ${url} (${contentType})`);
    }
  });

  // Load run: `{"key": "t", "match": {"any": ["a", "a"]}}` → 400 "filter.must[0].match.any[0]: expected an
  // integer, got string "a"". Qdrant reads `any` into an IndexSet, so a repeated value is simply merged; the
  // message also names the wrong alternative.
  it('accepts a repeated value in match.any', async () => {
    const r = await app.request('POST', '/collections/d/points/count', { filter: { must: [{ key: 't', match: { any: ['a', 'a'] } }] }, exact: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.result.count, 10);
  });

  // Crash suite: graph searches missed points whose vectors were replaced in place (re-upserted), crash or not:
  // after rounds of in-place updates 3-9 of 400 points stayed unreachable for good on a green collection (29-51
  // before updates reconnected the old neighbours). Fixed: an update unlinks the old node (tombstone repair) before
  // inserting it anew, and the graph is rebuilt in the background once updates reach 10% of it.
  const runUpdateScenario = async (): Promise<{ misses: number; points: number }> => {
    const DIM = 6;
    const vec = (seed: number, id: number): number[] => Array.from({ length: DIM }, (_, i) => (i === 0 ? id % 1000 : ((seed * 31 + id * 7 + i * 13) % 97) - 48));
    assert.equal((await app.request('PUT', '/collections/h', { vectors: { size: DIM, distance: 'Euclid' }, optimizers_config: { indexing_threshold: 1 }, hnsw_config: { m: 8, ef_construct: 32 } })).status, 200);
    const green = async (): Promise<void> => {
      await pollUntil('the graph to catch up', async () => {
        const info = (await app.request('GET', '/collections/h')).body.result;
        return info.status === 'green' && info.indexed_vectors_count === info.points_count;
      }, 120_000, 50);
    };
    const ids = Array.from({ length: 400 }, (_, k) => Math.floor(k / 100) * 100_000 + (k % 100) + 1);
    const hash = (a: number, b: number): number => (Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) >>> 0) % 10_000;
    const current = new Map<number, number[]>();
    for (let round = 0; round < 4; round++) {
      // First every point, then about half of them each round, with new vectors.
      const points = ids.filter((id) => round === 0 || hash(round, id) % 2 === 0).map((id) => ({ id, vector: vec(hash(id, round + 17), id) }));
      for (const p of points) current.set(p.id, p.vector);
      assert.equal((await app.request('PUT', '/collections/h/points?wait=true', { points })).status, 200);
      await green();
    }
    let misses = 0;
    for (const v of current.values()) {
      const q = await app.request('POST', '/collections/h/points/query', { query: v, limit: 1, params: { exact: false } });
      if (q.body.result.points[0]?.score !== 0) misses++;
    }
    return { misses, points: current.size };
  };

  it('finds points by their own vector through the HNSW graph after their vectors are replaced', { timeout: 120_000 }, async () => {
    const { misses, points } = await runUpdateScenario();
    assert.ok(misses <= points * 0.01, `${misses} of ${points} points are not found by their own vector through the graph`);
  });
});
