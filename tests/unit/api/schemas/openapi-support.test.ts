import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { assertResponseMatchesSpec, responseMismatch } from '../../../support/openapi.js';

const COLLECTION_INFO = {
  status: 'green',
  optimizer_status: 'ok',
  indexed_vectors_count: 0,
  points_count: 6,
  segments_count: 2,
  config: {
    params: {
      vectors: { size: 4, distance: 'Dot' },
      shard_number: 1,
      replication_factor: 1,
      write_consistency_factor: 1,
      on_disk_payload: true,
      sparse_vectors: { text: { modifier: 'idf' } },
    },
    hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
    optimizer_config: {
      deleted_threshold: 0.2,
      vacuum_min_vector_number: 1000,
      default_segment_number: 0,
      max_segment_size: null,
      memmap_threshold: null,
      indexing_threshold: 10000,
      flush_interval_sec: 5,
      max_optimization_threads: null,
    },
    wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0, wal_retain_closed: 1 },
    quantization_config: null,
    strict_mode_config: { enabled: false },
  },
  payload_schema: { city: { data_type: 'keyword', params: { type: 'keyword', is_tenant: false }, points: 3 } },
  update_queue: { length: 0 },
};

function fails(operationId: string, status: number, body: unknown, pattern: RegExp, options?: { strict?: boolean }): void {
  assert.throws(
    () => assertResponseMatchesSpec(operationId, status, body, options),
    (e: unknown) => {
      assert.ok(e instanceof assert.AssertionError, String(e));
      assert.match(e.message, new RegExp(`^${operationId} → ${status}: response does not match qdrant-openapi-1\\.19`));
      assert.match(e.message, pattern);
      assert.match(e.message, /\nbody: /);
      return true;
    },
  );
}

describe('assertResponseMatchesSpec: conforming responses', () => {
  const ok: ReadonlyArray<readonly [string, number, unknown]> = [
    ['get_collections', 200, { result: { collections: [{ name: 'test_collection' }] }, status: 'ok', time: 0.0001 }],
    ['create_collection', 200, { result: true, status: 'ok', time: 0.031 }],
    ['get_collection', 200, { result: COLLECTION_INFO, status: 'ok', time: 2.1199e-5 }],
    ['upsert_points', 200, { result: { operation_id: 0, status: 'completed' }, status: 'ok', time: 0.000206 }],
    ['upsert_points', 200, { result: { operation_id: null, status: 'acknowledged' }, status: 'ok', time: 0 }],
    ['scroll_points', 200, {
      result: {
        points: [
          { id: 1, payload: { city: 'Berlin' }, vector: [0.05, 0.61, 0.76, 0.74] },
          { id: '5c56c793-69f3-4fbf-87e6-c4bf54c28c26', payload: null, vector: { image: [0.1], text: { indices: [1], values: [0.5] } } },
        ],
        next_page_offset: 7,
      },
      status: 'ok',
      time: 0.0001,
    }],
    ['query_points', 200, { result: { points: [{ id: 4, version: 0, score: 1.362, payload: null }] }, status: 'ok', time: 0.00005 }],
    ['count_points', 200, { result: { count: 3 }, status: 'ok', time: 0.0001 }],
    ['get_point', 200, { result: { id: 1, payload: {}, vector: null }, status: 'ok', time: 0.0001 }],
    ['root', 200, { title: 'qdrant - vector search engine', version: '1.18.0', commit: null }],
    ['create_snapshot', 202, { status: 'accepted', time: 0.0 }],
    ['get_collection', 404, { status: { error: "Not found: Collection `missing` doesn't exist!" }, time: 0.000013 }],
    ['upsert_points', 400, { status: { error: 'Format error in JSON body: missing field `points`' }, time: 0, result: null }],
  ];
  for (const [op, status, body] of ok) {
    it(`${op} ${status}`, () => {
      assertResponseMatchesSpec(op, status, body);
      assert.equal(responseMismatch(op, status, body), null);
    });
  }

  it('strict mode accepts exactly the declared fields', () => {
    assertResponseMatchesSpec('get_collection', 200, { result: COLLECTION_INFO, status: 'ok', time: 0.1 }, { strict: true });
    assertResponseMatchesSpec('get_collection', 404, { status: { error: 'x' }, time: 0.1 }, { strict: true });
  });
});

describe('assertResponseMatchesSpec: failures say what and where', () => {
  it('envelope problems', () => {
    fails('create_collection', 200, { status: 'ok', time: 0.1 }, /missing field `result`/);
    fails('create_collection', 200, { result: true, status: 'error', time: 0.1 }, /status/);
    fails('create_collection', 200, { result: true, status: 'ok' }, /missing field `time`/);
    fails('get_collection', 404, { status: 'not found', time: 0.1 }, /status: expected an object/);
    fails('get_collection', 500, { status: {}, time: 0.1 }, /status: missing field `error`/);
  });

  it('result problems name the path', () => {
    fails('upsert_points', 200, { result: { operation_id: 1, status: 'done' }, status: 'ok', time: 0 },
      /result\.status: unknown variant `done`, expected one of `acknowledged`, `completed`, `wait_timeout`/);
    fails('scroll_points', 200, { result: { points: [{ id: -1 }] }, status: 'ok', time: 0 }, /result\.points\[0\]\.id: /);
    fails('query_points', 200, { result: { points: [{ id: 1, score: 0.5 }] }, status: 'ok', time: 0 }, /result\.points\[0\]: missing field `version`/);
    fails('get_collection', 200, { result: { ...COLLECTION_INFO, segments_count: '2' }, status: 'ok', time: 0 }, /result\.segments_count: expected an integer/);
  });

  it('UUIDs in responses must be canonical', () => {
    fails('get_point', 200, { result: { id: '5C56C793-69F3-4FBF-87E6-C4BF54C28C26' }, status: 'ok', time: 0 }, /result\.id: /);
  });

  it('strict mode rejects undeclared fields; the default does not', () => {
    const body = { result: { count: 3, exact: true }, status: 'ok', time: 0 };
    assertResponseMatchesSpec('count_points', 200, body);
    fails('count_points', 200, body, /result: unknown field `exact`, expected one of `count`/, { strict: true });
  });

  it('operations and statuses without a JSON schema', () => {
    assert.throws(() => assertResponseMatchesSpec('no_such_op', 200, {}), /unknown operation `no_such_op`/);
    assert.throws(() => assertResponseMatchesSpec('metrics', 200, ''), /declares no JSON 200 response/);
    assert.throws(() => assertResponseMatchesSpec('get_collection', 204, {}), /status 204 has no response schema/);
  });
});
