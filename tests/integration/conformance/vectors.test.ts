/**
 * Datatypes and vector names as Qdrant has them: `uint8` stores `f32 as u8` (truncated, saturated),
 * `float16` keeps half precision, `""` names the default vector in a vector map, sparse vectors come
 * back sorted by index, an empty multivector is a validation error, and reading a vector name the
 * collection does not have is an error.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { f16round } from '../../../src/collection/datatype.js';

describe('conformance: datatypes and vectors', () => {
  let app: TestApp;
  const ok = async (method: string, url: string, body?: unknown): Promise<any> => {
    const r = await app.request(method, url, body);
    assert.equal(r.status, 200, `${method} ${url}: ${r.text}`);
    return r.body.result;
  };
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.destroy();
  });

  it('uint8 stores Rust `as u8`: truncated toward zero and saturated (256.19 → 255)', async () => {
    await ok('PUT', '/collections/q', { vectors: { size: 4, distance: 'Dot', datatype: 'uint8' } });
    await ok('PUT', '/collections/q/points?wait=true', { points: [{ id: 1, vector: [256.19, 3.7, -1, 17] }] });
    assert.deepEqual((await ok('GET', '/collections/q/points/1')).vector, [255, 3, 0, 17]);
    const hits = await ok('POST', '/collections/q/points/query', { query: [1, 0, 0, 0] });
    assert.equal(hits.points[0].score, 255);
  });

  it('float16 keeps half precision (0.1 → 0.099975586; 2049 → 2048, ties to even)', async () => {
    await ok('PUT', '/collections/h', { vectors: { size: 3, distance: 'Dot', datatype: 'float16' } });
    await ok('PUT', '/collections/h/points?wait=true', { points: [{ id: 1, vector: [0.1, 2049, 2051] }] });
    assert.deepEqual((await ok('GET', '/collections/h/points/1')).vector, [0.099975586, 2048, 2052]);
  });

  it('f16round matches half precision rounding at the edges', () => {
    assert.equal(f16round(65504), 65504);
    assert.equal(f16round(65519), 65504);
    assert.equal(f16round(65520), Infinity);
    assert.equal(f16round(1e-8), 0);
    assert.equal(f16round(3e-8), 2 ** -24);
    assert.equal(f16round(1 + 2 ** -11), 1); // a tie between 1 and 1 + 2^-10 goes to the even one
    assert.equal(f16round(-0.15), -0.1500244140625);
  });

  it('"" in a vector map is the default vector; sparse vectors come back sorted by index', async () => {
    await ok('PUT', '/collections/u', { vectors: { size: 3, distance: 'Dot' }, sparse_vectors: { 'sparse-text': {} } });
    await ok('PUT', '/collections/u/points?wait=true', { points: [{ id: 1, vector: { '': [1, 2, 3], 'sparse-text': { indices: [5, 2], values: [0.5, 0.25] } } }] });
    const [rec] = await ok('POST', '/collections/u/points', { ids: [1], with_vector: true });
    assert.deepEqual(rec.vector, { '': [1, 2, 3], 'sparse-text': { indices: [2, 5], values: [0.25, 0.5] } });
    const [only] = await ok('POST', '/collections/u/points', { ids: [1], with_vector: [''] });
    assert.deepEqual(only.vector, [1, 2, 3]);
  });

  it('reading a vector name the collection does not have is an error', async () => {
    const r = await app.request('POST', '/collections/u/points', { ids: [1], with_vector: ['nope'] });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.status.error, 'Wrong input: Not existing vector name error: nope');
    const s = await app.request('POST', '/collections/u/points/scroll', { with_vector: ['nope'] });
    assert.equal(s.status, 400, s.text);
  });

  it('an empty multivector, or one with an empty row, is 422 with the validator text', async () => {
    await ok('PUT', '/collections/m', { vectors: { mv: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } } });
    const empty = await app.request('PUT', '/collections/m/points?wait=true', { points: [{ id: 1, vector: { mv: [] } }] });
    assert.equal(empty.status, 422, empty.text);
    assert.equal(empty.body.status.error, 'Validation error in JSON body: [points[0].vector.?.data: multi vector must not be empty]');
    const row = await app.request('PUT', '/collections/m/points?wait=true', { points: [{ id: 1, vector: { mv: [[]] } }] });
    assert.equal(row.status, 422, row.text);
    assert.equal(row.body.status.error, 'Validation error in JSON body: [points[0].vector.?.data: all vectors must be non-empty]');
  });
});
