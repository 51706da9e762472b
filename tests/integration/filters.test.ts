/** The full filter language through the REST API (count and scroll), with and without payload indexes. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';

const POINTS = [
  { id: 1, payload: { city: 'Berlin', price: 10, tags: ['a', 'b'], when: '2024-01-01T00:00:00Z', loc: { lon: 13.4, lat: 52.52 }, country: { name: 'DE', cities: [{ name: 'Berlin', pop: 3.6 }] }, text: 'the quick brown fox' } },
  { id: 2, payload: { city: 'London', price: 20, tags: ['b'], when: '2024-06-01T12:00:00Z', loc: { lon: -0.12, lat: 51.5 }, country: { name: 'UK', cities: [{ name: 'London', pop: 8.9 }, { name: 'Leeds', pop: 0.8 }] }, text: 'lazy dogs sleep' } },
  { id: 3, payload: { city: 'Moscow', price: 30, tags: [], when: '2025-01-01T00:00:00+03:00', loc: { lon: 37.6, lat: 55.75 }, empty: null, text: 'a quick fox jumps' } },
  { id: 4, payload: { city: null, price: 40.5 } },
  { id: '3f7c1b2a-0000-4000-8000-000000000005', payload: {} },
];

const CASES: Array<[string, unknown, unknown[]]> = [
  ['match value', { must: [{ key: 'city', match: { value: 'London' } }] }, [2]],
  ['match any', { must: [{ key: 'city', match: { any: ['London', 'Moscow'] } }] }, [2, 3]],
  ['match except', { must: [{ key: 'city', match: { except: ['London', 'Moscow'] } }] }, [1]],
  ['array element match', { must: [{ key: 'tags', match: { value: 'b' } }] }, [1, 2]],
  ['range', { must: [{ key: 'price', range: { gt: 10, lte: 40.5 } }] }, [2, 3, 4]],
  ['datetime range', { must: [{ key: 'when', range: { gte: '2024-03-01T00:00:00Z', lt: '2024-12-31T22:00:00Z' } }] }, [2, 3]],
  ['must_not', { must_not: [{ key: 'city', match: { value: 'Berlin' } }] }, [2, 3, 4, '3f7c1b2a-0000-4000-8000-000000000005']],
  ['should', { should: [{ key: 'price', range: { lt: 15 } }, { key: 'price', range: { gt: 35 } }] }, [1, 4]],
  ['min_should', { min_should: { conditions: [{ key: 'price', range: { gte: 20 } }, { key: 'tags', values_count: { lt: 1 } }, { key: 'city', match: { value: 'Moscow' } }], min_count: 2 } }, [3]],
  ['is_empty', { must: [{ is_empty: { key: 'tags' } }] }, [3, 4, '3f7c1b2a-0000-4000-8000-000000000005']],
  ['is_null', { must: [{ is_null: { key: 'city' } }] }, [4]],
  ['has_id', { must: [{ has_id: [2, '3F7C1B2A-0000-4000-8000-000000000005'] }] }, [2, '3f7c1b2a-0000-4000-8000-000000000005']],
  ['values_count', { must: [{ key: 'tags', values_count: { gte: 2 } }] }, [1]],
  ['geo radius', { must: [{ key: 'loc', geo_radius: { center: { lon: 13.4, lat: 52.5 }, radius: 100000 } }] }, [1]],
  ['geo bounding box', { must: [{ key: 'loc', geo_bounding_box: { top_left: { lon: -1, lat: 56 }, bottom_right: { lon: 14, lat: 50 } } }] }, [1, 2]],
  ['geo polygon', { must: [{ key: 'loc', geo_polygon: { exterior: { points: [{ lon: 30, lat: 50 }, { lon: 40, lat: 50 }, { lon: 40, lat: 60 }, { lon: 30, lat: 60 }, { lon: 30, lat: 50 }] } } }] }, [3]],
  ['nested key path with []', { must: [{ key: 'country.cities[].name', match: { value: 'Leeds' } }] }, [2]],
  ['nested condition', { must: [{ nested: { key: 'country.cities', filter: { must: [{ key: 'name', match: { value: 'London' } }, { key: 'pop', range: { gt: 5 } }] } } }] }, [2]],
  ['nested condition needs one element to match all', { must: [{ nested: { key: 'country.cities', filter: { must: [{ key: 'name', match: { value: 'Leeds' } }, { key: 'pop', range: { gt: 5 } }] } } }] }, []],
  ['dotted key', { must: [{ key: 'country.name', match: { value: 'DE' } }] }, [1]],
  ['nested boolean filters', { must: [{ should: [{ key: 'city', match: { value: 'Berlin' } }, { key: 'city', match: { value: 'Moscow' } }] }, { must_not: [{ key: 'price', range: { gt: 20 } }] }] }, [1]],
];

describe('filters over REST', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    for (const name of ['plain', 'indexed']) {
      await app.request('PUT', `/collections/${name}`, { vectors: { size: 2, distance: 'Dot' } });
      const r = await app.request('PUT', `/collections/${name}/points?wait=true`, { points: POINTS.map((p) => ({ ...p, vector: [1, 1] })) });
      assert.equal(r.status, 200, r.text);
    }
    for (const [field, schema] of [['city', 'keyword'], ['price', 'float'], ['tags', 'keyword'], ['when', 'datetime'], ['loc', 'geo'], ['text', { type: 'text', tokenizer: 'word', lowercase: true }], ['country.cities[].name', 'keyword']] as const) {
      const r = await app.request('PUT', '/collections/indexed/index?wait=true', { field_name: field, field_schema: schema });
      assert.equal(r.status, 200, r.text);
    }
  });
  after(async () => {
    await app.destroy();
  });

  for (const [name, filter, expected] of CASES) {
    it(`${name}: same answer with and without payload indexes`, async () => {
      for (const c of ['plain', 'indexed']) {
        const s = await app.request('POST', `/collections/${c}/points/scroll`, { filter, limit: 100, with_payload: false });
        assert.equal(s.status, 200, s.text);
        assert.deepEqual(s.body.result.points.map((p: { id: unknown }) => p.id), expected, `${c}: ${JSON.stringify(filter)}`);
        const n = await app.request('POST', `/collections/${c}/points/count`, { filter });
        assert.equal(n.body.result.count, expected.length);
      }
    });
  }

  it('matches text by tokens with a text index and as a substring without one, as Qdrant documents', async () => {
    const filter = { must: [{ key: 'text', match: { text: 'quick fox' } }] };
    const ids = async (c: string): Promise<unknown[]> =>
      (await app.request('POST', `/collections/${c}/points/scroll`, { filter, limit: 100 })).body.result.points.map((p: { id: unknown }) => p.id);
    assert.deepEqual(await ids('indexed'), [1, 3]);
    assert.deepEqual(await ids('plain'), [3]);
  });

  it('reports indexed point counts in payload_schema', async () => {
    const schema = (await app.request('GET', '/collections/indexed')).body.result.payload_schema;
    assert.equal(schema.city.data_type, 'keyword');
    assert.equal(schema.city.points, 3);
    assert.equal(schema.text.data_type, 'text');
    assert.equal(schema.loc.points, 3);
  });
});
