import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_FILTER_DEPTH, parseFilter } from '../../../../src/index/filter/parse.js';
import type { FieldCondition } from '../../../../src/index/filter/types.js';
import { isAppError } from '../../../../src/errors.js';

function rejects(json: unknown, fragment: string): void {
  assert.throws(
    () => parseFilter(json),
    (e: unknown) => {
      assert.ok(isAppError(e), 'an AppError');
      assert.equal(e.code, 'BAD_REQUEST');
      assert.ok(e.message.startsWith('Bad request: '), e.message);
      assert.ok(e.message.includes(fragment), `"${e.message}" should contain "${fragment}"`);
      return true;
    },
  );
}

function field(json: unknown): FieldCondition {
  const f = parseFilter({ must: [json] });
  const c = f.must?.[0];
  assert.equal(c?.kind, 'field');
  return c;
}

describe('parseFilter: clauses', () => {
  it('accepts a single condition or an array, and keeps absent vs empty apart', () => {
    const f = parseFilter({ must: { key: 'a', match: { value: 1 } }, should: [], must_not: null });
    assert.equal(f.must?.length, 1);
    assert.deepEqual(f.should, []);
    assert.equal(f.mustNot, null);
    assert.equal(f.minShould, null);
  });

  it('parses min_should and nested filters as conditions', () => {
    const f = parseFilter({
      min_should: { conditions: [{ key: 'a', match: { value: 'x' } }, { must: [{ has_id: [1] }] }], min_count: 1 },
    });
    assert.equal(f.minShould?.minCount, 1);
    assert.equal(f.minShould?.conditions[1]?.kind, 'filter');
  });

  it('recognizes every condition kind', () => {
    const f = parseFilter({
      must: [
        { is_empty: { key: 'a' } },
        { is_null: { key: 'b' } },
        { has_id: [1, '550E8400-E29B-41D4-A716-446655440000', 1] },
        { has_vector: 'image' },
        { nested: { key: 'diet', filter: { must: [{ key: 'food', match: { value: 'meat' } }] } } },
        {},
      ],
    });
    assert.deepEqual(f.must?.map((c) => c.kind), ['is_empty', 'is_null', 'has_id', 'has_vector', 'nested', 'filter']);
    const hasId = f.must?.[2];
    assert.ok(hasId?.kind === 'has_id');
    assert.deepEqual(hasId.ids, [1, '550e8400-e29b-41d4-a716-446655440000']);
    assert.ok(hasId.set.has('550e8400-e29b-41d4-a716-446655440000'));
  });

  it('rejects unknown filter fields, bad clause shapes and unknown conditions', () => {
    rejects({ mustt: [] }, 'unknown field "mustt"');
    rejects({ must: 5 }, 'expected a condition or an array of conditions (at must)');
    rejects({ must: [{ foo: 1 }] }, 'unknown field "foo"');
    rejects({ must: [7] }, 'condition: expected an object (at must[0])');
    rejects([], 'filter: expected an object');
    rejects({ min_should: { conditions: [] } }, 'min_count');
    rejects({ min_should: { conditions: [], min_count: -1 } }, 'min_count');
  });

  it('rejects filters nested too deeply', () => {
    let f: Record<string, unknown> = { must: [] };
    for (let i = 0; i < MAX_FILTER_DEPTH + 2; i++) f = { must: [f] };
    rejects(f, 'nested deeper');
  });
});

describe('parseFilter: field conditions', () => {
  it('parses match variants in Qdrant order', () => {
    assert.deepEqual(field({ key: 'a', match: { value: 'x' } }).match, { kind: 'value', value: 'x' });
    assert.deepEqual(field({ key: 'a', match: { value: true } }).match, { kind: 'value', value: true });
    assert.deepEqual(field({ key: 'a', match: { text: 'good cheap' } }).match, { kind: 'text', text: 'good cheap' });
    assert.deepEqual(field({ key: 'a', match: { text_any: 'x y' } }).match, { kind: 'text_any', text: 'x y' });
    assert.deepEqual(field({ key: 'a', match: { phrase: 'x y' } }).match, { kind: 'phrase', text: 'x y' });
    const any = field({ key: 'a', match: { any: ['a', 'b'] } }).match;
    assert.ok(any?.kind === 'any' && any.keywords?.has('b') === true && any.integers === null);
    const ints = field({ key: 'a', match: { except: [1, 2] } }).match;
    assert.ok(ints?.kind === 'except' && ints.integers?.has(2) === true && ints.keywords === null);
    const empty = field({ key: 'a', match: { any: [] } }).match;
    assert.ok(empty?.kind === 'any' && empty.keywords?.size === 0, 'an empty list is a keyword list');
    assert.equal(field({ key: 'a', match: { value: 1, any: ['x'] } }).match?.kind, 'value');
  });

  it('rejects bad match values', () => {
    rejects({ must: [{ key: 'a', match: { value: 1.5 } }] }, 'match: expected a string, an integer or a boolean for value');
    rejects({ must: [{ key: 'a', match: { value: null } }] }, 'for value');
    rejects({ must: [{ key: 'a', match: { any: ['a', 1] } }] }, 'for any');
    rejects({ must: [{ key: 'a', match: { except: 'a' } }] }, 'for except');
    rejects({ must: [{ key: 'a', match: { text: 1 } }] }, 'expected a string for text');
    rejects({ must: [{ key: 'a', match: { foo: 1 } }] }, 'match: expected one of');
  });

  it('parses number and datetime ranges', () => {
    assert.deepEqual(field({ key: 'p', range: { gte: 1, lt: 2.5, gt: null } }).range, { kind: 'number', gt: null, gte: 1, lt: 2.5, lte: null });
    const dt = field({ key: 'd', range: { gte: '2023-02-08', lt: '2023-02-08T10:49:00+01:00' } }).range;
    assert.equal(dt?.kind, 'datetime');
    assert.equal(dt.gte, Date.UTC(2023, 1, 8) * 1000);
    assert.equal(dt.lt, Date.UTC(2023, 1, 8, 9, 49) * 1000);
    assert.deepEqual(field({ key: 'p', range: {} }).range, { kind: 'number', gt: null, gte: null, lt: null, lte: null });
  });

  it('names the bound and the location of a bad range', () => {
    rejects({ must: [{ key: 'p', range: { gte: true } }] }, 'range: expected a number for gte (at must[0], key "p")');
    rejects({ must: [{ key: 'p', range: { gte: 1, lt: '2020-01-01' } }] }, 'range: expected an RFC 3339 datetime string for gte');
    rejects({ must: [{ key: 'p', range: { gte: 'yesterday' } }] }, 'range: expected an RFC 3339 datetime for gte, got "yesterday"');
  });

  it('validates geo conditions', () => {
    const box = field({ key: 'l', geo_bounding_box: { top_left: { lat: 52.5, lon: 13.4 }, bottom_right: { lat: 52.4, lon: 13.5 } } });
    assert.deepEqual(box.geoBoundingBox, { topLeft: { lat: 52.5, lon: 13.4 }, bottomRight: { lat: 52.4, lon: 13.5 } });
    rejects({ must: [{ key: 'l', geo_radius: { center: { lat: 95, lon: 0 }, radius: 1 } }] }, 'Wrong format of GeoPoint payload: expected `lat` = 95 within [-90;90]');
    rejects({ must: [{ key: 'l', geo_radius: { center: { lat: 1, lon: 0 } } }] }, 'geo_radius: expected a number of meters for radius');
    const ring = [{ lat: 0, lon: 0 }, { lat: 0, lon: 1 }, { lat: 1, lon: 1 }, { lat: 0, lon: 0 }];
    assert.equal(field({ key: 'l', geo_polygon: { exterior: { points: ring } } }).geoPolygon?.exterior.length, 4);
    rejects({ must: [{ key: 'l', geo_polygon: { exterior: { points: ring.slice(0, 3) } } }] }, 'polygon invalid, the size must be at least 4, got 3');
    rejects(
      { must: [{ key: 'l', geo_polygon: { exterior: { points: [...ring.slice(0, 3), { lat: 2, lon: 2 }] } } }] },
      'the first and the last points should be the same',
    );
    rejects({ must: [{ key: 'l', geo_polygon: { exterior: { points: ring }, interiors: [{ points: [] }] } }] }, 'interiors[0]');
  });

  it('parses values_count, is_empty and is_null flags', () => {
    assert.deepEqual(field({ key: 'a', values_count: { gt: 1 } }).valuesCount, { gt: 1, gte: null, lt: null, lte: null });
    assert.equal(field({ key: 'a', is_empty: true }).isEmpty, true);
    assert.equal(field({ key: 'a', is_null: false }).isNull, false);
    rejects({ must: [{ key: 'a', values_count: { gt: -1 } }] }, 'values_count: expected a non-negative integer for gt');
  });

  it('requires at least one check and a valid key', () => {
    rejects({ must: [{ key: 'a' }] }, 'at least one field condition must be specified');
    rejects({ must: [{ key: 'a..b', match: { value: 1 } }] }, "invalid json path 'a..b'");
    rejects({ must: [{ key: 3, match: { value: 1 } }] }, 'key: expected a string');
  });

  it('reports bad ids in has_id', () => {
    rejects({ must: [{ has_id: [-1] }] }, 'has_id: Unable to parse point id -1');
    rejects({ must: [{ has_id: 'x' }] }, 'has_id: expected an array');
    rejects({ must: [{ nested: { key: 'a' } }] }, 'nested: missing filter');
  });
});
