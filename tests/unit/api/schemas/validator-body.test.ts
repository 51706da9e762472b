import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AppError } from '../../../../src/errors.js';
import { hasBody, operationSpec, SPEC_OPERATIONS, validateBody } from '../../../../src/api/rest/schemas/validator.js';
import { DOCUMENTED_REQUEST_BODIES as VALID_BODIES } from '../../../support/openapi.js';

/** Asserts validateBody rejects `body` with a BODY_VALIDATION error whose message matches `pattern`. */
function rejects(operationId: string, body: unknown, pattern: RegExp): void {
  assert.throws(
    () => validateBody(operationId, body),
    (e: unknown) => {
      assert.ok(e instanceof AppError, `expected AppError, got ${String(e)}`);
      assert.equal(e.code, 'BODY_VALIDATION');
      assert.equal(e.kind, 'bad_input');
      assert.ok(e.message.startsWith('Format error in JSON body: '), e.message);
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('validateBody: bodies from the Qdrant docs pass', () => {
  for (const [operationId, title, body] of VALID_BODIES) {
    it(`${operationId}: ${title}`, () => {
      validateBody(operationId, body);
    });
  }
});

describe('validateBody: bad bodies fail, naming the field', () => {
  const cases: ReadonlyArray<readonly [string, string, unknown, RegExp]> = [
    ['create_collection', 'size of the wrong type', { vectors: { size: 'x', distance: 'Cosine' } },
      /: vectors\.size: expected an integer, got string "x"$/],
    ['create_collection', 'unknown distance', { vectors: { size: 4, distance: 'cosine' } },
      /vectors\.distance: unknown variant `cosine`, expected one of `Cosine`, `Euclid`, `Dot`, `Manhattan`$/],
    ['create_collection', 'named vector with a bad distance', { vectors: { a: { size: 4, distance: 'Dot' }, b: { size: 4, distance: 1 } } },
      /vectors\.b\.distance: expected one of `Cosine`/],
    ['create_collection', 'negative hnsw m', { vectors: { size: 4, distance: 'Dot' }, hnsw_config: { m: -1 } },
      /hnsw_config\.m: invalid value: integer `-1`, expected usize$/],
    ['create_collection', 'array body', [], /expected a CreateCollection object, got an array/],
    ['create_collection', 'null body', null, /expected a CreateCollection object, got null/],
    ['upsert_points', 'empty object', {}, /: missing field `batch` or `points`$/],
    ['upsert_points', 'point without vector', { points: [{ id: 1 }] }, /: points\[0\]: missing field `vector`$/],
    ['upsert_points', 'point without id', { points: [{ id: 1, vector: [1] }, { vector: [1] }] }, /points\[1\]: missing field `id`/],
    ['upsert_points', 'negative id', { points: [{ id: -5, vector: [1] }] },
      /points\[0\]\.id: expected a point id \(an unsigned integer or a UUID string\), got number -5$/],
    ['upsert_points', 'fractional id', { points: [{ id: 1.5, vector: [1] }] }, /points\[0\]\.id: .*got number 1\.5$/],
    ['upsert_points', 'id that is no UUID', { points: [{ id: 'not-a-uuid', vector: [1] }] }, /points\[0\]\.id: .*got string "not-a-uuid"$/],
    ['upsert_points', 'id of the wrong type', { points: [{ id: true, vector: [1] }] }, /points\[0\]\.id: .*got boolean true$/],
    ['upsert_points', 'vector as a string', { points: [{ id: 1, vector: 'abc' }] },
      /points\[0\]\.vector: expected a vector \(an array of numbers\).* got string "abc"$/],
    ['upsert_points', 'string inside a vector', { points: [{ id: 1, vector: [0.1, 'x'] }] },
      /points\[0\]\.vector\[1\]: expected a number, got string "x"$/],
    ['upsert_points', 'string inside a multivector', { points: [{ id: 1, vector: [[0.1, 0.2], [0.3, null]] }] },
      /points\[0\]\.vector\[1\]\[1\]: expected a number, got null$/],
    ['upsert_points', 'sparse vector without values', { points: [{ id: 1, vector: { text: { indices: [1] } } }] },
      /points\[0\]\.vector\.text: missing field `values`$/],
    ['upsert_points', 'sparse values of the wrong type', { points: [{ id: 1, vector: { text: { indices: [1], values: 'a' } } }] },
      /points\[0\]\.vector\.text\.values: expected an array of numbers, got string "a"$/],
    ['upsert_points', 'negative sparse index', { points: [{ id: 1, vector: { text: { indices: [-1], values: [1] } } }] },
      /points\[0\]\.vector\.text\.indices\[0\]: invalid value: integer `-1`, expected u32$/],
    ['upsert_points', 'named vector key that is no identifier', { points: [{ id: 1, vector: { 'image-embeddings': 7 } }] },
      /points\[0\]\.vector\["image-embeddings"\]: expected a dense vector/],
    ['upsert_points', 'payload that is no object', { points: [{ id: 1, vector: [1], payload: [1, 2] }] },
      /points\[0\]\.payload: expected a Payload object or null, got an array$/],
    ['upsert_points', 'bad id in a batch', { batch: { ids: [1, -2], vectors: [[1], [2]] } }, /batch\.ids\[1\]: expected a point id/],
    ['upsert_points', 'bad number in a batch', { batch: { ids: [1], vectors: [[1, true]] } }, /batch\.vectors\[0\]\[1\]: expected a number, got boolean true$/],
    ['upsert_points', 'batch without vectors', { batch: { ids: [1] } }, /batch: missing field `vectors`$/],
    ['upsert_points', 'unknown update_mode', { points: [], update_mode: 'sometimes' }, /update_mode: unknown variant `sometimes`/],
    ['upsert_points', 'float beyond f32', { points: [{ id: 1, vector: [1e39] }] }, /points\[0\]\.vector\[0\]: expected a finite 32-bit float, got number 1e\+39$/],
    ['delete_points', 'negative id in a selector', { points: [1, -2] }, /points\[1\]: expected a point id/],
    ['scroll_points', 'limit of the wrong type', { limit: 'ten' }, /: limit: expected an integer or null, got string "ten"$/],
    ['scroll_points', 'unknown filter clause', { filter: { mustt: [] } },
      /filter: unknown field `mustt`, expected one of `should`, `min_should`, `must`, `must_not`$/],
    ['scroll_points', 'match value of the wrong type', { filter: { must: [{ key: 'a', match: { value: 1.5 } }] } },
      /filter\.must\[0\]\.match\.value: expected a string, an integer or a boolean, got number 1\.5$/],
    ['scroll_points', 'condition of no known kind', { filter: { must: [{ foo: 1 }] } },
      /filter\.must\[0\]: missing field `key`, `is_empty`, `is_null`, `has_id`, `has_vector`, `slice` or `nested`$/],
    ['scroll_points', 'bad datetime in a range', { filter: { must: [{ key: 'd', range: { gt: '31/01/2024' } }] } },
      /filter\.must\[0\]\.range\.gt: expected /],
    ['scroll_points', 'bad nested filter', { filter: { should: [{ must_not: [{ key: 'a', match: { any: 'x' } }] }] } },
      /filter\.should\[0\]\.must_not\[0\]\.match/],
    ['count_points', 'exact of the wrong type', { exact: 'yes' }, /exact: expected a boolean, got string "yes"$/],
    ['search_points', 'missing limit', { vector: [1, 2] }, /: missing field `limit` or `top`$/],
    ['search_points', 'missing vector', { limit: 1 }, /: missing field `vector`$/],
    ['query_points', 'negative limit', { query: [0.1], limit: -1 }, /limit: invalid value: integer `-1`, expected usize$/],
    ['query_points', 'string inside nearest', { query: { nearest: [1, 'a'] } }, /query\.nearest\[1\]: expected a number, got string "a"$/],
    ['query_points', 'query of the wrong type', { query: true }, /query: .*got boolean true$/],
    ['query_points', 'unknown fusion', { query: { fusion: 'avg' } }, /query\.fusion: unknown variant `avg`, expected one of `rrf`, `dbsf`$/],
    ['batch_update', 'unknown operation', { operations: [{ upsertt: {} }] }, /operations\[0\]: missing field `upsert`, `delete`/],
    ['create_field_index', 'unknown schema type', { field_name: 'x', field_schema: 'foo' }, /field_schema: unknown variant `foo`/],
    ['update_aliases', 'missing actions', {}, /: missing field `actions`$/],
    // The client's text is quoted with control characters escaped: the message stays one line.
    ['create_collection', 'a distance with a line break', { vectors: { size: 4, distance: 'Dot\n' } },
      /vectors\.distance: unknown variant `Dot\\u000a`, expected one of `Cosine`/],
    ['scroll_points', 'an unknown filter clause with a line break', { filter: { 'must\r\n': [] } },
      /filter: unknown field `must\\u000d\\u000a`, expected one of `should`/],
  ];
  for (const [operationId, title, body, pattern] of cases) {
    it(`${operationId}: ${title}`, () => rejects(operationId, body, pattern));
  }
});

describe('validateBody: a body that parses but breaks a constraint is a validation error (422)', () => {
  const cases: ReadonlyArray<readonly [string, string, unknown, string]> = [
    ['scroll_points', 'limit zero', { limit: 0 }, 'Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]'],
    ['search_points', 'limit zero', { vector: [1], limit: 0 }, 'Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]'],
    ['create_collection', 'size zero', { vectors: { size: 0, distance: 'Dot' } }, 'Validation error in JSON body: [vectors.size: value 0 invalid, must be from 1 to 65536]'],
    ['create_collection', 'size above 65536', { vectors: { size: 65537, distance: 'Dot' } }, 'Validation error in JSON body: [vectors.size: value 65537 invalid, must be from 1 to 65536]'],
  ];
  for (const [operationId, title, body, message] of cases) {
    it(`${operationId}: ${title}`, () => {
      assert.throws(
        () => validateBody(operationId, body),
        (e: unknown) => e instanceof AppError && e.code === 'VALIDATION' && e.kind === 'unprocessable' && e.message === message,
      );
    });
  }
});

describe('validateBody: guards', () => {
  it('a missing body fails where the operation takes one, like serde on empty input', () => {
    rejects('upsert_points', undefined, /EOF while parsing a value/);
    assert.equal(operationSpec('upsert_points')?.bodyRequired, true);
  });

  it('operations without a JSON body accept anything', () => {
    assert.equal(hasBody('get_collection'), false);
    validateBody('get_collection', undefined);
    validateBody('get_collection', { whatever: 1 });
    assert.equal(hasBody('recover_from_uploaded_snapshot'), false, 'multipart bodies are not validated here');
  });

  it('rejects NaN and Infinity anywhere, payloads included', () => {
    rejects('upsert_points', { points: [{ id: 1, vector: [0.1, Number.NaN] }] }, /points\[0\]\.vector\[1\]: expected a finite number, got NaN$/);
    rejects('upsert_points', { points: [{ id: 1, vector: [1], payload: { a: { b: [Infinity] } } }] },
      /points\[0\]\.payload\.a\.b\[0\]: expected a finite number, got Infinity$/);
    rejects('search_points', { vector: [1], limit: -Infinity }, /limit: expected a finite number/);
  });

  it('rejects nesting deeper than serde_json allows, and cycles, without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    rejects('upsert_points', { points: [{ id: 1, vector: [1], payload: deep }] }, /recursion limit exceeded/);

    let filter: Record<string, unknown> = {};
    for (let i = 0; i < 5_000; i++) filter = { must: [filter] };
    rejects('scroll_points', { filter }, /recursion limit exceeded/);

    const cyclic: Record<string, unknown> = { must: [] };
    (cyclic['must'] as unknown[]).push(cyclic);
    rejects('scroll_points', { filter: cyclic }, /recursion limit exceeded/);

    let ok: unknown = 1;
    for (let i = 0; i < 100; i++) ok = { a: ok };
    validateBody('upsert_points', { points: [{ id: 1, vector: [1], payload: ok }] });
  });

  it('objects that throw when read become AppErrors', () => {
    const hostile = new Proxy({}, {
      ownKeys() {
        throw new Error('boom');
      },
    });
    rejects('upsert_points', { points: [{ id: 1, vector: [1], payload: hostile }] }, /cannot be validated/);
    const getter = Object.defineProperty({}, 'points', {
      enumerable: true,
      get() {
        throw new TypeError('nope');
      },
    });
    rejects('upsert_points', getter, /cannot be validated/);
  });

  it('an unknown operation id is a server error, not a crash', () => {
    assert.throws(() => validateBody('no_such_op', {}), (e: unknown) => e instanceof AppError && e.code === 'SERVICE_ERROR');
    assert.throws(() => hasBody('no_such_op'), (e: unknown) => e instanceof AppError && e.code === 'SERVICE_ERROR');
    assert.equal(operationSpec('no_such_op'), undefined);
    assert.equal(operationSpec('toString'), undefined);
  });

  it('accepts the serde aliases Qdrant accepts (`top`, `with_vectors`)', () => {
    validateBody('search_points', { vector: [1], top: 3, with_vectors: true });
    rejects('scroll_points', { with_vectors: 'yes' }, /with_vectors: expected a boolean or an array of vector names, got string "yes"$/);
  });

  it('unknown fields are ignored where Qdrant ignores them', () => {
    validateBody('create_collection', { vectors: { size: 4, distance: 'Dot' }, something_new: { x: 1 } });
  });
});

describe('operation table', () => {
  it('lists every spec operation with method and path', () => {
    assert.equal(SPEC_OPERATIONS.length, 77);
    assert.ok(Object.isFrozen(SPEC_OPERATIONS));
    assert.deepEqual(operationSpec('upsert_points'), { method: 'PUT', path: '/collections/{collection_name}/points', bodyRequired: true });
    assert.deepEqual(operationSpec('get_collection'), { method: 'GET', path: '/collections/{collection_name}', bodyRequired: false });
    assert.deepEqual(operationSpec('query_points'), { method: 'POST', path: '/collections/{collection_name}/points/query', bodyRequired: true });
    for (const id of SPEC_OPERATIONS) {
      const op = operationSpec(id)!;
      assert.match(op.method, /^(GET|PUT|POST|PATCH|DELETE)$/);
      assert.ok(op.path.startsWith('/'));
      assert.equal(op.bodyRequired, hasBody(id));
    }
  });
});
