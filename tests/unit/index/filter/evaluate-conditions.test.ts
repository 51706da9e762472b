import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FieldIndexes } from '../../../../src/index/payload/field-indexes.js';
import { ids, one } from './helpers.js';
import type { TestPoint } from './helpers.js';

describe('match', () => {
  it('value matches keywords, integers and booleans by type', () => {
    assert.equal(one({ a: 'red' }, { key: 'a', match: { value: 'red' } }), true);
    assert.equal(one({ a: 'Red' }, { key: 'a', match: { value: 'red' } }), false, 'keywords are case-sensitive');
    assert.equal(one({ a: 0 }, { key: 'a', match: { value: 0 } }), true);
    assert.equal(one({ a: '0' }, { key: 'a', match: { value: 0 } }), false);
    assert.equal(one({ a: 0.5 }, { key: 'a', match: { value: 0 } }), false);
    assert.equal(one({ a: true }, { key: 'a', match: { value: true } }), true);
    assert.equal(one({ a: 1 }, { key: 'a', match: { value: true } }), false);
  });

  it('on arrays, one element must match (nested arrays are not flattened)', () => {
    assert.equal(one({ a: ['x', 'red'] }, { key: 'a', match: { value: 'red' } }), true);
    assert.equal(one({ a: [['red']] }, { key: 'a', match: { value: 'red' } }), false);
    assert.equal(one({ a: [] }, { key: 'a', match: { value: 'red' } }), false);
  });

  it('any is IN', () => {
    assert.equal(one({ a: 'black' }, { key: 'a', match: { any: ['black', 'yellow'] } }), true);
    assert.equal(one({ a: ['black', 'green'] }, { key: 'a', match: { any: ['black', 'yellow'] } }), true);
    assert.equal(one({ a: 'green' }, { key: 'a', match: { any: ['black', 'yellow'] } }), false);
    assert.equal(one({ a: 3 }, { key: 'a', match: { any: [1, 3] } }), true);
    assert.equal(one({ a: '3' }, { key: 'a', match: { any: [1, 3] } }), false);
    assert.equal(one({ a: 'x' }, { key: 'a', match: { any: [] } }), false);
  });

  it('except is NOT IN: some value outside the list; other types count, null and missing do not', () => {
    const except = { key: 'a', match: { except: ['black', 'yellow'] } };
    assert.equal(one({ a: 'green' }, except), true);
    assert.equal(one({ a: 'black' }, except), false);
    assert.equal(one({ a: ['black', 'green'] }, except), true, 'Qdrant docs example');
    assert.equal(one({ a: ['black', 'yellow'] }, except), false);
    assert.equal(one({ a: 5 }, except), true);
    assert.equal(one({ a: true }, except), true);
    assert.equal(one({ a: { x: 1 } }, except), true);
    assert.equal(one({ a: [['black']] }, except), true);
    assert.equal(one({ a: null }, except), false);
    assert.equal(one({ a: [] }, except), false);
    assert.equal(one({}, except), false);
    assert.equal(one({ a: 2.5 }, { key: 'a', match: { except: [1, 2] } }), true);
    assert.equal(one({ a: 2 }, { key: 'a', match: { except: [1, 2] } }), false);
    assert.equal(one({ a: 'x' }, { key: 'a', match: { except: [] } }), true);
  });

  it('text without a text index is a substring test; text_any tests each word', () => {
    assert.equal(one({ d: 'good and cheap' }, { key: 'd', match: { text: 'good' } }), true);
    assert.equal(one({ d: 'goodness' }, { key: 'd', match: { text: 'good' } }), true);
    assert.equal(one({ d: 'good and cheap' }, { key: 'd', match: { text: 'good cheap' } }), false);
    assert.equal(one({ d: 'cheap stuff' }, { key: 'd', match: { text_any: 'good cheap' } }), true);
    assert.equal(one({ d: 'x' }, { key: 'd', match: { text_any: '  ' } }), false);
    assert.equal(one({ d: 'a good cheap b' }, { key: 'd', match: { phrase: 'good cheap' } }), true);
    assert.equal(one({ d: 5 }, { key: 'd', match: { text: '5' } }), false);
  });

  it('with a text index, text matches compare tokens (Qdrant #8936)', () => {
    const indexes = new FieldIndexes();
    indexes.create('d', { type: 'text', tokenizer: 'word', lowercase: true });
    const t = (d: unknown, match: unknown): boolean => one({ d }, { key: 'd', match }, indexes);
    assert.equal(t('Good and CHEAP', { text: 'cheap good' }), true);
    assert.equal(t('goodness only', { text: 'good' }), false);
    assert.equal(t('goodness only', { text_any: 'good cheap' }), false);
    assert.equal(t('cheap hardware', { text_any: 'good cheap' }), true);
    assert.equal(t('a good, cheap thing', { phrase: 'good cheap' }), true);
    assert.equal(t('cheap and good', { phrase: 'good cheap' }), false);
    assert.equal(t(['x', 'Good cheap'], { text: 'good' }), true);
    assert.equal(t(['good', 'cheap'], { text: 'good cheap' }), true, 'string values of a point form one token set');
    assert.equal(t(['good', 'cheap'], { phrase: 'good cheap' }), false, 'a phrase stays inside one value');
    assert.equal(t('anything', { text: '' }), false, 'a query without tokens matches nothing');
    assert.equal(t('anything', { text: '!!!' }), false);
  });

  it('text indexes inside nested filters are found through the array path', () => {
    const indexes = new FieldIndexes();
    indexes.create('items[].title', 'text');
    const points: TestPoint[] = [
      { id: 0, payload: { items: [{ title: 'goodness only' }] } },
      { id: 1, payload: { items: [{ title: 'cheap hardware' }] } },
      { id: 2, payload: { items: [{ title: 'neutral text' }] } },
    ];
    const filter = { must: [{ nested: { key: 'items', filter: { must: [{ key: 'title', match: { text_any: 'good cheap' } }] } } }] };
    assert.deepEqual(ids(points, filter, indexes), [1]);
    assert.deepEqual(ids(points, filter), [0, 1], 'without the index: substrings');
  });
});

describe('range', () => {
  it('compares numbers with each bound', () => {
    assert.equal(one({ p: 100 }, { key: 'p', range: { gte: 100, lte: 450 } }), true);
    assert.equal(one({ p: 100 }, { key: 'p', range: { gt: 100 } }), false);
    assert.equal(one({ p: 450.5 }, { key: 'p', range: { lt: 450.5 } }), false);
    assert.equal(one({ p: [1, 500] }, { key: 'p', range: { gt: 450 } }), true);
    assert.equal(one({ p: '500' }, { key: 'p', range: { gt: 450 } }), false);
    assert.equal(one({ p: 7 }, { key: 'p', range: {} }), true, 'no bounds: any number');
    assert.equal(one({ p: 'x' }, { key: 'p', range: {} }), false);
  });

  it('compares datetimes in every accepted format, across timezones', () => {
    const r = { key: 't', range: { gte: '2023-02-08T10:00:00Z', lt: '2023-02-08T11:00:00Z' } };
    assert.equal(one({ t: '2023-02-08T10:49:00Z' }, r), true);
    assert.equal(one({ t: '2023-02-08T11:49:00+01:00' }, r), true);
    assert.equal(one({ t: '2023-02-08 10:49' }, r), true);
    assert.equal(one({ t: '2023-02-08t10:59:59.999999z' }, r), true);
    assert.equal(one({ t: '2023-02-08T11:00:00Z' }, r), false);
    assert.equal(one({ t: '2023-02-08' }, r), false);
    assert.equal(one({ t: '2023-02-08' }, { key: 't', range: { lte: '2023-02-08T00:00:00Z' } }), true);
    assert.equal(one({ t: 'not a date' }, r), false);
    assert.equal(one({ t: 1675850940 }, r), false, 'a datetime range does not compare numbers');
  });
});

describe('geo', () => {
  const berlin = { lat: 52.520008, lon: 13.404954 };
  const inBerlin = { top_left: { lon: 13.08835, lat: 52.67551 }, bottom_right: { lon: 13.76116, lat: 52.33826 } };
  const inMoscow = { top_left: { lon: 37.0366, lat: 56.1859 }, bottom_right: { lon: 38.2532, lat: 55.317 } };

  it('geo_bounding_box is strict and handles the antimeridian', () => {
    assert.equal(one({ l: berlin }, { key: 'l', geo_bounding_box: inBerlin }), true);
    assert.equal(one({ l: berlin }, { key: 'l', geo_bounding_box: inMoscow }), false);
    const fiji = { top_left: { lon: 170, lat: 10 }, bottom_right: { lon: -170, lat: -10 } };
    assert.equal(one({ l: { lat: 0, lon: 179 } }, { key: 'l', geo_bounding_box: fiji }), true);
    assert.equal(one({ l: { lat: 0, lon: -175 } }, { key: 'l', geo_bounding_box: fiji }), true);
    assert.equal(one({ l: { lat: 0, lon: 0 } }, { key: 'l', geo_bounding_box: fiji }), false);
    assert.equal(one({ l: { lat: 10, lon: 175 } }, { key: 'l', geo_bounding_box: fiji }), false, 'edges are excluded');
  });

  it('geo_radius uses haversine meters (Qdrant condition_checker test)', () => {
    const points = { l: [{ lat: 52.52197645, lon: 13.413637435864272 }, { lat: 55.7536283, lon: 37.62137960067377 }] };
    assert.equal(one(points, { key: 'l', geo_radius: { center: { lat: 52.521976, lon: 13.413637 }, radius: 2000 } }), true);
    assert.equal(one(points, { key: 'l', geo_radius: { center: { lat: 52.511, lon: 20.423637 }, radius: 2000 } }), false);
    // Berlin–Moscow is about 1608 km.
    const moscow = { lat: 55.7558, lon: 37.6173 };
    assert.equal(one({ l: moscow }, { key: 'l', geo_radius: { center: berlin, radius: 1_615_000 } }), true);
    assert.equal(one({ l: moscow }, { key: 'l', geo_radius: { center: berlin, radius: 1_600_000 } }), false);
  });

  it('geo_polygon: inside the exterior, outside every hole, boundaries excluded', () => {
    const square = (a: number, b: number): object => ({
      points: [{ lon: a, lat: a }, { lon: b, lat: a }, { lon: b, lat: b }, { lon: a, lat: b }, { lon: a, lat: a }],
    });
    const poly = { exterior: square(0, 10), interiors: [square(4, 6)] };
    assert.equal(one({ l: { lat: 2, lon: 2 } }, { key: 'l', geo_polygon: poly }), true);
    assert.equal(one({ l: { lat: 5, lon: 5 } }, { key: 'l', geo_polygon: poly }), false, 'in the hole');
    assert.equal(one({ l: { lat: 4, lon: 5 } }, { key: 'l', geo_polygon: poly }), false, 'on the hole boundary');
    assert.equal(one({ l: { lat: 0, lon: 5 } }, { key: 'l', geo_polygon: poly }), false, 'on the exterior boundary');
    assert.equal(one({ l: { lat: 11, lon: 5 } }, { key: 'l', geo_polygon: poly }), false);
  });

  it('ignores values that are not {lat, lon} objects', () => {
    assert.equal(one({ l: [13.4, 52.5] }, { key: 'l', geo_radius: { center: berlin, radius: 1e7 } }), false);
    assert.equal(one({ l: { lat: '52', lon: 13 } }, { key: 'l', geo_radius: { center: berlin, radius: 1e7 } }), false);
  });
});

describe('field conditions with several checks', () => {
  it('OR the checks, as Qdrant does', () => {
    const c = { key: 'a', match: { value: 'x' }, range: { gt: 10 } };
    assert.equal(one({ a: 'x' }, c), true);
    assert.equal(one({ a: 11 }, c), true);
    assert.equal(one({ a: 5 }, c), false);
  });

  it('values_count takes precedence over the other checks', () => {
    assert.equal(one({ a: ['x', 'y'] }, { key: 'a', match: { value: 'z' }, values_count: { gte: 2 } }), true);
  });
});
