/** Qdrant 1.19 filter features over gRPC: `match.prefix`, the `slice` condition, and per-shard cluster info. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { credentials, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { contract } from '../../../src/api/grpc/proto.js';
import { sliceOf } from '../../../src/index/filter/slice.js';

type Unary = (req: unknown, md: Metadata, cb: (e: ServiceError | null, res?: any) => void) => void;

function call(client: Client, method: string, req: unknown): Promise<{ code: status; details: string; res?: any }> {
  return new Promise((resolve) => {
    (client as unknown as Record<string, Unary>)[method]!.call(client, req, new Metadata(), (e, res) => resolve(e === null ? { code: status.OK, details: '', res } : { code: e.code, details: e.details }));
  });
}

describe('gRPC: Qdrant 1.19 filters and shards', () => {
  let app: TestApp;
  let points: Client;
  let collections: Client;
  before(async () => {
    app = await startTestApp();
    const port = (await app.startGrpc('127.0.0.1', 0)).port;
    points = new (contract().qdrant.Points)(`127.0.0.1:${port}`, credentials.createInsecure());
    collections = new (contract().qdrant.Collections)(`127.0.0.1:${port}`, credentials.createInsecure());
    assert.equal((await app.request('PUT', '/collections/g', { vectors: { size: 1, distance: 'Dot' }, shard_number: 2 })).status, 200);
    const words = ['apple', 'apricot', 'banana', 'Apple'];
    const r = await app.request('PUT', '/collections/g/points?wait=true', { points: words.map((w, i) => ({ id: i + 1, vector: [1], payload: { w } })) });
    assert.equal(r.status, 200, r.text);
  });
  after(async () => {
    points.close();
    collections.close();
    await app.destroy();
  });

  const scroll = async (condition: unknown): Promise<number[]> => {
    const r = await call(points, 'Scroll', { collection_name: 'g', filter: { must: [condition] }, limit: 100 });
    assert.equal(r.code, status.OK, r.details);
    return r.res.result.map((p: { id: { num: string } }) => Number(p.id.num)).sort();
  };

  it('match.prefix and slice filter as over REST', async () => {
    assert.deepEqual(await scroll({ field: { key: 'w', match: { prefix: 'ap' } } }), [1, 2]);
    const slice0 = await scroll({ slice: { total: 2, index: 0 } });
    const slice1 = await scroll({ slice: { total: 2, index: 1 } });
    assert.deepEqual([...slice0, ...slice1].sort(), [1, 2, 3, 4]);
    for (const id of slice0) assert.equal(sliceOf(id, 2), 0);
    const bad = await call(points, 'Scroll', { collection_name: 'g', filter: { must: [{ slice: { total: 2, index: 2 } }] } });
    assert.equal(bad.code, status.INVALID_ARGUMENT, bad.details);
  });

  it('collection cluster info lists both local shards with their point counts', async () => {
    const r = await call(collections, 'CollectionClusterInfo', { collection_name: 'g' });
    assert.equal(r.code, status.OK, r.details);
    assert.equal(Number(r.res.shard_count), 2);
    assert.deepEqual(r.res.local_shards.map((s: { shard_id: number | string }) => Number(s.shard_id)), [0, 1]);
    assert.equal(r.res.local_shards.reduce((n: number, s: { points_count: string | number }) => n + Number(s.points_count), 0), 4);
  });

  it('CreateShardKey: shards_number gives the key its own shards, numbered after the largest id; 0 is INVALID_ARGUMENT', async () => {
    assert.equal((await app.request('PUT', '/collections/ck', { vectors: { size: 1, distance: 'Dot' }, shard_number: 2, sharding_method: 'custom' })).status, 200);
    const create = (key: string, shardsNumber?: number) =>
      call(collections, 'CreateShardKey', { collection_name: 'ck', request: { shard_key: { keyword: key }, ...(shardsNumber === undefined ? {} : { shards_number: shardsNumber }) } });
    for (const [key, n] of [['a', 3], ['b', undefined]] as const) {
      const r = await create(key, n);
      assert.equal(r.code, status.OK, r.details);
    }
    assert.equal((await create('z', 0)).code, status.INVALID_ARGUMENT);
    const info = await call(collections, 'CollectionClusterInfo', { collection_name: 'ck' });
    assert.equal(info.code, status.OK, info.details);
    assert.deepEqual(
      info.res.local_shards.map((s: { shard_id: number | string; shard_key: { keyword: string } }) => [Number(s.shard_id), s.shard_key.keyword]),
      [[1, 'a'], [2, 'a'], [3, 'a'], [4, 'b'], [5, 'b']],
    );
  });

  it('CreateFieldIndex with a Snowball stemmer: text conditions match stemmed words; an unknown language is INVALID_ARGUMENT', async () => {
    assert.equal((await app.request('PUT', '/collections/st', { vectors: { size: 1, distance: 'Dot' } })).status, 200);
    const texts = ['running late', 'she runs', 'runner'];
    assert.equal((await app.request('PUT', '/collections/st/points?wait=true', { points: texts.map((text, i) => ({ id: i + 1, vector: [1], payload: { text } })) })).status, 200);
    const index = (language: string) => call(points, 'CreateFieldIndex', {
      collection_name: 'st', wait: true, field_name: 'text', field_type: 'FieldTypeText',
      field_index_params: { text_index_params: { tokenizer: 'Word', stemmer: { snowball: { language } } } },
    });
    const bad = await index('klingon');
    assert.equal(bad.code, status.INVALID_ARGUMENT, bad.details);
    assert.match(bad.details, /unknown variant "klingon" for stemmer language/);
    const made = await index('english');
    assert.equal(made.code, status.OK, made.details);
    assert.deepEqual((await app.request('GET', '/collections/st')).body.result.payload_schema.text.params.stemmer, { type: 'snowball', language: 'english' });
    const r = await call(points, 'Scroll', { collection_name: 'st', filter: { must: [{ field: { key: 'text', match: { text: 'run' } } }] }, limit: 10 });
    assert.equal(r.code, status.OK, r.details);
    assert.deepEqual(r.res.result.map((p: { id: { num: string } }) => Number(p.id.num)).sort(), [1, 2]);
  });
});
