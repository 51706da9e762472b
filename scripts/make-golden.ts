/**
 * Makes the golden fixtures of Quiver's stored formats (`tests/fixtures/golden/v1/`; `v2/` holds the store and
 * snapshots of storage format 2 (shard ids of custom keys), `v3/` those of storage format 3 and snapshot format 2
 * (exact 64-bit integers): the formats that changed).
 *
 *   node --import tsx scripts/make-golden.ts OUT-DIR      # e.g. tests/fixtures/golden/v2 for a new version
 *
 * The fixtures are a contract: they were made ONCE by the code of the day and are committed; tests assert that
 * every later Quiver still reads them to the same content. This script documents how each file was made. It is
 * never run by the tests, and it refuses to overwrite a directory: committed fixtures are never regenerated. When a
 * format changes, bump its version and write a new `vN/` next to `v1/` (see README "Upgrading"). (Since v1 was
 * made, the keys file gained `version: 1` and audit directories `audit.format`: a run today writes those too.)
 *
 * What it makes (all through the public REST API of an in-process server, except the audit log and keys file):
 * - `store/`: a storage directory (`quiver.mdb`, `indexes/<uuid>/<vector>.hnsw`) holding
 *   - `golden`: named dense vectors (Cosine, Euclid), a multivector (max_sim), a sparse vector (idf), non-default
 *     hnsw / optimizer / payload settings, integer and UUID ids, odd payloads, nine payload indexes of eight
 *     types, and a history (a deleted point, overwritten vectors and payloads);
 *   - `sharded`: custom sharding with the shard keys `"eu"` and `7` (since v2 made after a key `"gone"` of two
 *     shards, deleted at the end, so their shard ids are 3 and 4);
 *   - `indexed`: 200 points of dimension 4 above a 1 KiB indexing threshold, so its HNSW graph image is saved;
 *   - aliases `golden-alias` → golden and `current` → indexed;
 *   - (since v3: store format 3, snapshot format 2) `exact`: payloads holding 64-bit integers beyond ±(2^53−1)
 *     ({@link EXACT_PAYLOADS}) with an integer index, written as exact JSON.
 * - `snapshots/golden.snapshot` (collection snapshot of `golden`), `snapshots/full.snapshot` (full snapshot) and
 *   (since v3) `snapshots/exact.snapshot`.
 * - `audit/`: an audit directory of 5 chained lines and its checkpoint, keyed with `audit.key` (the file's bytes
 *   derive the key, as for `audit.hmac_key_file`).
 * - `api-keys.yaml`: a named-keys file for the plaintext keys in {@link GOLDEN_KEYS}.
 *
 * `v2/` and `v3/` keep only `store/` and `snapshots/` (the formats that changed); its audit log and keys file were removed,
 * as those formats are still version 1.
 *
 * The LMDB file is copied with compaction (`backup(path, true)`), so it holds only used pages (tens of KB).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { open } from 'lmdb';
import { pino } from 'pino';
import { loadConfig } from '../src/config/load.js';
import { createServer } from '../src/server.js';
import { JsonlFileSink } from '../src/auth/audit/file-sink.js';
import { keyFromFile } from '../src/auth/audit/key.js';
import { hashApiKey, writeKeysFile } from '../src/auth/keys-file.js';
import { parseAccessClaim } from '../src/auth/access.js';
import { parseExactJson, stringifyJson } from '../src/exact-json.js';

/** The `exact` collection's payloads by point id (v3 on). Repeated in the golden test. */
const EXACT_PAYLOADS: Record<number, Record<string, unknown>> = {
  1: { n: 2n ** 62n, max: 2n ** 63n - 1n, min: -(2n ** 63n), nested: { deep: [1, { x: 2n ** 53n + 1n }] }, u: 2n ** 64n - 1n, f: 1e20 },
  2: { n: 2n ** 62n + 1n, list: [2n ** 53n, -(2n ** 53n) - 1n, 7], f: 0.5 },
};

/** Plaintext keys of `api-keys.yaml` (the file stores only their SHA-256). Repeated in the golden test. */
const GOLDEN_KEYS = {
  reader: 'qvk_golden-reader-0000000000000000000000000000000000000',
  writer: 'qvk_golden-writer-1111111111111111111111111111111111111',
  expired: 'qvk_golden-expired-222222222222222222222222222222222222',
} as const;

/** The `indexed` collection's vector for point id `i` (0..199); the golden test computes the same. */
function indexedVector(i: number): number[] {
  return [((i * 37) % 101) / 101, ((i * 53) % 97) / 97, ((i * 71) % 89) / 89, ((i * 13) % 83) / 83];
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (arg === undefined) throw new Error('usage: node --import tsx scripts/make-golden.ts OUT-DIR');
  const OUT = resolve(arg);
  if (existsSync(OUT)) throw new Error(`${OUT} exists: golden fixtures are never regenerated; write a new version directory`);
  const work = mkdtempSync(join(tmpdir(), 'quiver-golden-'));
  const config = loadConfig({
    cwd: work,
    env: { QDRANT__STORAGE__STORAGE_PATH: join(work, 'storage'), QDRANT__STORAGE__SNAPSHOTS_PATH: join(work, 'snapshots') },
    warn: () => undefined,
  });
  const server = await createServer(config, { logger: pino({ level: 'silent' }) });
  const call = async (method: string, url: string, body?: unknown): Promise<any> => {
    const res = await server.app.inject({ method: method as 'GET', url, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { payload: stringifyJson(body) }) });
    if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return (parseExactJson(res.body) as { result: any }).result;
  };

  // ---- golden: every kind of vector, odd payloads, payload indexes, a history
  await call('PUT', '/collections/golden', {
    vectors: {
      text: { size: 4, distance: 'Cosine' },
      image: { size: 3, distance: 'Euclid', on_disk: true },
      colbert: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } },
    },
    sparse_vectors: { kw: { modifier: 'idf' } },
    hnsw_config: { m: 8, ef_construct: 64, full_scan_threshold: 5000 },
    optimizers_config: { indexing_threshold: 0, default_segment_number: 2 },
    on_disk_payload: false,
  });
  const indexes: Array<[string, unknown]> = [
    ['tag', { type: 'keyword', is_tenant: true }],
    ['count', { type: 'integer', lookup: true, range: true }],
    ['score', 'float'],
    ['location', 'geo'],
    ['title', { type: 'text', tokenizer: 'word', lowercase: true, min_token_len: 2, max_token_len: 20 }],
    ['flag', 'bool'],
    ['created', 'datetime'],
    ['ref', 'uuid'],
    ['meta.level', 'keyword'],
  ];
  for (const [field_name, field_schema] of indexes) await call('PUT', '/collections/golden/index?wait=true', { field_name, field_schema });
  await call('PUT', '/collections/golden/points?wait=true', {
    points: [
      {
        id: 0,
        vector: { text: [1, 0, 0, 0], image: [0.5, -1.25, 3], colbert: [[1, 2], [3, 4], [-5, 0.5]], kw: { indices: [7, 2, 100000], values: [0.5, 1.5, -2] } },
        payload: { tag: 'alpha', count: 3, score: 0.1, flag: true, title: 'Hello Golden World', created: '2026-01-02T03:04:05Z', ref: '0f0e0d0c-0b0a-4908-8706-050403020100' },
      },
      {
        id: 1,
        vector: { text: [0.1, 0.2, 0.3, 0.4] },
        payload: {
          tag: ['beta', 'gamma'],
          count: [-7, 9007199254740991],
          location: { lon: 13.404954, lat: 52.520008 },
          meta: { level: 'deep', nested: { list: [1, 'two', null, { three: [3.5] }], empty: {}, none: [] } },
          'dotted.key': 'literal dot',
          unicode: 'zürich ✓ 日本 🚀',
          escapes: 'tab\tquote"backslash\\newline\n',
          big: 1e300,
          tiny: -5e-324,
          negzero: -0,
          nothing: null,
          blank: '',
        },
      },
      { id: 42, vector: { kw: { indices: [1], values: [1] } }, payload: null },
      { id: 9007199254740991, vector: { image: [1, 2, 3], colbert: [[0, 0]] }, payload: { score: -3.75, flag: false } },
      { id: '550e8400-e29b-41d4-a716-446655440000', vector: { text: [0, 3, 0, 4] }, payload: { tag: 'uuid', created: '1999-12-31T23:59:59.999+02:00' } },
      { id: 'F9168C5E-CEB2-4FAA-B6BF-329BF39FA1E4', vector: { text: [2, 2, 2, 2] }, payload: { tag: 'upper-case id' } },
      { id: 7, vector: { text: [1, 1, 1, 1] }, payload: { tag: 'deleted' } },
    ],
  });
  // History: a deleted point, overwritten vectors and payloads, a removed payload key.
  await call('POST', '/collections/golden/points/delete?wait=true', { points: [7] });
  await call('PUT', '/collections/golden/points/vectors?wait=true', { points: [{ id: 42, vector: { image: [9, 8, 7] } }] });
  await call('POST', '/collections/golden/points/payload?wait=true', { payload: { count: 5 }, points: ['550e8400-e29b-41d4-a716-446655440000'] });
  await call('POST', '/collections/golden/points/payload/delete?wait=true', { keys: ['flag'], points: [0] });

  // ---- sharded: custom sharding with a string and an integer shard key
  await call('PUT', '/collections/sharded', { vectors: { size: 2, distance: 'Manhattan' }, sharding_method: 'custom', shard_number: 1 });
  // (v2) a key of two shards made first and deleted last: `eu` and 7 keep shard ids 3 and 4 (storage format 2)
  await call('PUT', '/collections/sharded/shards', { shard_key: 'gone', shards_number: 2 });
  await call('PUT', '/collections/sharded/shards', { shard_key: 'eu' });
  await call('PUT', '/collections/sharded/shards', { shard_key: 7 });
  await call('POST', '/collections/sharded/shards/delete', { shard_key: 'gone' });
  await call('PUT', '/collections/sharded/points?wait=true', { shard_key: 'eu', points: [{ id: 1, vector: [1, 0], payload: { city: 'Paris' } }] });
  await call('PUT', '/collections/sharded/points?wait=true', { shard_key: 7, points: [{ id: 2, vector: [0, 1], payload: { city: 'Tokyo' } }] });

  // ---- indexed: above the indexing threshold, so the HNSW graph is built and its image saved
  await call('PUT', '/collections/indexed', { vectors: { size: 4, distance: 'Euclid' }, hnsw_config: { m: 4, ef_construct: 16 }, optimizers_config: { indexing_threshold: 1 } });
  await call('PUT', '/collections/indexed/points?wait=true', {
    points: Array.from({ length: 200 }, (_, i) => ({ id: i, vector: indexedVector(i), payload: { i } })),
  });
  for (;;) {
    const info = await call('GET', '/collections/indexed');
    if (info.status === 'green' && info.indexed_vectors_count === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }

  await call('POST', '/collections/aliases', {
    actions: [{ create_alias: { collection_name: 'golden', alias_name: 'golden-alias' } }, { create_alias: { collection_name: 'indexed', alias_name: 'current' } }],
  });

  // ---- exact (v3): 64-bit integers beyond ±(2^53−1), an integer index on `n`
  await call('PUT', '/collections/exact', { vectors: { size: 2, distance: 'Dot' } });
  await call('PUT', '/collections/exact/index?wait=true', { field_name: 'n', field_schema: 'integer' });
  await call('PUT', '/collections/exact/points?wait=true', { points: Object.entries(EXACT_PAYLOADS).map(([id, payload]) => ({ id: Number(id), vector: [1, Number(id)], payload })) });

  // ---- snapshots
  const exactSnapshot = await call('POST', '/collections/exact/snapshots?wait=true');
  const collectionSnapshot = await call('POST', '/collections/golden/snapshots?wait=true');
  const fullSnapshot = await call('POST', '/snapshots?wait=true');
  await server.close();

  mkdirSync(join(OUT, 'snapshots'), { recursive: true });
  copyFileSync(join(work, 'snapshots', 'golden', collectionSnapshot.name), join(OUT, 'snapshots', 'golden.snapshot'));
  copyFileSync(join(work, 'snapshots', fullSnapshot.name), join(OUT, 'snapshots', 'full.snapshot'));
  copyFileSync(join(work, 'snapshots', 'exact', exactSnapshot.name), join(OUT, 'snapshots', 'exact.snapshot'));

  // ---- store: the LMDB file compacted (only used pages), index images as they are
  mkdirSync(join(OUT, 'store'), { recursive: true });
  const env = open({ path: join(work, 'storage', 'quiver.mdb'), maxDbs: 10_000, readOnly: true });
  await env.backup(join(OUT, 'store', 'quiver.mdb'), true);
  await env.close();
  cpSync(join(work, 'storage', 'indexes'), join(OUT, 'store', 'indexes'), { recursive: true });

  // ---- audit log: 5 lines, fixed timestamps, key derived from audit.key
  mkdirSync(join(OUT, 'audit'), { recursive: true });
  writeFileSync(join(OUT, 'audit.key'), 'golden audit key v1\n');
  const sink = new JsonlFileSink({ dir: join(OUT, 'audit'), rotation: 'daily', maxLogFiles: 7, failClosed: true, hmacKey: keyFromFile(join(OUT, 'audit.key')) });
  const events = [
    { timestamp: '2030-06-01T10:00:00.000Z', method: 'create_collection', api: '/collections/{collection_name}', auth_type: 'ApiKey', collection: 'docs', remote: '127.0.0.1', result: 'ok' },
    { timestamp: '2030-06-01T10:00:01.000Z', method: 'upsert_points', api: '/collections/{collection_name}/points', auth_type: 'Jwt', subject: 'alice', collection: 'docs', result: 'ok' },
    { timestamp: '2030-06-01T10:00:02.000Z', method: 'delete_collection', api: '/collections/{collection_name}', auth_type: 'ApiKey', key_name: 'ci', collection: 'docs', result: 'denied', error: 'Forbidden: Global access is required' },
    { timestamp: '2030-06-01T10:00:03.000Z', api: '/collections', auth_type: 'None', remote: '10.0.0.7', result: 'denied', error: 'Must provide an API key or an Authorization bearer token' },
    { timestamp: '2030-06-02T00:00:00.000Z', method: 'get_collections', api: '/collections', auth_type: 'ApiKey', tracing_id: 'trace-ü-1', result: 'ok' },
  ] as const;
  for (const e of events) await sink.write(e);
  await sink.close();

  // ---- named keys file
  const created = new Date('2026-01-01T00:00:00Z');
  writeKeysFile(join(OUT, 'api-keys.yaml'), [
    { name: 'reader', hash: hashApiKey(GOLDEN_KEYS.reader), access: parseAccessClaim('r'), createdAt: created },
    { name: 'writer.docs', hash: hashApiKey(GOLDEN_KEYS.writer), access: parseAccessClaim([{ collection: 'golden', access: 'rw' }]), expiresAt: new Date('2099-01-01T00:00:00Z'), createdAt: created },
    { name: 'expired', hash: hashApiKey(GOLDEN_KEYS.expired), access: parseAccessClaim('m'), expiresAt: new Date('2020-01-01T00:00:00Z'), createdAt: created },
  ]);

  rmSync(work, { recursive: true, force: true });
  const list = (dir: string, prefix = ''): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) list(p, `${prefix}${name}/`);
      else process.stdout.write(`${statSync(p).size}\t${prefix}${name}\n`);
    }
  };
  list(OUT);
}

await main();
