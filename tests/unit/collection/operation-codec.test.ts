import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeOperation, encodeOperation, OPERATION_CODEC_VERSION } from '../../../src/collection/operation-codec.js';
import type { CollectionOperation, PointOperation } from '../../../src/collection/operation.js';
import type { NamedVectors } from '../../../src/collection/vectors.js';
import { parseFilter } from '../../../src/index/filter/parse.js';
import { isAppError } from '../../../src/errors.js';

function roundTrip(op: CollectionOperation): CollectionOperation {
  return decodeOperation(encodeOperation(op));
}

const vectors = (): NamedVectors =>
  new Map([
    ['', { kind: 'dense', data: new Float32Array([0.1, -0, 1e-45, 3.4028234663852886e38, -2.5]) }],
    ['__proto__', { kind: 'multi', rows: [new Float32Array([1, 2]), new Float32Array([3, 4])] }],
    ['naïve "sparse"', { kind: 'sparse', indices: new Uint32Array([0, 7, 4294967295]), values: new Float32Array([0.5, -1, 2]) }],
  ]);

const FILTER = parseFilter({
  must: [
    { key: 'city', match: { any: ['London', 'Berlin'] } },
    { key: 'n', range: { gte: 1, lt: 10.5 } },
    { has_id: [1, '3f1b0f1e-6a4c-4f55-9d2c-8b9b6a0c1d2e'] },
    { nested: { key: 'items', filter: { must: [{ key: 'sku', match: { value: 'a"b' } }] } } },
  ],
  should: [{ key: 'tags[]', match: { except: [1, 2] } }, { is_empty: { key: 'x."y.z"' } }, { has_vector: 'img' }],
  must_not: [{ key: 'geo', geo_radius: { center: { lat: 52.5, lon: 13.4 }, radius: 1000 } }],
  min_should: { conditions: [{ is_null: { key: 'k' } }, { key: 'when', range: { gt: '2024-01-01T00:00:00Z' } }], min_count: 1 },
});

/** A payload whose keys JavaScript treats specially: it must come back with the same own keys. */
const TRICKY_PAYLOAD = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "": [null, {"__proto__": 2}], "ключ": "значение"}') as Record<string, unknown>;

const OPERATIONS: ReadonlyArray<[string, PointOperation]> = [
  ['upsert', { type: 'upsert', mode: 'upsert', points: [{ id: 1, vectors: vectors(), payload: TRICKY_PAYLOAD }, { id: 'c0ffee00-0000-4000-8000-000000000000', vectors: new Map(), payload: null }] }],
  ['upsert with filter and shard key', { type: 'upsert', mode: 'update_only', points: [{ id: 2, vectors: vectors(), payload: {} }], updateFilter: FILTER, shardKey: 'tenant-a' }],
  ['delete by ids', { type: 'delete', selector: { kind: 'ids', ids: [1, 2, 'c0ffee00-0000-4000-8000-000000000000'] } }],
  ['delete by filter', { type: 'delete', selector: { kind: 'filter', filter: FILTER } }],
  ['update_vectors', { type: 'update_vectors', points: [{ id: 5, vectors: vectors() }], updateFilter: FILTER }],
  ['delete_vectors', { type: 'delete_vectors', selector: { kind: 'ids', ids: [5] }, names: ['', '__proto__'] }],
  ['set_payload with key', { type: 'set_payload', selector: { kind: 'filter', filter: FILTER }, payload: TRICKY_PAYLOAD, key: 'a.b[0]' }],
  ['set_payload', { type: 'set_payload', selector: { kind: 'ids', ids: [1] }, payload: { a: 1 } }],
  ['overwrite_payload', { type: 'overwrite_payload', selector: { kind: 'ids', ids: [1] }, payload: TRICKY_PAYLOAD }],
  ['delete_payload', { type: 'delete_payload', selector: { kind: 'ids', ids: [1] }, keys: ['__proto__', 'a.b'] }],
  ['clear_payload', { type: 'clear_payload', selector: { kind: 'filter', filter: FILTER } }],
];

describe('operation codec', () => {
  for (const [name, op] of OPERATIONS) {
    it(`round-trips ${name}`, () => assert.deepStrictEqual(roundTrip(op), op));
  }

  it('round-trips a batch and field index operations', () => {
    const batch: CollectionOperation = { type: 'batch', operations: OPERATIONS.map(([, op]) => op) };
    assert.deepStrictEqual(roundTrip(batch), batch);
    const create: CollectionOperation = { type: 'create_field_index', field: 'meta."a.b"', schema: { type: 'text', tokenizer: 'word', lowercase: true } };
    assert.deepStrictEqual(roundTrip(create), create);
    assert.deepStrictEqual(roundTrip({ type: 'delete_field_index', field: 'x' }), { type: 'delete_field_index', field: 'x' });
  });

  it('round-trips configuration, shard-key and vector-name changes (names of any spelling)', () => {
    const ops: CollectionOperation[] = [
      {
        type: 'update_collection',
        patch: {
          vectors: new Map([['__proto__', { hnsw_config: { m: 8 }, on_disk: true }], ['', { quantization_config: null }]]),
          params: { replication_factor: 2, on_disk_payload: false },
          hnsw: { ef_construct: 64, full_scan_threshold: 100 },
          optimizers: { indexing_threshold: 0 },
          quantization: 'disabled',
          sparseVectors: new Map([['naïve "sparse"', { modifier: 'idf' }]]),
          strictMode: { enabled: true, max_query_limit: 5 },
          metadata: JSON.parse('{"__proto__": {"x": 1}, "owner": "team"}') as Record<string, never>,
        },
      },
      { type: 'update_collection', patch: { quantization: { scalar: { type: 'int8', quantile: 0.99 } } } },
      { type: 'update_collection', patch: {} },
      { type: 'create_vector_name', name: 'image', vector: { kind: 'dense', params: { size: 4, distance: 'Cosine', multivector_config: { comparator: 'max_sim' } } } },
      { type: 'create_vector_name', name: 'text', vector: { kind: 'sparse', params: { modifier: 'idf' } } },
      { type: 'delete_vector_name', name: '__proto__' },
      { type: 'create_shard_key', key: 'tenant-a' },
      { type: 'create_shard_key', key: 9, shardsNumber: 3 },
      { type: 'delete_shard_key', key: 7 },
    ];
    for (const op of ops) {
      assert.deepStrictEqual(roundTrip(op), op, op.type);
      assert.deepStrictEqual(structuredClone(op), op, `${op.type} is plain data`);
    }
    const decoded = roundTrip(ops[0]!) as Extract<CollectionOperation, { type: 'update_collection' }>;
    assert.ok(Object.hasOwn(decoded.patch.metadata!, '__proto__'));
    assert.deepEqual([...decoded.patch.vectors!.keys()], ['__proto__', '']);
  });

  it('keeps float32 components bit for bit', () => {
    const op = roundTrip(OPERATIONS[0]![1]) as Extract<PointOperation, { type: 'upsert' }>;
    const dense = op.points[0]!.vectors.get('');
    assert.equal(dense?.kind, 'dense');
    const original = (vectors().get('') as { data: Float32Array }).data;
    const data = (dense as { data: Float32Array }).data;
    // The decoded row may be a view of a larger buffer (row-slab.ts): its own bytes are compared.
    assert.deepEqual(new Uint32Array(data.buffer, data.byteOffset, data.length), new Uint32Array(original.buffer.slice(0)));
    assert.ok(Object.is((dense as { data: Float32Array }).data[1], -0));
  });

  it('keeps `__proto__` payload keys as own data, never as a prototype', () => {
    const op = roundTrip(OPERATIONS[8]![1]) as Extract<PointOperation, { type: 'overwrite_payload' }>;
    assert.ok(Object.hasOwn(op.payload, '__proto__'));
    assert.equal(Object.getPrototypeOf(op.payload), Object.prototype);
    assert.deepEqual(Object.keys(op.payload), Object.keys(TRICKY_PAYLOAD));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('writes the version into every record and refuses other versions and garbage', () => {
    const text = encodeOperation({ type: 'delete', selector: { kind: 'ids', ids: [1] } });
    assert.equal((JSON.parse(text) as { v: number }).v, OPERATION_CODEC_VERSION);
    for (const bad of [text.replace('"v":1', '"v":3'), '{"v":1}', 'not json', '{"v":1,"op":{"type":"explode"}}']) {
      assert.throws(() => decodeOperation(bad), (e) => isAppError(e) && e.code === 'SERVICE_ERROR', bad);
    }
  });

  it('keeps 64-bit integers of payloads and filter values exactly (version 2), and large floats as floats', () => {
    const filter = parseFilter({ must: [{ key: 'n', match: { value: 2n ** 62n + 1n } }, { key: 'm', match: { any: [2n ** 63n - 1n, 3] } }, { key: 'r', range: { gt: -(2n ** 63n), lte: 2n ** 53n + 1n } }] });
    const payload = { a: 2n ** 63n - 1n, b: [-(2n ** 63n), { c: 2n ** 53n + 1n }], u: 2n ** 64n - 1n, f: 1e20, g: 2 ** 60, s: 9007199254740991 };
    const op: PointOperation = { type: 'upsert', mode: 'upsert', points: [{ id: 1, vectors: vectors(), payload }], updateFilter: filter };
    const text = encodeOperation(op);
    assert.equal((JSON.parse(text) as { v: number }).v, 2);
    assert.match(text, /"a":9223372036854775807,"b":\[-9223372036854775808,\{"c":9007199254740993\}\],"u":18446744073709551615,"f":1e\+20,"g":1\.152921504606847e\+18/);
    assert.deepStrictEqual(decodeOperation(text), op);
    // Without a bigint the record stays version 1, readable by a node that knows only version 1.
    assert.equal((JSON.parse(encodeOperation({ type: 'set_payload', selector: { kind: 'ids', ids: [1] }, payload: { f: 1e20 } })) as { v: number }).v, 1);
  });

  it('round-trips payloads holding any i64 / u64 integer and any double exactly', () => {
    const leaf = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }).map((n) => (n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n)), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.string());
    const payload = fc.dictionary(fc.string(), fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(fc.string(), leaf, { maxKeys: 3, noNullPrototype: true })), { maxKeys: 5, noNullPrototype: true });
    fc.assert(
      fc.property(payload, (p) => {
        const op: PointOperation = { type: 'overwrite_payload', selector: { kind: 'ids', ids: [1] }, payload: p };
        assert.deepStrictEqual(roundTrip(op), op);
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it('operations are plain data that survive structuredClone (a worker boundary)', () => {
    for (const [, op] of OPERATIONS) assert.deepStrictEqual(structuredClone(op), op);
  });

  it('round-trips arbitrary JSON payloads and ids', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', ''));
    const payload = fc.dictionary(key, fc.jsonValue(), { maxKeys: 6 });
    const id = fc.oneof(fc.nat(), fc.uuid());
    fc.assert(
      fc.property(payload, id, (p, pointId) => {
        const op: PointOperation = { type: 'upsert', mode: 'insert_only', points: [{ id: pointId, vectors: new Map(), payload: p }] };
        const back = roundTrip(op) as Extract<PointOperation, { type: 'upsert' }>;
        assert.deepStrictEqual(back.points[0]!.payload, JSON.parse(JSON.stringify(p)));
        assert.equal(back.points[0]!.id, pointId);
      }),
      { seed: 11, numRuns: 200 },
    );
  });
});
