/**
 * Compatibility of the gRPC API with the official @qdrant/js-client-grpc 1.19: one scenario table, run through
 * two drivers — the REST client (@qdrant/js-client-rest) and the gRPC client — against the same server, each on
 * its own collection filled with the same data. Every step's normalised answer must be identical through both
 * transports (scores and vectors compared as the float32 the gRPC wire carries).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { QdrantClient as RestClient } from '@qdrant/js-client-rest';
import { QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
import { startTestApp, type TestApp } from '../support/app.js';
import { dense, fromPayload, fromPid, fromVectors, pid, sparse, toPayload, withPayload, withVectors } from '../support/grpc-values.js';

type Point = { id: number | string; score?: number; payload: unknown; vector: unknown };

interface Driver {
  readonly name: string;
  createCollection(c: string): Promise<unknown>;
  info(c: string): Promise<unknown>;
  createIndex(c: string, field: string, type: 'keyword' | 'integer' | 'text'): Promise<unknown>;
  upsert(c: string, points: ReadonlyArray<{ id: number | string; d: number[]; s: [number[], number[]]; payload: Record<string, unknown> }>): Promise<unknown>;
  retrieve(c: string, ids: Array<number | string>): Promise<Point[]>;
  count(c: string, color?: string): Promise<number>;
  scroll(c: string, minN: number, limit: number): Promise<{ points: Point[]; next: unknown }>;
  setPayload(c: string, ids: number[], payload: Record<string, unknown>): Promise<unknown>;
  overwritePayload(c: string, ids: number[], payload: Record<string, unknown>): Promise<unknown>;
  deletePayload(c: string, ids: number[], keys: string[]): Promise<unknown>;
  clearPayload(c: string, ids: number[]): Promise<unknown>;
  queryNearest(c: string, v: number[], color: string | undefined, limit: number): Promise<Point[]>;
  queryFusion(c: string, v: number[], s: [number[], number[]]): Promise<Point[]>;
  queryOrderBy(c: string, limit: number): Promise<Point[]>;
  queryRecommend(c: string, positive: number[], negative: number[]): Promise<Point[]>;
  queryBatch(c: string, vs: number[][]): Promise<Point[][]>;
  queryGroups(c: string, v: number[]): Promise<unknown>;
  search(c: string, v: number[], limit: number): Promise<Point[]>;
  searchBatch(c: string, vs: number[][]): Promise<Point[][]>;
  searchGroups(c: string, v: number[]): Promise<unknown>;
  recommend(c: string, positive: number[]): Promise<Point[]>;
  discover(c: string, target: number, pairs: Array<[number, number]>): Promise<Point[]>;
  matrixPairs(c: string, sample: number): Promise<unknown>;
  facet(c: string, key: string): Promise<unknown>;
  createAlias(c: string, alias: string): Promise<unknown>;
  aliases(c: string): Promise<unknown>;
  deleteByFilter(c: string, color: string): Promise<unknown>;
  snapshots(c: string): Promise<number>;
  /** Counts of points matching each filter of {@link FILTERS}. */
  countEach(c: string): Promise<number[]>;
  /** exists, update, vector name add / remove, field index removal, cluster info, shard keys: their observable results. */
  manage(c: string): Promise<unknown>;
  dropCollection(c: string): Promise<unknown>;
  /** The query variants of {@link QUERIES}, each as `[ids, scores]`. */
  queryEach(c: string): Promise<unknown[]>;
}

const f32 = (x: number | undefined): number | undefined => (x === undefined ? undefined : Math.fround(x));
/** Vectors as the float32 both wires carry: REST prints the shortest float32 text, gRPC decodes to the exact double. */
const f32Deep = (v: unknown): unknown =>
  typeof v === 'number' ? Math.fround(v) : Array.isArray(v) ? v.map(f32Deep) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, f32Deep(x)])) : v;

function restPoint(p: any): Point {
  const out: Point = { id: p.id, payload: p.payload ?? {}, vector: f32Deep(p.vector ?? null) };
  if (p.score !== undefined) out.score = f32(p.score);
  return out;
}

function grpcPoint(p: any): Point {
  const out: Point = { id: fromPid(p.id), payload: fromPayload(p.payload), vector: f32Deep(fromVectors(p.vectors)) };
  if (p.score !== undefined) out.score = f32(p.score);
  return out;
}

/** The REST driver: the official client, and plain HTTP for the legacy endpoints the 1.19 client dropped. */
function restDriver(client: RestClient, url: string): Driver {
  const post = async (path: string, body: unknown): Promise<any> => {
    const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json: any = await r.json();
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
    return json.result;
  };
  const sortedGroups = (r: any): unknown => r.groups.map((g: any) => ({ id: g.id, hits: g.hits.map(restPoint) }));
  return {
    name: 'rest',
    createCollection: (c) => client.createCollection(c, { vectors: { d: { size: 4, distance: 'Dot' } }, sparse_vectors: { s: {} } }),
    info: async (c) => {
      const i = await client.getCollection(c);
      return { points: i.points_count, schema: Object.keys(i.payload_schema).sort(), size: (i.config.params.vectors as any).d.size, distance: (i.config.params.vectors as any).d.distance };
    },
    createIndex: async (c, field, type) => (await client.createPayloadIndex(c, { field_name: field, field_schema: type, wait: true })).status,
    upsert: async (c, points) =>
      (await client.upsert(c, { wait: true, points: points.map((p) => ({ id: p.id, vector: { d: p.d, s: { indices: p.s[0], values: p.s[1] } }, payload: p.payload })) })).status,
    retrieve: async (c, ids) => (await client.retrieve(c, { ids, with_payload: true, with_vector: true })).map(restPoint),
    count: async (c, color) => (await client.count(c, color === undefined ? { exact: true } : { exact: true, filter: { must: [{ key: 'color', match: { value: color } }] } })).count,
    scroll: async (c, minN, limit) => {
      const r = await client.scroll(c, { limit, filter: { must: [{ key: 'n', range: { gte: minN } }] }, with_payload: true });
      return { points: r.points.map(restPoint), next: r.next_page_offset ?? null };
    },
    setPayload: async (c, ids, payload) => (await client.setPayload(c, { points: ids, payload, wait: true })).status,
    overwritePayload: async (c, ids, payload) => (await client.overwritePayload(c, { points: ids, payload, wait: true })).status,
    deletePayload: async (c, ids, keys) => (await client.deletePayload(c, { points: ids, keys, wait: true })).status,
    clearPayload: async (c, ids) => (await client.clearPayload(c, { points: ids, wait: true })).status,
    queryNearest: async (c, v, color, limit) =>
      (await client.query(c, { query: v, using: 'd', limit, with_payload: true, ...(color === undefined ? {} : { filter: { must: [{ key: 'color', match: { value: color } }] } }) })).points.map(restPoint),
    queryFusion: async (c, v, s) =>
      (await client.query(c, { prefetch: [{ query: v, using: 'd', limit: 10 }, { query: { indices: s[0], values: s[1] }, using: 's', limit: 10 }], query: { fusion: 'rrf' }, limit: 5 })).points.map(restPoint),
    queryOrderBy: async (c, limit) => (await client.query(c, { query: { order_by: { key: 'n', direction: 'desc' } }, limit, with_payload: ['n'] })).points.map(restPoint),
    queryRecommend: async (c, positive, negative) => (await client.query(c, { query: { recommend: { positive, negative } }, using: 'd', limit: 4 })).points.map(restPoint),
    queryBatch: async (c, vs) => (await client.queryBatch(c, { searches: vs.map((v) => ({ query: v, using: 'd', limit: 3 })) })).map((r) => r.points.map(restPoint)),
    queryGroups: async (c, v) => sortedGroups(await client.queryGroups(c, { query: v, using: 'd', group_by: 'color', group_size: 2, limit: 3 })),
    search: async (c, v, limit) => (await post(`/collections/${c}/points/search`, { vector: { name: 'd', vector: v }, limit, with_payload: true, with_vector: true })).map(restPoint),
    searchBatch: async (c, vs) => (await post(`/collections/${c}/points/search/batch`, { searches: vs.map((v) => ({ vector: { name: 'd', vector: v }, limit: 2 })) })).map((r: any[]) => r.map(restPoint)),
    searchGroups: async (c, v) => sortedGroups(await post(`/collections/${c}/points/search/groups`, { vector: { name: 'd', vector: v }, group_by: 'color', group_size: 2, limit: 3 })),
    recommend: async (c, positive) => (await post(`/collections/${c}/points/recommend`, { positive, using: 'd', limit: 3 })).map(restPoint),
    discover: async (c, target, pairs) =>
      (await post(`/collections/${c}/points/discover`, { target, context: pairs.map(([positive, negative]) => ({ positive, negative })), using: 'd', limit: 3 })).map(restPoint),
    matrixPairs: async (c, sample) => {
      const r = await client.searchMatrixPairs(c, { sample, limit: 2, using: 'd' });
      return r.pairs.map((p: any) => ({ a: p.a, b: p.b, score: f32(p.score) }));
    },
    facet: async (c, key) => (await client.facet(c, { key, exact: true })).hits.map((h: any) => ({ value: h.value, count: h.count })),
    createAlias: (c, alias) => client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: c, alias_name: alias } }] }),
    aliases: async (c) => (await client.getCollectionAliases(c)).aliases,
    deleteByFilter: async (c, color) => (await client.delete(c, { filter: { must: [{ key: 'color', match: { value: color } }] }, wait: true })).status,
    snapshots: async (c) => {
      await client.createSnapshot(c);
      return (await client.listSnapshots(c)).length;
    },
    countEach: async (c) => Promise.all(FILTERS.map(async ([, filter]) => (await post(`/collections/${c}/points/count`, { filter, exact: true })).count as number)),
    manage: async (c) => {
      const exists = (await client.collectionExists(c)).exists;
      const missing = (await client.collectionExists(`${c}_missing`)).exists;
      const updated = await client.updateCollection(c, { optimizers_config: { indexing_threshold: 1234 } });
      const threshold = (await client.getCollection(c)).config.optimizer_config.indexing_threshold;
      const put = await fetch(`${url}/collections/${c}/vectors/extra?wait=true`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dense: { size: 3, distance: 'Cosine' } }) });
      const names = Object.keys((await client.getCollection(c)).config.params.vectors as object).sort();
      const del = await fetch(`${url}/collections/${c}/vectors/extra?wait=true`, { method: 'DELETE' });
      await client.deletePayloadIndex(c, 'n', { wait: true });
      const schema = Object.keys((await client.getCollection(c)).payload_schema).sort();
      const cluster = (await fetch(`${url}/collections/${c}/cluster`).then((r) => r.json() as Promise<any>)).result;
      const shardKeys = (await fetch(`${url}/collections/${c}/shards`).then((r) => r.json() as Promise<any>)).result.shard_keys;
      return { exists, missing, updated, threshold, vectorName: [put.status, del.status], names, schema, shards: cluster.local_shards.map((l: any) => [l.shard_id, l.points_count]), shardKeys };
    },
    dropCollection: async (c) => [await client.deleteCollection(c), (await client.collectionExists(c)).exists],
    queryEach: async (c) =>
      Promise.all(
        QUERIES.map(async ([name, body]) => {
          const b = JSON.parse(JSON.stringify(body).replace('"LOOKUP"', `"${c}"`));
          const points = ((await post(`/collections/${c}/points/query`, b)).points as any[]).map(restPoint);
          return name.startsWith('sample') ? points.length : [points.map((p) => p.id), points.map((p) => p.score)];
        }),
      ),
  };
}

function grpcDriver(client: GrpcClient): Driver {
  const points = client.api('points');
  const collections = client.api('collections');
  const colorFilter = (color: string): any => ({ must: [{ conditionOneOf: { case: 'field', value: { key: 'color', match: { matchValue: { case: 'keyword', value: color } } } } }] });
  const status = (r: any): string => (r.result.status === 2 ? 'completed' : 'acknowledged');
  const nearest = (v: number[]): any => ({ variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: v } } } } });
  const groups = (r: any): unknown =>
    r.result.groups.map((g: any) => ({ id: g.id.kind.case === 'stringValue' ? g.id.kind.value : Number(g.id.kind.value), hits: g.hits.map(grpcPoint) }));
  return {
    name: 'grpc',
    createCollection: async (c) =>
      (
        await collections.create({
          collectionName: c,
          vectorsConfig: { config: { case: 'paramsMap', value: { map: { d: { size: 4n, distance: 3 } } } } },
          sparseVectorsConfig: { map: { s: {} } },
        })
      ).result,
    info: async (c) => {
      const i = (await collections.get({ collectionName: c })).result!;
      const d = (i.config!.params!.vectorsConfig!.config as any).value.map.d;
      return { points: Number(i.pointsCount), schema: Object.keys(i.payloadSchema).sort(), size: Number(d.size), distance: d.distance === 3 ? 'Dot' : String(d.distance) };
    },
    createIndex: async (c, field, type) => status(await points.createFieldIndex({ collectionName: c, fieldName: field, fieldType: { keyword: 0, integer: 1, text: 4 }[type], wait: true })),
    upsert: async (c, list) =>
      status(
        await points.upsert({
          collectionName: c,
          wait: true,
          points: list.map((p) => ({ id: pid(p.id), vectors: { vectorsOptions: { case: 'vectors', value: { vectors: { d: dense(p.d), s: sparse(p.s[0], p.s[1]) } } } }, payload: toPayload(p.payload) })),
        }),
      ),
    retrieve: async (c, ids) => (await points.get({ collectionName: c, ids: ids.map(pid), withPayload: withPayload(), withVectors: withVectors() })).result.map(grpcPoint),
    count: async (c, color) => Number((await points.count({ collectionName: c, exact: true, ...(color === undefined ? {} : { filter: colorFilter(color) }) })).result!.count),
    scroll: async (c, minN, limit) => {
      const r = await points.scroll({
        collectionName: c,
        limit,
        filter: { must: [{ conditionOneOf: { case: 'field', value: { key: 'n', range: { gte: minN } } } }] },
        withPayload: withPayload(),
      });
      return { points: r.result.map(grpcPoint), next: r.nextPageOffset === undefined ? null : fromPid(r.nextPageOffset) };
    },
    setPayload: async (c, ids, payload) =>
      status(await points.setPayload({ collectionName: c, wait: true, payload: toPayload(payload), pointsSelector: { pointsSelectorOneOf: { case: 'points', value: { ids: ids.map(pid) } } } })),
    overwritePayload: async (c, ids, payload) =>
      status(await points.overwritePayload({ collectionName: c, wait: true, payload: toPayload(payload), pointsSelector: { pointsSelectorOneOf: { case: 'points', value: { ids: ids.map(pid) } } } })),
    deletePayload: async (c, ids, keys) =>
      status(await points.deletePayload({ collectionName: c, wait: true, keys, pointsSelector: { pointsSelectorOneOf: { case: 'points', value: { ids: ids.map(pid) } } } })),
    clearPayload: async (c, ids) => status(await points.clearPayload({ collectionName: c, wait: true, points: { pointsSelectorOneOf: { case: 'points', value: { ids: ids.map(pid) } } } })),
    queryNearest: async (c, v, color, limit) =>
      (await points.query({ collectionName: c, query: nearest(v), using: 'd', limit: BigInt(limit), withPayload: withPayload(), ...(color === undefined ? {} : { filter: colorFilter(color) }) })).result.map(grpcPoint),
    queryFusion: async (c, v, s) =>
      (
        await points.query({
          collectionName: c,
          prefetch: [
            { query: nearest(v), using: 'd', limit: 10n },
            { query: { variant: { case: 'nearest', value: { variant: { case: 'sparse', value: { indices: s[0], values: s[1] } } } } }, using: 's', limit: 10n },
          ],
          query: { variant: { case: 'fusion', value: 0 } },
          limit: 5n,
        })
      ).result.map(grpcPoint),
    queryOrderBy: async (c, limit) =>
      (
        await points.query({
          collectionName: c,
          query: { variant: { case: 'orderBy', value: { key: 'n', direction: 1 } } },
          limit: BigInt(limit),
          withPayload: { selectorOptions: { case: 'include', value: { fields: ['n'] } } },
        })
      ).result.map(grpcPoint),
    queryRecommend: async (c, positive, negative) =>
      (
        await points.query({
          collectionName: c,
          query: { variant: { case: 'recommend', value: { positive: positive.map((id) => ({ variant: { case: 'id', value: pid(id) } })), negative: negative.map((id) => ({ variant: { case: 'id', value: pid(id) } })) } } },
          using: 'd',
          limit: 4n,
        })
      ).result.map(grpcPoint),
    queryBatch: async (c, vs) => (await points.queryBatch({ collectionName: c, queryPoints: vs.map((v) => ({ collectionName: c, query: nearest(v), using: 'd', limit: 3n })) })).result.map((r) => r.result.map(grpcPoint)),
    queryGroups: async (c, v) => groups(await points.queryGroups({ collectionName: c, query: nearest(v), using: 'd', groupBy: 'color', groupSize: 2n, limit: 3n })),
    search: async (c, v, limit) => (await points.search({ collectionName: c, vector: v, vectorName: 'd', limit: BigInt(limit), withPayload: withPayload(), withVectors: withVectors() })).result.map(grpcPoint),
    searchBatch: async (c, vs) => (await points.searchBatch({ collectionName: c, searchPoints: vs.map((v) => ({ collectionName: c, vector: v, vectorName: 'd', limit: 2n })) })).result.map((r) => r.result.map(grpcPoint)),
    searchGroups: async (c, v) => groups(await points.searchGroups({ collectionName: c, vector: v, vectorName: 'd', groupBy: 'color', groupSize: 2, limit: 3 })),
    recommend: async (c, positive) => (await points.recommend({ collectionName: c, positive: positive.map(pid), using: 'd', limit: 3n })).result.map(grpcPoint),
    discover: async (c, target, pairs) =>
      (
        await points.discover({
          collectionName: c,
          target: { target: { case: 'single', value: { example: { case: 'id', value: pid(target) } } } },
          context: pairs.map(([p, n]) => ({ positive: { example: { case: 'id', value: pid(p) } }, negative: { example: { case: 'id', value: pid(n) } } })),
          using: 'd',
          limit: 3n,
        })
      ).result.map(grpcPoint),
    matrixPairs: async (c, sample) => {
      const r = await points.searchMatrixPairs({ collectionName: c, sample: BigInt(sample), limit: 2n, using: 'd' });
      return r.result!.pairs.map((p) => ({ a: fromPid(p.a), b: fromPid(p.b), score: f32(p.score) }));
    },
    facet: async (c, key) =>
      (await points.facet({ collectionName: c, key, exact: true })).hits.map((h: any) => ({ value: typeof h.value.variant.value === 'bigint' ? Number(h.value.variant.value) : h.value.variant.value, count: Number(h.count) })),
    createAlias: async (c, alias) => (await collections.updateAliases({ actions: [{ action: { case: 'createAlias', value: { collectionName: c, aliasName: alias } } }] })).result,
    aliases: async (c) => (await collections.listCollectionAliases({ collectionName: c })).aliases.map((a) => ({ alias_name: a.aliasName, collection_name: a.collectionName })),
    deleteByFilter: async (c, color) => status(await points.delete({ collectionName: c, wait: true, points: { pointsSelectorOneOf: { case: 'filter', value: colorFilter(color) } } })),
    snapshots: async (c) => {
      await client.api('snapshots').create({ collectionName: c });
      return (await client.api('snapshots').list({ collectionName: c })).snapshotDescriptions.length;
    },
    countEach: async (c) => Promise.all(FILTERS.map(async ([, , filter]) => Number((await points.count({ collectionName: c, filter, exact: true })).result!.count))),
    manage: async (c) => {
      const exists = (await collections.collectionExists({ collectionName: c })).result!.exists;
      const missing = (await collections.collectionExists({ collectionName: `${c}_missing` })).result!.exists;
      const updated = (await collections.update({ collectionName: c, optimizersConfig: { indexingThreshold: 1234n } })).result;
      const threshold = Number((await collections.get({ collectionName: c })).result!.config!.optimizerConfig!.indexingThreshold);
      const put = await points.createVectorName({ collectionName: c, wait: true, vectorName: 'extra', vectorConfig: { case: 'denseConfig', value: { size: 3n, distance: 1 } } });
      const names = Object.keys(((await collections.get({ collectionName: c })).result!.config!.params!.vectorsConfig!.config as any).value.map).sort();
      const del = await points.deleteVectorName({ collectionName: c, wait: true, vectorName: 'extra' });
      await points.deleteFieldIndex({ collectionName: c, fieldName: 'n', wait: true });
      const schema = Object.keys((await collections.get({ collectionName: c })).result!.payloadSchema).sort();
      const cluster = await collections.collectionClusterInfo({ collectionName: c });
      const shardKeys = (await collections.listShardKeys({ collectionName: c })).shardKeys;
      return {
        exists,
        missing,
        updated,
        threshold,
        vectorName: [put.result ? 200 : 0, del.result ? 200 : 0],
        names,
        schema,
        shards: cluster.localShards.map((l) => [l.shardId, Number(l.pointsCount)]),
        shardKeys,
      };
    },
    dropCollection: async (c) => [(await collections.delete({ collectionName: c })).result, (await collections.collectionExists({ collectionName: c })).result!.exists],
    queryEach: async (c) =>
      Promise.all(
        QUERIES.map(async ([name, , message]) => {
          const m: any = { ...message, collectionName: c };
          if (m.lookupFrom !== undefined) m.lookupFrom = { ...m.lookupFrom, collectionName: c };
          const found = (await points.query(m)).result.map(grpcPoint);
          return name.startsWith('sample') ? found.length : [found.map((p) => p.id), found.map((p) => p.score)];
        }),
      ),
  };
}

const COLORS = ['red', 'green', 'blue'];
const Q: number[] = [0.3, -0.2, 0.9, 0.1];
const DATA = Array.from({ length: 24 }, (_, i) => ({
  id: i % 6 === 5 ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : i + 1,
  d: [Math.sin(i), Math.cos(i), (i % 5) / 5, ((i * 7) % 11) / 11],
  s: [[i % 7, 10 + (i % 3)], [1 + (i % 4), 0.5]] as [number[], number[]],
  payload: {
    color: COLORS[i % 3]!,
    n: i,
    tags: ['a', i % 2 === 0 ? 'even' : 'odd'],
    ratio: i / 4,
    nested: { k: i % 4 },
    loc: { lat: 50 + i / 10, lon: 10 + i / 10 },
    when: `2024-01-${String(1 + i).padStart(2, '0')}T00:00:00Z`,
    items: [{ k: i % 3, w: i }, { k: 9, w: -i }],
    ...(i % 4 === 0 ? { opt: null } : i % 4 === 1 ? { opt: [] } : { opt: i }),
  },
}));

const F = (condition: Record<string, unknown>): any => ({ conditionOneOf: { case: Object.keys(condition)[0]!, value: Object.values(condition)[0] } });
const field = (key: string, rest: Record<string, unknown>): any => F({ field: { key, ...rest } });
const ts = (iso: string): any => ({ seconds: BigInt(Date.parse(iso) / 1000), nanos: 0 });

/** Every filter condition, in REST JSON and as the gRPC message. */
const FILTERS: ReadonlyArray<readonly [string, Record<string, unknown>, Record<string, unknown>]> = [
  ['match keyword', { must: [{ key: 'color', match: { value: 'red' } }] }, { must: [field('color', { match: { matchValue: { case: 'keyword', value: 'red' } } })] }],
  ['match integer', { must: [{ key: 'n', match: { value: 7 } }] }, { must: [field('n', { match: { matchValue: { case: 'integer', value: 7n } } })] }],
  ['match any keywords', { must: [{ key: 'color', match: { any: ['red', 'blue'] } }] }, { must: [field('color', { match: { matchValue: { case: 'keywords', value: { strings: ['red', 'blue'] } } } })] }],
  ['match any integers', { must: [{ key: 'n', match: { any: [1, 2, 3] } }] }, { must: [field('n', { match: { matchValue: { case: 'integers', value: { integers: [1n, 2n, 3n] } } } })] }],
  ['match except keywords', { must: [{ key: 'color', match: { except: ['red'] } }] }, { must: [field('color', { match: { matchValue: { case: 'exceptKeywords', value: { strings: ['red'] } } } })] }],
  ['match except integers', { must: [{ key: 'n', match: { except: [1, 2] } }] }, { must: [field('n', { match: { matchValue: { case: 'exceptIntegers', value: { integers: [1n, 2n] } } } })] }],
  ['match text', { must: [{ key: 'tags', match: { text: 'even' } }] }, { must: [field('tags', { match: { matchValue: { case: 'text', value: 'even' } } })] }],
  ['range', { must: [{ key: 'ratio', range: { gt: 1, lte: 3.5 } }] }, { must: [field('ratio', { range: { gt: 1, lte: 3.5 } })] }],
  ['datetime range', { must: [{ key: 'when', range: { gte: '2024-01-05T00:00:00Z', lt: '2024-01-10T00:00:00Z' } }] }, { must: [field('when', { datetimeRange: { gte: ts('2024-01-05T00:00:00Z'), lt: ts('2024-01-10T00:00:00Z') } })] }],
  ['geo bounding box', { must: [{ key: 'loc', geo_bounding_box: { top_left: { lat: 51, lon: 10 }, bottom_right: { lat: 50, lon: 11 } } }] }, { must: [field('loc', { geoBoundingBox: { topLeft: { lat: 51, lon: 10 }, bottomRight: { lat: 50, lon: 11 } } })] }],
  ['geo radius', { must: [{ key: 'loc', geo_radius: { center: { lat: 50, lon: 10 }, radius: 50000 } }] }, { must: [field('loc', { geoRadius: { center: { lat: 50, lon: 10 }, radius: 50000 } })] }],
  [
    'geo polygon',
    { must: [{ key: 'loc', geo_polygon: { exterior: { points: [{ lat: 50, lon: 10 }, { lat: 51, lon: 10 }, { lat: 51, lon: 11 }, { lat: 50, lon: 10 }] }, interiors: [] } }] },
    { must: [field('loc', { geoPolygon: { exterior: { points: [{ lat: 50, lon: 10 }, { lat: 51, lon: 10 }, { lat: 51, lon: 11 }, { lat: 50, lon: 10 }] }, interiors: [] } })] },
  ],
  ['values count', { must: [{ key: 'items', values_count: { gte: 2 } }] }, { must: [field('items', { valuesCount: { gte: 2n } })] }],
  ['is_empty', { must: [{ is_empty: { key: 'opt' } }] }, { must: [F({ isEmpty: { key: 'opt' } })] }],
  ['is_null', { must: [{ is_null: { key: 'opt' } }] }, { must: [F({ isNull: { key: 'opt' } })] }],
  ['has_id', { must: [{ has_id: [1, 2, 3, DATA[5]!.id] }] }, { must: [F({ hasId: { hasId: [pid(1), pid(2), pid(3), pid(DATA[5]!.id)] } })] }],
  ['has_vector', { must: [{ has_vector: 's' }] }, { must: [F({ hasVector: { hasVector: 's' } })] }],
  [
    'nested',
    { must: [{ nested: { key: 'items', filter: { must: [{ key: 'k', match: { value: 1 } }, { key: 'w', range: { gte: 5 } }] } } }] },
    { must: [F({ nested: { key: 'items', filter: { must: [field('k', { match: { matchValue: { case: 'integer', value: 1n } } }), field('w', { range: { gte: 5 } })] } } })] },
  ],
  [
    'should, must_not and a nested filter',
    { should: [{ key: 'color', match: { value: 'red' } }, { must: [{ key: 'n', range: { lt: 3 } }] }], must_not: [{ key: 'n', match: { value: 0 } }] },
    { should: [field('color', { match: { matchValue: { case: 'keyword', value: 'red' } } }), F({ filter: { must: [field('n', { range: { lt: 3 } })] } })], mustNot: [field('n', { match: { matchValue: { case: 'integer', value: 0n } } })] },
  ],
  [
    'min_should',
    { min_should: { conditions: [{ key: 'color', match: { value: 'red' } }, { key: 'n', range: { gte: 10 } }, { key: 'tags', match: { value: 'even' } }], min_count: 2 } },
    {
      minShould: {
        conditions: [field('color', { match: { matchValue: { case: 'keyword', value: 'red' } } }), field('n', { range: { gte: 10 } }), field('tags', { match: { matchValue: { case: 'keyword', value: 'even' } } })],
        minCount: 2n,
      },
    },
  ],
];

const nearestG = (v: number[]): any => ({ variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: v } } } } });
const idG = (id: number): any => ({ variant: { case: 'id', value: pid(id) } });

/** Query API variants, in REST JSON and as the gRPC `QueryPoints` (without the collection name). */
const QUERIES: ReadonlyArray<readonly [string, Record<string, unknown>, Record<string, unknown>]> = [
  ['mmr', { query: { nearest: Q, mmr: { diversity: 0.7, candidates_limit: 10 } }, using: 'd', limit: 4 }, { query: { variant: { case: 'nearestWithMmr', value: { nearest: nearestG(Q).variant.value, mmr: { diversity: 0.7, candidatesLimit: 10 } } } }, using: 'd', limit: 4n }],
  ['discover', { query: { discover: { target: 2, context: [{ positive: 8, negative: 9 }] } }, using: 'd', limit: 3 }, { query: { variant: { case: 'discover', value: { target: idG(2), context: { pairs: [{ positive: idG(8), negative: idG(9) }] } } } }, using: 'd', limit: 3n }],
  ['context', { query: { context: [{ positive: 8, negative: 9 }] }, using: 'd', limit: 3 }, { query: { variant: { case: 'context', value: { pairs: [{ positive: idG(8), negative: idG(9) }] } } }, using: 'd', limit: 3n }],
  ['recommend best_score', { query: { recommend: { positive: [1, 2], negative: [7], strategy: 'best_score' } }, using: 'd', limit: 3 }, { query: { variant: { case: 'recommend', value: { positive: [idG(1), idG(2)], negative: [idG(7)], strategy: 1 } } }, using: 'd', limit: 3n }],
  [
    'dbsf fusion with score threshold',
    { prefetch: [{ query: Q, using: 'd', limit: 8 }, { query: [1, 0, 0, 0], using: 'd', limit: 8 }], query: { fusion: 'dbsf' }, limit: 5 },
    { prefetch: [{ query: nearestG(Q), using: 'd', limit: 8n }, { query: nearestG([1, 0, 0, 0]), using: 'd', limit: 8n }], query: { variant: { case: 'fusion', value: 1 } }, limit: 5n },
  ],
  [
    'rrf with k and weights',
    { prefetch: [{ query: Q, using: 'd', limit: 8 }, { query: [1, 0, 0, 0], using: 'd', limit: 8 }], query: { rrf: { k: 5, weights: [1, 3] } }, limit: 5 },
    { prefetch: [{ query: nearestG(Q), using: 'd', limit: 8n }, { query: nearestG([1, 0, 0, 0]), using: 'd', limit: 8n }], query: { variant: { case: 'rrf', value: { k: 5, weights: [1, 3] } } }, limit: 5n },
  ],
  [
    'formula',
    { prefetch: [{ query: Q, using: 'd', limit: 10 }], query: { formula: { sum: ['$score', { mult: [0.01, 'n'] }, { key: 'color', match: { value: 'red' } }] }, defaults: { n: 0 } }, limit: 5 },
    {
      prefetch: [{ query: nearestG(Q), using: 'd', limit: 10n }],
      query: {
        variant: {
          case: 'formula',
          value: {
            expression: {
              variant: {
                case: 'sum',
                value: {
                  sum: [
                    { variant: { case: 'variable', value: '$score' } },
                    { variant: { case: 'mult', value: { mult: [{ variant: { case: 'constant', value: 0.01 } }, { variant: { case: 'variable', value: 'n' } }] } } },
                    { variant: { case: 'condition', value: field('color', { match: { matchValue: { case: 'keyword', value: 'red' } } }) } },
                  ],
                },
              },
            },
            defaults: toPayload({ n: 0 }),
          },
        },
      },
      limit: 5n,
    },
  ],
  ['order_by with start_from', { query: { order_by: { key: 'n', direction: 'asc', start_from: 5 } }, limit: 3 }, { query: { variant: { case: 'orderBy', value: { key: 'n', direction: 0, startFrom: { value: { case: 'float', value: 5 } } } } }, limit: 3n }],
  ['filter + score threshold + offset', { query: Q, using: 'd', filter: { must: [{ key: 'n', range: { gte: 3 } }] }, score_threshold: 0, offset: 2, limit: 3 }, { query: nearestG(Q), using: 'd', filter: { must: [field('n', { range: { gte: 3 } })] }, scoreThreshold: 0, offset: 2n, limit: 3n }],
  ['lookup_from another collection', { query: 1, using: 'd', lookup_from: { collection: 'LOOKUP', vector: 'd' }, limit: 3 }, { query: { variant: { case: 'nearest', value: idG(1) } }, using: 'd', lookupFrom: { collectionName: 'LOOKUP', vectorName: 'd' }, limit: 3n }],
  ['sample (count only)', { query: { sample: 'random' }, limit: 5 }, { query: { variant: { case: 'sample', value: 0 } }, limit: 5n }],
];

/** The scenario table: each step runs on one driver and one collection, in order. */
const STEPS: ReadonlyArray<readonly [string, (d: Driver, c: string) => Promise<unknown>]> = [
  ['create collection', (d, c) => d.createCollection(c)],
  ['create keyword index', (d, c) => d.createIndex(c, 'color', 'keyword')],
  ['create integer index', (d, c) => d.createIndex(c, 'n', 'integer')],
  ['upsert points', (d, c) => d.upsert(c, DATA)],
  ['collection info', (d, c) => d.info(c)],
  ['retrieve with payload and vectors', (d, c) => d.retrieve(c, [1, 2, DATA[5]!.id, 999])],
  ['count all', (d, c) => d.count(c)],
  ['count with filter', (d, c) => d.count(c, 'red')],
  ['scroll with range filter', (d, c) => d.scroll(c, 10, 5)],
  ['set payload', (d, c) => d.setPayload(c, [1, 2], { extra: 'x', big: 2 ** 40, f: 1.5 })],
  ['retrieve after set payload', (d, c) => d.retrieve(c, [1, 2])],
  ['delete payload key', (d, c) => d.deletePayload(c, [1], ['extra'])],
  ['overwrite payload', (d, c) => d.overwritePayload(c, [3], { color: 'red', n: 100 })],
  ['clear payload', (d, c) => d.clearPayload(c, [4])],
  ['retrieve after payload changes', (d, c) => d.retrieve(c, [1, 2, 3, 4])],
  ['create text index', (d, c) => d.createIndex(c, 'tags', 'text')],
  ['count with every filter condition', (d, c) => d.countEach(c)],
  ['query API variants (mmr, discover, context, fusion, rrf, formula, order_by, lookup_from, sample)', (d, c) => d.queryEach(c)],
  ['query nearest', (d, c) => d.queryNearest(c, Q, undefined, 5)],
  ['query nearest with filter', (d, c) => d.queryNearest(c, Q, 'green', 4)],
  ['query prefetch + rrf fusion', (d, c) => d.queryFusion(c, Q, [[1, 2, 10], [0.5, 1, 2]])],
  ['query order_by', (d, c) => d.queryOrderBy(c, 4)],
  ['query recommend', (d, c) => d.queryRecommend(c, [1, 2], [7])],
  ['query batch', (d, c) => d.queryBatch(c, [Q, [1, 0, 0, 0]])],
  ['query groups', (d, c) => d.queryGroups(c, Q)],
  ['search', (d, c) => d.search(c, Q, 3)],
  ['search batch', (d, c) => d.searchBatch(c, [Q, [0, 1, 0, 0]])],
  ['search groups', (d, c) => d.searchGroups(c, Q)],
  ['recommend', (d, c) => d.recommend(c, [1, 8])],
  ['discover', (d, c) => d.discover(c, 2, [[8, 9], [10, 11]])],
  ['matrix pairs over every point', (d, c) => d.matrixPairs(c, DATA.length)],
  ['facet', (d, c) => d.facet(c, 'color')],
  ['create alias', async (d, c) => (await d.createAlias(c, `${c}_alias`)) === true],
  ['list collection aliases (names relative to the collection)', async (d, c) => ((await d.aliases(c)) as any[]).map((a) => ({ alias: String(a.alias_name).replace(c, 'C'), collection: String(a.collection_name).replace(c, 'C') }))],
  ['delete by filter', (d, c) => d.deleteByFilter(c, 'blue')],
  ['count after delete', (d, c) => d.count(c)],
  ['create and list snapshots', (d, c) => d.snapshots(c)],
  ['collection management (exists, update, vector names, index removal, cluster info, shard keys)', (d, c) => d.manage(c)],
  [
    'delete collection',
    async (d, c) => {
      await d.createCollection(`${c}_2`);
      return d.dropCollection(`${c}_2`);
    },
  ],
];

describe('official gRPC client (js-client-grpc 1.19) vs REST client: identical results', () => {
  let app: TestApp;
  let rest: Driver;
  let grpc: Driver;
  let grpcClient: GrpcClient;
  before(async () => {
    app = await startTestApp();
    await app.app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.app.server.address();
    const restPort = typeof address === 'object' && address !== null ? address.port : 0;
    const g = await app.startGrpc('127.0.0.1', 0);
    rest = restDriver(new RestClient({ url: `http://127.0.0.1:${restPort}`, checkCompatibility: false }), `http://127.0.0.1:${restPort}`);
    grpcClient = new GrpcClient({ host: '127.0.0.1', port: g.port, checkCompatibility: false });
    grpc = grpcDriver(grpcClient);
  });
  after(async () => {
    await app.destroy();
  });

  for (const [name, step] of STEPS) {
    it(`${name}: same answer over REST and gRPC`, async () => {
      const viaRest = await step(rest, 'rest_c');
      const viaGrpc = await step(grpc, 'grpc_c');
      assert.deepEqual(viaGrpc, viaRest);
      // A step that answers nothing through both would prove nothing.
      assert.notEqual(JSON.stringify(viaRest), '[]');
    });
  }

  it('answers HealthCheck with Qdrant\'s title and a version', async () => {
    const r = await grpcClient.api('service').healthCheck({});
    assert.equal(r.title, 'qdrant - vector search engine');
    assert.match(r.version, /^\d+\.\d+\.\d+$/);
  });

  it('puts `time` in every response', async () => {
    const r = await grpcClient.api('collections').list({});
    assert.ok(r.time > 0 && r.time < 10);
    assert.deepEqual(r.collections.map((c) => c.name).sort(), ['grpc_c', 'rest_c']);
  });

  it('answers NOT_FOUND for a missing collection and INVALID_ARGUMENT for a wrong vector size', async () => {
    await assert.rejects(grpcClient.api('collections').get({ collectionName: 'nope' }), (e: any) => e.code === 5 && /doesn't exist/.test(e.rawMessage));
    await assert.rejects(
      grpcClient.api('points').upsert({ collectionName: 'grpc_c', wait: true, points: [{ id: pid(1), vectors: { vectorsOptions: { case: 'vectors', value: { vectors: { d: dense([1, 2]) } } } } }] }),
      (e: any) => e.code === 3 && /dimension/.test(e.rawMessage),
    );
    assert.equal(await grpc.count('grpc_c'), await rest.count('rest_c'));
  });

  it('keeps int64 payload integers as exact integers', async () => {
    const points = grpcClient.api('points');
    await points.setPayload({ collectionName: 'grpc_c', wait: true, payload: toPayload({ i: 2n ** 53n - 1n, d: 2.5 }), pointsSelector: { pointsSelectorOneOf: { case: 'points', value: { ids: [pid(1)] } } } });
    const [p] = (await points.get({ collectionName: 'grpc_c', ids: [pid(1)], withPayload: withPayload() })).result;
    assert.equal(p!.payload['i']!.kind.case, 'integerValue');
    assert.equal(p!.payload['i']!.kind.value, 2n ** 53n - 1n);
    assert.equal(p!.payload['d']!.kind.case, 'doubleValue');
    await points.setPayload({ collectionName: 'grpc_c', wait: true, payload: toPayload({ i: 2n ** 63n - 1n, j: -(2n ** 63n) }), pointsSelector: { pointsSelectorOneOf: { case: 'points', value: { ids: [pid(1)] } } } });
    const [q] = (await points.get({ collectionName: 'grpc_c', ids: [pid(1)], withPayload: withPayload() })).result;
    assert.deepEqual([q!.payload['i']!.kind.case, q!.payload['i']!.kind.value, q!.payload['j']!.kind.value], ['integerValue', 2n ** 63n - 1n, -(2n ** 63n)]);
  });
});
