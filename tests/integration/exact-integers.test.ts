/**
 * 64-bit payload integers survive, as in Qdrant (gRPC `integer_value` is an int64; Qdrant's REST keeps i64/u64
 * payload integers exactly): written by REST or gRPC, read by either exactly; filters (`match.value`, `any`,
 * `except`, `range`), the integer index, facets and `order_by` tell 2^62 from 2^62+1; a restart and a snapshot
 * round trip keep them. Responses are checked as text (exact parsing), never through `JSON.parse`, which rounds.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
import { startTestApp, tempDir, removeDir, type TestApp } from '../support/app.js';
import { fromPayload as fromGrpcPayload, pid, toPayload, withPayload } from '../support/grpc-values.js';
import { parseExactJson, stringifyJson } from '../../src/exact-json.js';

const I64_MAX = 2n ** 63n - 1n;
const I64_MIN = -(2n ** 63n);
const ABOVE_SAFE = 2n ** 53n + 1n;
const P62 = 2n ** 62n;

/** The payload of point `id`, as REST writes it. */
function payloadOf(id: number): Record<string, unknown> {
  return { max: I64_MAX, min: I64_MIN, nested: { deep: [1, { x: ABOVE_SAFE }, -ABOVE_SAFE] }, n: id === 1 ? P62 : P62 + 1n, safe: 9007199254740991, f: 1.5, big_float: 1e20 };
}

async function exact(app: TestApp, method: string, url: string, body?: unknown): Promise<any> {
  const r = await app.request(method, url, body === undefined ? undefined : stringifyJson(body));
  assert.equal(r.status, 200, r.text);
  return (parseExactJson(r.text) as { result: unknown }).result;
}

const ids = async (app: TestApp, filter: unknown, collection = 'c'): Promise<number[]> =>
  ((await exact(app, 'POST', `/collections/${collection}/points/scroll`, { filter, limit: 100 })).points as Array<{ id: number }>).map((p) => p.id).sort((a, b) => a - b);

describe('exact 64-bit payload integers', () => {
  let app: TestApp;
  let grpc: GrpcClient;
  const dirs: string[] = [];

  before(async () => {
    app = await startTestApp();
    const g = await app.startGrpc('127.0.0.1', 0);
    grpc = new GrpcClient({ host: '127.0.0.1', port: g.port, checkCompatibility: false });
    await exact(app, 'PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } });
    const points = [1, 2].map((id) => ({ id, vector: [1, id], payload: payloadOf(id) }));
    await exact(app, 'PUT', '/collections/c/points?wait=true', { points });
  });
  after(async () => {
    await app.destroy();
    dirs.forEach(removeDir);
  });

  it('REST: prints 2^63−1, −2^63 and 2^53+1 in nested payloads as their exact digits', async () => {
    const r = await app.request('GET', '/collections/c/points/1');
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /"max":9223372036854775807[,}]/);
    assert.match(r.text, /"min":-9223372036854775808[,}]/);
    assert.match(r.text, /"deep":\[1,\{"x":9007199254740993\},-9007199254740993\]/);
    assert.match(r.text, /"n":4611686018427387904[,}]/);
    assert.match(r.text, /"safe":9007199254740991[,}]/);
    assert.deepEqual((await exact(app, 'GET', '/collections/c/points/1')).payload, payloadOf(1));
  });

  it('REST write → gRPC read: integer_value carries every digit', async () => {
    const [p] = (await grpc.api('points').get({ collectionName: 'c', ids: [pid(2)], withPayload: withPayload() })).result;
    assert.equal(p!.payload['max']!.kind.case, 'integerValue');
    assert.equal(p!.payload['f']!.kind.case, 'doubleValue');
    assert.equal(p!.payload['big_float']!.kind.case, 'doubleValue');
    assert.deepEqual(fromGrpcPayload(p!.payload), payloadOf(2));
  });

  it('gRPC write → REST and gRPC read: equal, exactly', async () => {
    const payload = { a: I64_MAX, b: [I64_MIN, { c: ABOVE_SAFE }], d: 7 };
    await grpc.api('points').upsert({
      collectionName: 'c',
      wait: true,
      points: [{ id: pid(3), vectors: { vectorsOptions: { case: 'vector', value: { data: [1, 3] } } }, payload: toPayload(payload) }],
    });
    assert.deepEqual((await exact(app, 'GET', '/collections/c/points/3')).payload, payload);
    const r = await app.request('GET', '/collections/c/points/3');
    assert.match(r.text, /"a":9223372036854775807,"b":\[-9223372036854775808,\{"c":9007199254740993\}\]/);
    const [p] = (await grpc.api('points').get({ collectionName: 'c', ids: [pid(3)], withPayload: withPayload() })).result;
    assert.deepEqual(fromGrpcPayload(p!.payload), payload);
    await exact(app, 'POST', '/collections/c/points/delete?wait=true', { points: [3] });
  });

  it('filters tell 2^62 from 2^62+1, without and with an integer index', async () => {
    for (const indexed of [false, true]) {
      if (indexed) await exact(app, 'PUT', '/collections/c/index?wait=true', { field_name: 'n', field_schema: 'integer' });
      const at = indexed ? 'indexed' : 'unindexed';
      assert.deepEqual(await ids(app, { must: [{ key: 'n', match: { value: P62 } }] }), [1], at);
      assert.deepEqual(await ids(app, { must: [{ key: 'n', match: { value: P62 + 1n } }] }), [2], at);
      assert.deepEqual(await ids(app, { must: [{ key: 'n', match: { any: [P62 + 1n, 5] } }] }), [2], at);
      assert.deepEqual(await ids(app, { must: [{ key: 'n', match: { except: [P62] } }] }), [2], at);
      assert.deepEqual(await ids(app, { must: [{ key: 'n', range: { gt: P62 } }] }), [2], at);
      assert.deepEqual(await ids(app, { must: [{ key: 'n', range: { lte: P62 } }] }), [1], at);
      assert.deepEqual(await ids(app, { must: [{ key: 'n', range: { gte: P62, lt: P62 + 1n } }] }), [1], at);
      assert.deepEqual(await ids(app, { must: [{ key: 'nested.deep[].x', match: { value: ABOVE_SAFE } }] }), [1, 2], at);
      assert.deepEqual(await ids(app, { must: [{ key: 'nested.deep[].x', match: { value: ABOVE_SAFE - 2n } }] }), [], at);
      assert.equal((await exact(app, 'POST', '/collections/c/points/count', { filter: { must: [{ key: 'max', match: { value: I64_MAX } }] } })).count, 2, at);
    }
  });

  it('gRPC filters match int64 values exactly', async () => {
    const field = (key: string, match: unknown): any => ({ conditionOneOf: { case: 'field', value: { key, match: { matchValue: match } } } });
    const count = async (match: unknown) => Number((await grpc.api('points').count({ collectionName: 'c', filter: { must: [field('n', match)] }, exact: true })).result!.count);
    assert.equal(await count({ case: 'integer', value: P62 }), 1);
    assert.equal(await count({ case: 'integer', value: P62 + 2n }), 0);
    assert.equal(await count({ case: 'integers', value: { integers: [P62 + 1n] } }), 1);
    assert.equal(await count({ case: 'exceptIntegers', value: { integers: [P62 + 1n] } }), 1);
  });

  it('facets count 2^62 and 2^62+1 apart, on both transports', async () => {
    const rest = await exact(app, 'POST', '/collections/c/facet', { key: 'n', exact: true });
    assert.deepEqual(rest.hits, [{ value: P62, count: 1 }, { value: P62 + 1n, count: 1 }]);
    const g = await grpc.api('points').facet({ collectionName: 'c', key: 'n', exact: true });
    assert.deepEqual(g.hits.map((h) => [h.value?.variant.case, h.value?.variant.value, Number(h.count)]), [['integerValue', P62, 1], ['integerValue', P62 + 1n, 1]]);
  });

  it('order_by orders and pages by the exact values', async () => {
    const desc = await exact(app, 'POST', '/collections/c/points/scroll', { order_by: { key: 'n', direction: 'desc' }, limit: 10 });
    assert.deepEqual(desc.points.map((p: any) => [p.id, p.order_value]), [[2, P62 + 1n], [1, P62]]);
    const from = await exact(app, 'POST', '/collections/c/points/scroll', { order_by: { key: 'n', start_from: P62 + 1n }, limit: 10 });
    assert.deepEqual(from.points.map((p: any) => p.id), [2]);
  });

  it('keeps them exact across a restart and a snapshot round trip', async () => {
    const dir = tempDir();
    dirs.push(dir);
    let second = await startTestApp({}, {}, dir);
    await exact(second, 'PUT', '/collections/r', { vectors: { size: 2, distance: 'Dot' } });
    await exact(second, 'PUT', '/collections/r/points?wait=true', { points: [1, 2].map((id) => ({ id, vector: [1, id], payload: payloadOf(id) })) });
    await second.close();
    second = await startTestApp({}, {}, dir);
    try {
      for (const id of [1, 2]) assert.deepEqual((await exact(second, 'GET', `/collections/r/points/${id}`)).payload, payloadOf(id));
      assert.deepEqual(await ids(second, { must: [{ key: 'n', match: { value: P62 + 1n } }] }, 'r'), [2]);
      const snap = await exact(second, 'POST', '/collections/r/snapshots?wait=true');
      const file = readFileSync(`${dir}/snapshots/r/${snap.name}`);
      await exact(second, 'DELETE', '/collections/r');
      const form = new FormData();
      form.append('snapshot', new Blob([file]), snap.name);
      const up = await second.app.inject({ method: 'POST', url: '/collections/r/snapshots/upload?wait=true', payload: form });
      assert.equal(up.statusCode, 200, up.body);
      for (const id of [1, 2]) assert.deepEqual((await exact(second, 'GET', `/collections/r/points/${id}`)).payload, payloadOf(id));
      assert.deepEqual(await ids(second, { must: [{ key: 'n', range: { gt: P62 } }] }, 'r'), [2]);
    } finally {
      await second.close();
    }
  });

  it('keeps them exactly in a large upsert (a body parsed a slice at a time), and refuses one beyond ±2^53−1 in an id there', async () => {
    await exact(app, 'PUT', '/collections/large', { vectors: { size: 64, distance: 'Dot' } });
    const points = Array.from({ length: 600 }, (_, i) => ({ id: i, vector: Array.from({ length: 64 }, (_, k) => ((i + k) % 17) / 17 + 0.123456789), payload: { n: i === 599 ? I64_MAX - BigInt(i) : i } }));
    const text = stringifyJson({ points });
    assert.ok(text.length > 512 * 1024, `${text.length} chars`);
    const r = await app.request('PUT', '/collections/large/points?wait=true', text);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((await exact(app, 'GET', '/collections/large/points/599')).payload, { n: I64_MAX - 599n });
    assert.deepEqual(await ids(app, { must: [{ key: 'n', range: { gt: 2n ** 62n } }] }, 'large'), [599]);
    const refused = await app.request('PUT', '/collections/large/points?wait=true', text.replace('{"id":598,', '{"id":9007199254740993,'));
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.body.status.error, /points\[598\]\.id: integer 9007199254740993 is outside ±2\^53−1/);
    assert.equal((await exact(app, 'POST', '/collections/large/points/count', {})).count, 600);
  });

  it('refuses integers beyond ±2^53−1 outside payloads and filter values, changing nothing', async () => {
    const r = await app.request('PUT', '/collections/c/points?wait=true', '{"points":[{"id":9007199254740993,"vector":[1,2]}]}');
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.status.error, /points\[0\]\.id: integer 9007199254740993 is outside ±2\^53−1/);
    const limit = await app.request('POST', '/collections/c/points/scroll', '{"limit":9223372036854775807}');
    assert.equal(limit.status, 400, limit.text);
    const metadata = await app.request('PUT', '/collections/m', '{"vectors":{"size":2,"distance":"Dot"},"metadata":{"payload":{"n":9007199254740993}}}');
    assert.equal(metadata.status, 400, metadata.text);
    assert.match(metadata.body.status.error, /metadata\.payload\.n: integer 9007199254740993 is outside/);
    await assert.rejects(
      grpc.api('collections').create({ collectionName: 'm', vectorsConfig: { config: { case: 'params', value: { size: 2n, distance: 1 } } }, metadata: toPayload({ n: ABOVE_SAFE }) }),
      (e: any) => e.code === 3 && /metadata\.n: integer 9007199254740993 is outside/.test(e.rawMessage),
    );
    assert.equal((await app.request('GET', '/collections/m')).status, 404);
    assert.equal((await exact(app, 'POST', '/collections/c/points/count', {})).count, 2);
  });

  it('reads u64 payload integers above i64::MAX exactly over REST; beyond u64 they are floats (serde_json)', async () => {
    const body = '{"points":[{"id":4,"vector":[1,4],"payload":{"u":18446744073709551615,"over":18446744073709551616}}]}';
    assert.equal((await app.request('PUT', '/collections/c/points?wait=true', body)).status, 200);
    const r = await app.request('GET', '/collections/c/points/4');
    assert.match(r.text, /"u":18446744073709551615,"over":18446744073709552000/);
    // gRPC has no uint64 Value: as Qdrant's json_to_proto, the u64 becomes a double.
    const [p] = (await grpc.api('points').get({ collectionName: 'c', ids: [pid(4)], withPayload: withPayload() })).result;
    assert.deepEqual([p!.payload['u']!.kind.case, p!.payload['u']!.kind.value], ['doubleValue', Number(2n ** 64n - 1n)]);
    await exact(app, 'POST', '/collections/c/points/delete?wait=true', { points: [4] });
  });
});
