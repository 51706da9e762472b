/**
 * Response conformance for tests: checks a whole response body (the `{result, status, time}`
 * envelope) against the schema Qdrant's OpenAPI document declares for the operation.
 *
 *   assertResponseMatchesSpec('get_collection', res.statusCode, res.json());
 *   assertResponseMatchesSpec('get_collection', 200, body, { strict: true }); // also no undeclared fields
 *
 * Stricter than the request validator where a server's output should be exact: UUIDs must be
 * canonical (lowercase, hyphenated), a 200 envelope must carry `result`, `status: "ok"` and `time`,
 * an error must carry `status.error` and `time`.
 */
import { strict as assert } from 'node:assert';
import type { Ajv, ValidateFunction } from 'ajv';
import spec from '../../src/api/rest/schemas/openapi.gen.json' with { type: 'json' };
import { createSpecAjv, describeErrors, rebaseSchema, SPEC_SCHEMA_ID } from '../../src/api/rest/schemas/validator.js';

type Schema = Record<string, unknown> | boolean;

interface OperationEntry {
  method: string;
  path: string;
  response: Schema | null;
  response202: Schema | null;
}

const definitions = spec.definitions as unknown as Record<string, Schema>;
const operations = spec.operations as unknown as Record<string, OperationEntry>;

export interface ResponseCheckOptions {
  /** Also reject object fields the spec does not declare (objects that list `properties`). */
  strict?: boolean;
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Adds `additionalProperties: false` to every object schema that lists properties and says nothing else. */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === 'properties'
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([name, s]) => [name, closeObjects(s)]))
      : closeObjects(v);
  }
  if (typeof out['properties'] === 'object' && !('additionalProperties' in out)) out['additionalProperties'] = false;
  return out;
}

const instances = new Map<boolean, Ajv>();
const cache = new Map<string, ValidateFunction>();

function ajvFor(strict: boolean): Ajv {
  let ajv = instances.get(strict);
  if (ajv === undefined) {
    const defs = strict
      ? Object.fromEntries(Object.entries(definitions).map(([name, s]) => [name, closeObjects(s) as Schema]))
      : definitions;
    ajv = createSpecAjv(defs);
    ajv.addFormat('uuid', CANONICAL_UUID);
    instances.set(strict, ajv);
  }
  return ajv;
}

const ENVELOPE_200 = {
  required: ['result', 'status', 'time'],
  properties: { status: { const: 'ok' }, time: { type: 'number' } },
};
const ENVELOPE_202 = { required: ['status', 'time'], properties: { time: { type: 'number' } } };
const ERROR_ENVELOPE = {
  required: ['status', 'time'],
  properties: {
    status: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
    time: { type: 'number' },
  },
};

function schemaFor(operationId: string, statusCode: number, strict: boolean): Schema {
  const op = Object.hasOwn(operations, operationId) ? operations[operationId] : undefined;
  if (op === undefined) assert.fail(`unknown operation \`${operationId}\` (not in the Qdrant spec)`);
  if (statusCode >= 400) return { allOf: [{ $ref: `${SPEC_SCHEMA_ID}#/definitions/ErrorResponse` }, ERROR_ENVELOPE] };
  if (statusCode !== 200 && statusCode !== 202) assert.fail(`${operationId}: status ${statusCode} has no response schema to check against`);
  const declared = statusCode === 200 ? op.response : op.response202;
  if (declared === null) assert.fail(`${operationId}: the spec declares no JSON ${statusCode} response`);
  const rebased = rebaseSchema(declared);
  const checked = strict ? (closeObjects(rebased) as Schema) : rebased;
  const properties = typeof declared === 'object' ? declared['properties'] : undefined;
  const hasEnvelope = typeof properties === 'object' && properties !== null && 'status' in properties;
  if (!hasEnvelope) return checked; // `root` (VersionInfo) and `get_issues` answer without an envelope
  return { allOf: [checked, statusCode === 200 ? ENVELOPE_200 : ENVELOPE_202] };
}

/**
 * Checks a response body; returns null when it conforms, or a readable description of the first
 * problem (path and reason) followed by ajv's raw errors.
 */
export function responseMismatch(operationId: string, statusCode: number, body: unknown, options: ResponseCheckOptions = {}): string | null {
  const strict = options.strict === true;
  const cacheKey = `${strict ? 'strict' : 'loose'}:${operationId}:${statusCode >= 400 ? 'error' : statusCode}`;
  let validate = cache.get(cacheKey);
  if (validate === undefined) {
    validate = ajvFor(strict).compile(schemaFor(operationId, statusCode, strict));
    cache.set(cacheKey, validate);
  }
  if (validate(body) === true) return null;
  const errors = validate.errors ?? [];
  const raw = errors.slice(0, 8).map((e) => `  ${e.instancePath || '/'} ${e.keyword}: ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  return [describeErrors(errors, body), ...raw].join('\n');
}

/** Fails with the operation, the status, what is wrong and where, and (the start of) the body. */
export function assertResponseMatchesSpec(operationId: string, statusCode: number, body: unknown, options: ResponseCheckOptions = {}): void {
  const problem = responseMismatch(operationId, statusCode, body, options);
  if (problem === null) return;
  let shown = JSON.stringify(body) ?? String(body);
  if (shown.length > 2000) shown = `${shown.slice(0, 2000)}…`;
  assert.fail(
    `${operationId} → ${statusCode}: response does not match qdrant-openapi-${spec.version}` +
    `${options.strict === true ? ' (strict)' : ''}: ${problem}\nbody: ${shown}`,
  );
}

/**
 * Request bodies taken from Qdrant's documentation (qdrant.tech/documentation), as
 * [operationId, title, body]: known-good inputs for the request validator, seeds for fuzzing, and
 * ready-made requests for integration tests.
 */
export const DOCUMENTED_REQUEST_BODIES: ReadonlyArray<readonly [operationId: string, title: string, body: unknown]> = [
  // --- collections ---
  ['create_collection', 'single unnamed vector', { vectors: { size: 4, distance: 'Dot' } }],
  ['create_collection', 'vector with on_disk and collection options', {
    vectors: { size: 768, distance: 'Cosine', on_disk: true },
    hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, payload_m: 16 },
    optimizers_config: { default_segment_number: 2, indexing_threshold: 20000, deleted_threshold: 0.2 },
    wal_config: { wal_capacity_mb: 32 },
    shard_number: 1,
    replication_factor: 1,
    write_consistency_factor: 1,
    on_disk_payload: true,
  }],
  ['create_collection', 'named vectors', {
    vectors: { image: { size: 4, distance: 'Dot' }, text: { size: 8, distance: 'Cosine' } },
  }],
  ['create_collection', 'sparse vectors only', { sparse_vectors: { text: {} } }],
  ['create_collection', 'dense + sparse with idf', {
    vectors: { dense: { size: 384, distance: 'Cosine' } },
    sparse_vectors: { text: { modifier: 'idf', index: { on_disk: false } } },
  }],
  ['create_collection', 'multivector', {
    vectors: { size: 128, distance: 'Cosine', multivector_config: { comparator: 'max_sim' } },
  }],
  ['create_collection', 'scalar quantization', {
    vectors: { size: 768, distance: 'Cosine' },
    quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
  }],
  ['create_collection', 'datatype and empty named map', { vectors: { size: 1024, distance: 'Euclid', datatype: 'float16' } }],
  ['update_collection', 'optimizer update', { optimizers_config: { indexing_threshold: 10000 } }],
  ['update_aliases', 'create and delete alias', {
    actions: [
      { create_alias: { collection_name: 'example_collection', alias_name: 'production_collection' } },
      { delete_alias: { alias_name: 'production_collection' } },
    ],
  }],
  ['create_field_index', 'keyword index', { field_name: 'name_of_the_field_to_index', field_schema: 'keyword' }],
  ['create_field_index', 'tenant keyword index', { field_name: 'group_id', field_schema: { type: 'keyword', is_tenant: true } }],
  ['create_field_index', 'full-text index', {
    field_name: 'name_of_the_field_to_index',
    field_schema: { type: 'text', tokenizer: 'word', min_token_len: 2, max_token_len: 10, lowercase: true },
  }],

  // --- points: writes ---
  ['upsert_points', 'list of points (README example)', {
    points: [
      { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { city: 'Berlin' } },
      { id: 2, vector: [0.19, 0.81, 0.75, 0.11], payload: { city: ['Berlin', 'London'] } },
      { id: 5, vector: [0.24, 0.18, 0.22, 0.44], payload: { count: [0] } },
      { id: 6, vector: [0.35, 0.08, 0.11, 0.44] },
    ],
  }],
  ['upsert_points', 'UUID ids, null payload', {
    points: [
      { id: '5c56c793-69f3-4fbf-87e6-c4bf54c28c26', payload: { color: 'red' }, vector: [0.9, 0.1, 0.1] },
      { id: '5C56C79369F34FBF87E6C4BF54C28C27', payload: null, vector: [0.1, 0.9, 0.1] },
    ],
  }],
  ['upsert_points', 'columnar batch', {
    batch: {
      ids: [1, 2, 3],
      payloads: [{ color: 'red' }, { color: 'green' }, { color: 'blue' }],
      vectors: [[0.9, 0.1, 0.1], [0.1, 0.9, 0.1], [0.1, 0.1, 0.9]],
    },
  }],
  ['upsert_points', 'columnar batch with named vectors and null payloads', {
    batch: {
      ids: [1, '58384991-3295-4e21-b711-fd3b94fa73e3'],
      vectors: { image: [[0.9, 0.1, 0.1, 0.2], [0.2, 0.1, 0.1, 0.9]], text: [{ indices: [1, 7], values: [0.5, 0.1] }, [0.1, 0.2]] },
      payloads: [null, { a: 1 }],
    },
  }],
  ['upsert_points', 'named vectors', {
    points: [{ id: 1, vector: { image: [0.9, 0.1, 0.1, 0.2], text: [0.4, 0.7, 0.1, 0.8, 0.1, 0.1, 0.9, 0.2] } }],
  }],
  ['upsert_points', 'sparse vectors', {
    points: [
      { id: 1, vector: { text: { indices: [6, 7], values: [1.0, 2.0] } } },
      { id: 2, vector: { text: { indices: [1, 1, 2, 3, 4, 5], values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6] } } },
    ],
  }],
  ['upsert_points', 'multivector', {
    points: [{ id: 1, vector: [[-0.013, 0.020, -0.007, -0.111], [-0.030, -0.055, 0.001, 0.072], [-0.041, 0.014, -0.032, -0.062]] }],
  }],
  ['upsert_points', 'shard key and update mode', {
    points: [{ id: 1111, vector: [0.1, 0.2, 0.3] }],
    shard_key: 'user_1',
    update_mode: 'insert_only',
  }],
  ['delete_points', 'by ids', { points: [0, 3, 100] }],
  ['delete_points', 'by filter', { filter: { must: [{ key: 'color', match: { value: 'red' } }] } }],
  ['set_payload', 'set payload', { payload: { property1: 'string', property2: 'string' }, points: [0, 3, 10] }],
  ['set_payload', 'set nested by key', { payload: { nested_property: 'qux' }, key: 'property1', filter: { must: [{ key: 'color', match: { value: 'red' } }] } }],
  ['overwrite_payload', 'overwrite payload', { payload: { property1: 'string' }, points: [0, 3, 10] }],
  ['delete_payload', 'delete keys', { keys: ['color', 'price'], points: [0, 3, 100] }],
  ['clear_payload', 'clear', { points: [0, 3, 100] }],
  ['update_vectors', 'update named vectors', { points: [{ id: 1, vector: { image: [0.1, 0.2, 0.3, 0.4] } }] }],
  ['delete_vectors', 'delete named vectors', { points: [0, 3, 100], vector: ['text', 'image'] }],
  ['batch_update', 'mixed operations', {
    operations: [
      { upsert: { points: [{ id: 1, vector: [1.0, 2.0, 3.0, 4.0], payload: {} }] } },
      { update_vectors: { points: [{ id: 1, vector: [1.0, 2.0, 3.0, 4.0] }] } },
      { delete_vectors: { points: [1], vector: [''] } },
      { overwrite_payload: { payload: { 'test_payload': '1' }, points: [1] } },
      { set_payload: { payload: { 'test_payload_2': '2', 'test_payload_3': '3' }, points: [1] } },
      { delete_payload: { keys: ['test_payload_2'], points: [1] } },
      { clear_payload: { points: [1] } },
      { delete: { points: [1] } },
    ],
  }],

  // --- points: reads ---
  ['get_points', 'retrieve', { ids: [0, 3, 100], with_payload: true, with_vector: false }],
  ['scroll_points', 'filter + limit', {
    filter: { must: [{ key: 'color', match: { value: 'red' } }] },
    limit: 1,
    with_payload: true,
    with_vector: false,
  }],
  ['scroll_points', 'order_by and offset', {
    limit: 15,
    order_by: { key: 'timestamp', direction: 'desc', start_from: '2024-01-01T00:00:00Z' },
  }],
  ['scroll_points', 'uuid offset and payload selector', {
    offset: '5c56c793-69f3-4fbf-87e6-c4bf54c28c26', limit: 10, with_payload: { include: ['city'] }, with_vector: ['image'],
  }],
  ['scroll_points', 'every condition kind', {
    filter: {
      must: [
        { key: 'city', match: { value: 'London' } },
        { key: 'count', match: { value: 0 } },
        { key: 'flag', match: { value: true } },
        { key: 'color', match: { any: ['black', 'yellow'] } },
        { key: 'color', match: { except: ['black', 'yellow'] } },
        { key: 'description', match: { text: 'good cheap' } },
        { key: 'price', range: { gt: null, gte: 100.0, lt: null, lte: 450.0 } },
        { key: 'date', range: { gt: '2023-02-08T10:49:00Z', lte: '2024-01-31 10:14:31' } },
        { key: 'location', geo_radius: { center: { lon: 13.403683, lat: 52.520711 }, radius: 1000.0 } },
        { key: 'location', geo_bounding_box: { bottom_right: { lon: 13.455868, lat: 52.495862 }, top_left: { lon: 13.403683, lat: 52.520711 } } },
        { key: 'comments', values_count: { gt: 2 } },
        { is_empty: { key: 'reports' } },
        { is_null: { key: 'reports' } },
        { has_id: [1, 3, 5, 7, 9, 11] },
        { has_vector: 'image' },
        { nested: { key: 'diet', filter: { must: [{ key: 'food', match: { value: 'meat' } }] } } },
      ],
      should: { key: 'city', match: { value: 'Berlin' } },
      must_not: [{ must: [{ key: 'city', match: { value: 'Moscow' } }] }],
      min_should: { conditions: [{ key: 'a', match: { value: 1 } }, { key: 'b', match: { value: 2 } }], min_count: 1 },
    },
  }],
  ['count_points', 'exact count with filter', { filter: { must: [{ key: 'color', match: { value: 'red' } }] }, exact: true }],
  ['count_points', 'empty body object', {}],
  ['search_points', 'README search', { vector: [0.2, 0.1, 0.9, 0.7], top: 3 }],
  ['search_points', 'named vector search', {
    vector: { name: 'image', vector: [0.2, 0.1, 0.9, 0.7] }, limit: 3, params: { hnsw_ef: 128, exact: false },
    with_payload: true, score_threshold: 0.5,
  }],
  ['search_batch_points', 'batch search', {
    searches: [
      { vector: [0.2, 0.1, 0.9, 0.7], limit: 3 },
      { vector: [0.5, 0.3, 0.2, 0.3], limit: 3, filter: { must: [{ key: 'city', match: { value: 'London' } }] } },
    ],
  }],
  ['recommend_points', 'recommend', { positive: [100, 231], negative: [718, [0.2, 0.3, 0.4, 0.5]], strategy: 'average_vector', limit: 3 }],
  ['query_points', 'nearest by vector', {
    query: [0.2, 0.1, 0.9, 0.7],
    filter: { must: [{ key: 'city', match: { value: 'London' } }] },
    limit: 3,
    with_payload: true,
  }],
  ['query_points', 'by point id', { query: '43cf51e2-8777-4f52-bc74-c2cbde0c8b04' }],
  ['query_points', 'nearest object, named', { query: { nearest: [0.2, 0.1, 0.9, 0.7] }, using: 'image', limit: 10, offset: 10 }],
  ['query_points', 'hybrid rrf', {
    prefetch: [
      { query: { indices: [1, 42], values: [0.22, 0.8] }, using: 'sparse', limit: 20 },
      { query: [0.01, 0.45, 0.67], using: 'dense', limit: 20 },
    ],
    query: { fusion: 'rrf' },
    limit: 10,
  }],
  ['query_points', 'order_by query', { query: { order_by: 'price' } }],
  ['query_points', 'recommend query', { query: { recommend: { positive: [100, 231], negative: [718] } } }],
  ['query_points', 'random sample', { query: { sample: 'random' } }],
  ['query_points', 'no query (scroll-like)', { filter: { must: [{ key: 'color', match: { value: 'red' } }] } }],
  ['query_batch_points', 'batch query', { searches: [{ query: [0.1, 0.2] }, { query: { nearest: [0.3, 0.4] }, limit: 1 }] }],
  ['query_points_groups', 'groups', { query: [0.01, 0.45, 0.67], group_by: 'document_id', limit: 4, group_size: 2 }],
  ['facet', 'facet', { key: 'size', filter: { must: { key: 'color', match: { value: 'red' } } } }],
  ['search_matrix_pairs', 'matrix', { sample: 10, limit: 2, filter: { must: { key: 'color', match: { value: 'red' } } } }],
  ['create_shard_key', 'create shard key', { shard_key: 'default' }],
  ['delete_shard_key', 'delete shard key', { shard_key: 'default' }],
  ['recover_from_snapshot', 'recover from URL', { location: 'http://qdrant-node-1:6333/collections/c/snapshots/s.snapshot', priority: 'snapshot' }],
];
