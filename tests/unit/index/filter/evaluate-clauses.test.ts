import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ids, one } from './helpers.js';
import type { TestPoint } from './helpers.js';

// The example collection from Qdrant's filtering documentation.
const CITIES: TestPoint[] = [
  { id: 1, payload: { city: 'London', color: 'green' } },
  { id: 2, payload: { city: 'London', color: 'red' } },
  { id: 3, payload: { city: 'London', color: 'blue' } },
  { id: 4, payload: { city: 'Berlin', color: 'red' } },
  { id: 5, payload: { city: 'Moscow', color: 'green' } },
  { id: 6, payload: { city: 'Moscow', color: 'blue' } },
];
const london = { key: 'city', match: { value: 'London' } };
const red = { key: 'color', match: { value: 'red' } };

describe('filter clauses', () => {
  it('must is AND', () => assert.deepEqual(ids(CITIES, { must: [london, red] }), [2]));
  it('should is OR', () => assert.deepEqual(ids(CITIES, { should: [london, red] }), [1, 2, 3, 4]));
  it('must_not excludes every listed condition', () => assert.deepEqual(ids(CITIES, { must_not: [london, red] }), [5, 6]));
  it('clauses combine with AND', () => assert.deepEqual(ids(CITIES, { must: [london], must_not: [red] }), [1, 3]));
  it('filters nest recursively', () => assert.deepEqual(ids(CITIES, { must_not: [{ must: [london, red] }] }), [1, 3, 4, 5, 6]));
  it('an empty filter matches everything', () => assert.deepEqual(ids(CITIES, {}), [1, 2, 3, 4, 5, 6]));
  it('an empty must / must_not matches everything', () => assert.deepEqual(ids(CITIES, { must: [], must_not: [] }).length, 6));
  it('an empty should matches nothing (Qdrant #554)', () => assert.deepEqual(ids(CITIES, { should: [] }), []));
  it('a single condition may replace the array', () => assert.deepEqual(ids(CITIES, { must: london, must_not: red }), [1, 3]));

  describe('min_should', () => {
    const green = { key: 'color', match: { value: 'green' } };
    const berlin = { key: 'city', match: { value: 'Berlin' } };
    it('needs min_count of the conditions', () => {
      assert.deepEqual(ids(CITIES, { min_should: { conditions: [london, red, green], min_count: 2 } }), [1, 2]);
      assert.deepEqual(ids(CITIES, { min_should: { conditions: [london, red, berlin], min_count: 2 } }), [2, 4]);
      assert.deepEqual(ids(CITIES, { min_should: { conditions: [london, red], min_count: 1 } }), [1, 2, 3, 4]);
    });
    it('matches everything with min_count 0 and nothing when min_count exceeds the conditions', () => {
      assert.equal(ids(CITIES, { min_should: { conditions: [london], min_count: 0 } }).length, 6);
      assert.deepEqual(ids(CITIES, { min_should: { conditions: [london], min_count: 2 } }), []);
      assert.deepEqual(ids(CITIES, { min_should: { conditions: [], min_count: 1 } }), []);
    });
    it('combines with the other clauses', () => {
      assert.deepEqual(ids(CITIES, { must_not: [red], min_should: { conditions: [london, green], min_count: 2 } }), [1]);
    });
  });
});

describe('has_id and has_vector', () => {
  const points: TestPoint[] = [
    { id: 1, vectors: [''] },
    { id: 2, vectors: ['image'] },
    { id: '550e8400-e29b-41d4-a716-446655440000', vectors: ['', 'image'] },
  ];
  it('has_id matches integer ids and UUIDs in any accepted form', () => {
    assert.deepEqual(ids(points, { must: [{ has_id: [2, '550E8400E29B41D4A716446655440000'] }] }), [2, '550e8400-e29b-41d4-a716-446655440000']);
    assert.deepEqual(ids(points, { must_not: [{ has_id: [1, 2] }] }), ['550e8400-e29b-41d4-a716-446655440000']);
  });
  it('has_vector tests the named vector ("" is the default one)', () => {
    assert.deepEqual(ids(points, { must: [{ has_vector: 'image' }] }), [2, '550e8400-e29b-41d4-a716-446655440000']);
    assert.deepEqual(ids(points, { must: [{ has_vector: '' }] }), [1, '550e8400-e29b-41d4-a716-446655440000']);
  });
});

describe('is_empty, is_null and values_count (Qdrant query_checker cases)', () => {
  const payload = {
    location: { lon: 13.404954, lat: 52.520008 },
    price: 499.9,
    amount: 10,
    rating: [3, 7, 9, 9],
    color: 'red',
    has_delivery: true,
    shipped_at: '2020-02-15T00:00:00Z',
    parts: [],
    packaging: null,
    not_null: [true],
    null_array: [null, 1],
  };
  const isEmpty = (key: string): boolean => one(payload, { is_empty: { key } });
  const isNull = (key: string): boolean => one(payload, { is_null: { key } });

  it('is_empty: missing, null and [] are empty; values are not', () => {
    assert.equal(isEmpty('price'), false);
    assert.equal(isEmpty('something_new'), true);
    assert.equal(isEmpty('parts'), true);
    assert.equal(isEmpty('packaging'), true);
    assert.equal(isEmpty('not_null'), false);
    assert.equal(isEmpty('null_array'), false);
    assert.equal(one(undefined, { is_empty: { key: 'x' } }), true);
  });

  it('is_null: only an explicit null (or an array holding one)', () => {
    assert.equal(isNull('amount'), false);
    assert.equal(isNull('parts'), false);
    assert.equal(isNull('something_else'), false);
    assert.equal(isNull('packaging'), true);
    assert.equal(isNull('not_null'), false);
    assert.equal(isNull('null_array'), true);
  });

  it('is_empty / is_null also work as field condition flags, including on missing fields', () => {
    assert.equal(one(payload, { key: 'parts', is_empty: true }), true);
    assert.equal(one(payload, { key: 'price', is_empty: false }), true);
    assert.equal(one(payload, { key: 'missing', is_empty: true }), true);
    assert.equal(one(payload, { key: 'missing', is_empty: false }), false);
    assert.equal(one(payload, { key: 'packaging', is_null: true }), true);
    assert.equal(one(payload, { key: 'missing', is_null: true }), false);
    assert.equal(one(payload, { key: 'missing', is_null: false }), true);
    assert.equal(one(payload, { key: 'null_array', is_null: true }), true);
  });

  it('values_count counts array elements; a scalar is one value, null is none', () => {
    assert.equal(one(payload, { key: 'rating', values_count: { gte: 10 } }), false);
    assert.equal(one(payload, { key: 'rating', values_count: { lt: 5 } }), true);
    assert.equal(one(payload, { key: 'rating', values_count: { gt: 3, lte: 4 } }), true);
    assert.equal(one(payload, { key: 'color', values_count: { gte: 1, lte: 1 } }), true);
    assert.equal(one(payload, { key: 'packaging', values_count: { lt: 1 } }), true);
    assert.equal(one(payload, { key: 'parts', values_count: { lt: 1 } }), true);
  });

  it('values_count does not match a missing field (Qdrant #9065)', () => {
    assert.equal(one(payload, { key: 'missing', values_count: { lte: 0 } }), false);
  });
});

describe('nested', () => {
  const dinosaurs: TestPoint[] = [
    { id: 1, payload: { dinosaur: 't-rex', diet: [{ food: 'leaves', likes: false }, { food: 'meat', likes: true }] } },
    { id: 2, payload: { dinosaur: 'diplodocus', diet: [{ food: 'leaves', likes: true }, { food: 'meat', likes: false }] } },
    { id: 3, payload: { dinosaur: 'unknown', diet: { food: 'meat', likes: true } } },
  ];
  const meat = { key: 'food', match: { value: 'meat' } };
  const likes = { key: 'likes', match: { value: true } };

  it('without nested, conditions match across array elements', () => {
    assert.deepEqual(ids(dinosaurs, { must: [{ key: 'diet[].food', match: { value: 'meat' } }, { key: 'diet[].likes', match: { value: true } }] }), [1, 2]);
  });

  it('nested requires one element to match the whole filter', () => {
    assert.deepEqual(ids(dinosaurs, { must: [{ nested: { key: 'diet', filter: { must: [meat, likes] } } }] }), [1]);
    assert.deepEqual(ids(dinosaurs, { must: [{ nested: { key: 'diet[]', filter: { must: [meat, likes] } } }] }), [1]);
  });

  it('nested only walks arrays of objects', () => {
    assert.deepEqual(ids(dinosaurs, { must: [{ nested: { key: 'diet', filter: { must: [meat] } } }] }), [1, 2]);
  });

  it('must_not inside nested applies per element', () => {
    assert.deepEqual(ids(dinosaurs, { must: [{ nested: { key: 'diet', filter: { must: [meat], must_not: [likes] } } }] }), [2]);
  });

  it('has_id inside nested never matches', () => {
    assert.deepEqual(ids(dinosaurs, { must: [{ nested: { key: 'diet', filter: { must: [{ has_id: [1] }] } } }] }), []);
  });

  it('nested filters nest', () => {
    const pts: TestPoint[] = [
      { id: 1, payload: { a: [{ b: [{ c: 1, d: 2 }, { c: 3, d: 4 }] }] } },
      { id: 2, payload: { a: [{ b: [{ c: 1, d: 4 }] }] } },
    ];
    const inner = { nested: { key: 'b', filter: { must: [{ key: 'c', match: { value: 1 } }, { key: 'd', match: { value: 4 } }] } } };
    assert.deepEqual(ids(pts, { must: [{ nested: { key: 'a', filter: { must: [inner] } } }] }), [2]);
  });
});
