/**
 * Reads as Qdrant answers them: `offset` together with `order_by` is refused (ordered pages continue
 * with `start_from`); an ordered scroll returns a point once per value of a multi-valued field;
 * `values_count` never holds for a missing field; payload selectors walk nested paths and arrays;
 * collection metadata `null` removes a key; `Disabled` quantization round-trips; formula variables fall
 * back to `defaults`; relevance feedback input is validated.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';

const GERMANY = {
  name: 'Germany',
  capital: 'Berlin',
  cities: [
    { name: 'Berlin', population: 3.7, sightseeing: ['Brandenburg Gate', 'Reichstag'] },
    { name: 'Munich', population: 1.5, sightseeing: ['Marienplatz', 'Olympiapark'] },
  ],
};

describe('conformance: reads', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    assert.equal((await app.request('PUT', '/collections/r', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
    const points = [
      { id: 1, vector: [1, 2], payload: { n: 3, multi: [5, 1, 3, 3], country: GERMANY } },
      { id: 2, vector: [1, 1], payload: { n: 2, multi: 2, tags: [] } },
      { id: 3, vector: [2, 1], payload: { tags: null } },
      { id: 4, vector: [0, 1], payload: { tags: ['a', 'b'] } },
    ];
    assert.equal((await app.request('PUT', '/collections/r/points?wait=true', { points })).status, 200);
    for (const field of ['n', 'multi']) {
      assert.equal((await app.request('PUT', '/collections/r/index?wait=true', { field_name: field, field_schema: 'integer' })).status, 200);
    }
  });
  after(async () => {
    await app.destroy();
  });

  const scroll = async (body: unknown) => {
    const r = await app.request('POST', '/collections/r/points/scroll', body);
    assert.equal(r.status, 200, r.text);
    return r.body.result.points as Array<{ id: number; payload: unknown; order_value?: number }>;
  };

  it('scroll with order_by and offset is a 400; order_by alone pages by value', async () => {
    const r = await app.request('POST', '/collections/r/points/scroll', { order_by: 'n', offset: 1 });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.status.error, 'Bad request: Offset is not supported in conjunction with `order_by` scroll parameter');
    const ok = await scroll({ order_by: { key: 'n', start_from: 3 } });
    assert.deepEqual(ok.map((p) => p.id), [1]);
  });

  it('an ordered scroll returns a point once per distinct value of a multi-valued field', async () => {
    const asc = await scroll({ order_by: 'multi', with_payload: false });
    assert.deepEqual(asc.map((p) => [p.id, p.order_value]), [[1, 1], [2, 2], [1, 3], [1, 5]]);
    const desc = await scroll({ order_by: { key: 'multi', direction: 'desc', start_from: 3 }, with_payload: false });
    assert.deepEqual(desc.map((p) => [p.id, p.order_value]), [[1, 3], [2, 2], [1, 1]]);
    const limited = await scroll({ order_by: 'multi', limit: 2 });
    assert.deepEqual(limited.map((p) => p.id), [1, 2]);
  });

  it('values_count: null and [] count 0, a scalar counts 1, a missing field matches no count', async () => {
    const count = async (filter: unknown) => {
      const r = await app.request('POST', '/collections/r/points/count', { filter, exact: true });
      assert.equal(r.status, 200, r.text);
      return r.body.result.count as number;
    };
    // tags: [] (2) and null (3) have 0 values; points 1 (no tags) is not counted by any range.
    assert.equal(await count({ must: [{ key: 'tags', values_count: { lt: 1 } }] }), 2);
    assert.equal(await count({ must: [{ key: 'tags', values_count: { gte: 0 } }] }), 3);
    assert.equal(await count({ must: [{ key: 'tags', values_count: { gte: 2 } }] }), 1);
    // must_not of a count that a missing field fails keeps the point without the field.
    assert.equal(await count({ must_not: [{ key: 'tags', values_count: { gte: 0 } }] }), 1);
    assert.equal(await count({ must: [{ key: 'multi', values_count: { gt: 3 } }] }), 1);
    assert.equal(await count({ must: [{ key: 'multi', values_count: { lte: 1 } }] }), 1);
  });

  it('payload selectors walk nested paths and arrays', async () => {
    const payload = async (withPayload: unknown) => (await scroll({ filter: { must: [{ has_id: [1] }] }, with_payload: withPayload }))[0]!.payload;
    assert.deepEqual(await payload({ include: ['country.name', 'country.capital'] }), { country: { name: 'Germany', capital: 'Berlin' } });
    assert.deepEqual(await payload({ include: ['country.cities[].sightseeing'] }), {
      country: { cities: [{ sightseeing: ['Brandenburg Gate', 'Reichstag'] }, { sightseeing: ['Marienplatz', 'Olympiapark'] }] },
    });
    assert.deepEqual(await payload(['country.cities[].name', 'n']), { n: 3, country: { cities: [{ name: 'Berlin' }, { name: 'Munich' }] } });
    assert.deepEqual(await payload({ exclude: ['country.cities[].sightseeing', 'country.cities[].population', 'multi'] }), {
      n: 3,
      country: { name: 'Germany', capital: 'Berlin', cities: [{ name: 'Berlin' }, { name: 'Munich' }] },
    });
    assert.deepEqual(await payload({ exclude: ['country.cities', 'n', 'multi'] }), { country: { name: 'Germany', capital: 'Berlin' } });
    // An index step never selects an element: Qdrant reaches array elements by `[]` only.
    assert.deepEqual(await payload({ include: ['country.cities[0].name'] }), { country: { cities: [] } });
    // A prefix keeps everything below it; a pattern that stops short of a leaf keeps the object empty.
    assert.deepEqual(await payload({ include: ['country.mayor'] }), { country: {} });
    const byId = await app.request('POST', '/collections/r/points', { ids: [1], with_payload: { include: ['country.cities[].name'] } });
    assert.deepEqual(byId.body.result[0].payload, { country: { cities: [{ name: 'Berlin' }, { name: 'Munich' }] } });
    const query = await app.request('POST', '/collections/r/points/query', { query: [1, 1], filter: { must: [{ has_id: [1] }] }, with_payload: { exclude: ['country'] } });
    assert.deepEqual(query.body.result.points[0].payload, { n: 3, multi: [5, 1, 3, 3] });
  });

  it('collection metadata: a key set to null is removed, metadata: null changes nothing', async () => {
    assert.equal((await app.request('PUT', '/collections/meta', { vectors: { size: 2, distance: 'Dot' }, metadata: { a: 1, b: { x: 2 } } })).status, 200);
    assert.equal((await app.request('PATCH', '/collections/meta', { metadata: { a: null, c: 3 } })).status, 200);
    assert.deepEqual((await app.request('GET', '/collections/meta')).body.result.config.metadata, { b: { x: 2 }, c: 3 });
    assert.equal((await app.request('PATCH', '/collections/meta', { metadata: null })).status, 200);
    assert.deepEqual((await app.request('GET', '/collections/meta')).body.result.config.metadata, { b: { x: 2 }, c: 3 });
  });

  it('quantization Disabled: null for the collection, absent for a vector, refused at creation', async () => {
    const create = await app.request('PUT', '/collections/qz', { vectors: { size: 2, distance: 'Dot', quantization_config: { scalar: { type: 'int8' } } }, quantization_config: { binary: {} } });
    assert.equal(create.status, 200, create.text);
    assert.equal((await app.request('PATCH', '/collections/qz', { quantization_config: 'Disabled', vectors: { '': { quantization_config: 'Disabled' } } })).status, 200);
    const config = (await app.request('GET', '/collections/qz')).body.result.config;
    assert.equal(config.quantization_config, null);
    assert.equal('quantization_config' in config.params.vectors, false, JSON.stringify(config.params.vectors));
    const refused = await app.request('PUT', '/collections/qz2', { vectors: { size: 2, distance: 'Dot' }, quantization_config: 'Disabled' });
    assert.equal(refused.status, 400, refused.text);
  });

  it('formula variables: payload value, else defaults, else an error; $score[i] defaults to 0', async () => {
    const formula = async (body: Record<string, unknown>) =>
      app.request('POST', '/collections/r/points/query', { prefetch: { query: [1, 1], limit: 10 }, query: body, filter: { must: [{ has_id: [1, 2] }] } });
    const missing = await formula({ formula: { sum: ['$score', 'bonus'] } });
    assert.equal(missing.status, 400, missing.text);
    assert.equal(missing.body.status.error, 'Wrong input: Expected number for variable `bonus`: No value found in a payload nor defaults');
    const withDefault = await formula({ formula: { sum: ['$score', 'bonus'] }, defaults: { bonus: 10 } });
    assert.equal(withDefault.status, 200, withDefault.text);
    assert.deepEqual(withDefault.body.result.points.map((p: { id: number; score: number }) => [p.id, p.score]), [[1, 13], [2, 12]]);
    // A payload value wins over the default.
    const payloadFirst = await formula({ formula: { sum: ['$score', 'n'] }, defaults: { n: 100 } });
    assert.deepEqual(payloadFirst.body.result.points.map((p: { id: number; score: number }) => [p.id, p.score]), [[1, 6], [2, 4]]);
    const noPrefetch = await formula({ formula: { sum: ['$score', '$score[3]'] } });
    assert.deepEqual(noPrefetch.body.result.points.map((p: { id: number; score: number }) => [p.id, p.score]), [[1, 3], [2, 2]]);
  });

  it('relevance feedback: malformed input is refused with Qdrant\'s statuses', async () => {
    const feedback = (input: unknown) => app.request('POST', '/collections/r/points/query', { query: { relevance_feedback: input } });
    const strategy = { naive: { a: 1, b: 1, c: 1 } };
    const negativeB = await feedback({ target: [1, 1], feedback: [{ example: [1, 0], score: 1 }], strategy: { naive: { a: 1, b: -1, c: 1 } } });
    assert.equal(negativeB.status, 422, negativeB.text);
    assert.match(negativeB.body.status.error, /^Validation error in JSON body: \[.*b: value -1 invalid, must be 0\.0 or larger\]$/);
    assert.equal((await feedback({ feedback: [], strategy })).status, 400);
    assert.equal((await feedback({ target: [1, 1], feedback: [{ example: [1, 0] }], strategy })).status, 400);
    assert.equal((await feedback({ target: [1, 1], feedback: [], strategy: { bold: {} } })).status, 400);
    const wrongDim = await feedback({ target: [1, 1, 1], feedback: [], strategy });
    assert.equal(wrongDim.status, 400, wrongDim.text);
    assert.equal(wrongDim.body.status.error, 'Wrong input: Vector dimension error: expected dim: 2, got 3');
    const unknownPoint = await feedback({ target: 99, feedback: [], strategy });
    assert.equal(unknownPoint.status, 404, unknownPoint.text);
    // Points named by id (target or examples) are left out of the results.
    const ok = await feedback({ target: 4, feedback: [{ example: 1, score: 0.9 }, { example: [2, 1], score: 0.1 }], strategy });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body.result.points.map((p: { id: number }) => p.id).sort(), [2, 3]);
  });
});
