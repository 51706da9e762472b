/**
 * Qdrant tells a body that does not deserialize (400 `Format error in JSON body: …`) from one that
 * parses but breaks a `validator` rule (422 `Validation error in JSON body: [field: message]`), and
 * words not-found and conflict errors its own way.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';

describe('conformance: 400 vs 422 and Qdrant error texts', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
    assert.equal((await app.request('PUT', '/collections/d', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
    assert.equal((await app.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: [1, 2] }] })).status, 200);
  });
  after(async () => {
    await app.destroy();
  });

  const expectError = async (method: string, url: string, body: unknown, status: number, message: string): Promise<void> => {
    const r = await app.request(method, url, body);
    assert.equal(r.status, status, r.text);
    assert.equal(r.body.status.error, message);
    assert.equal(typeof r.body.time, 'number');
  };

  it('limit 0 is 422 with the validator text; a negative limit does not deserialize (400)', async () => {
    await expectError('POST', '/collections/c/points/query', { query: [1, 2], limit: 0 }, 422, 'Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]');
    await expectError('POST', '/collections/c/points/search', { vector: [1, 2], limit: 0 }, 422, 'Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]');
    await expectError('POST', '/collections/c/points/scroll', { limit: 0 }, 422, 'Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]');
    const neg = await app.request('POST', '/collections/c/points/query', { query: [1, 2], limit: -1 });
    assert.equal(neg.status, 400);
    assert.match(neg.body.status.error, /^Format error in JSON body: .*invalid value: integer `-1`, expected usize/);
  });

  it('vector size 0 or above 65536 is 422', async () => {
    await expectError('PUT', '/collections/z', { vectors: { size: 0, distance: 'Dot' } }, 422, 'Validation error in JSON body: [vectors.size: value 0 invalid, must be from 1 to 65536]');
    await expectError('PUT', '/collections/z', { vectors: { size: 65537, distance: 'Dot' } }, 422, 'Validation error in JSON body: [vectors.size: value 65537 invalid, must be from 1 to 65536]');
    assert.equal((await app.request('GET', '/collections/z')).status, 404);
  });

  it('a wrong type is a 400 format error', async () => {
    const r = await app.request('PUT', '/collections/z', { vectors: { size: 'x', distance: 'Dot' } });
    assert.equal(r.status, 400);
    assert.match(r.body.status.error, /^Format error in JSON body: /);
  });

  it('a filter condition with only `key` is 422', async () => {
    await expectError(
      'POST',
      '/collections/c/points/scroll',
      { filter: { must: [{ key: 'city' }] } },
      422,
      'Validation error in JSON body: [filter.must[0]: Validation error: At least one field condition must be specified [{}]]',
    );
  });

  it('update vectors with none given is 422', async () => {
    await expectError('PUT', '/collections/c/points/vectors', { points: [{ id: 1, vector: {} }] }, 422, 'Validation error in JSON body: [points[0].vector: must specify vectors to update for point]');
  });

  it('recommend (query API) without examples is 422', async () => {
    const r = await app.request('POST', '/collections/c/points/query', { query: { recommend: { positive: [] } } });
    assert.equal(r.status, 422, r.text);
    assert.match(r.body.status.error, /^Validation error in JSON body: \[/);
  });

  it('an integer index with lookup and range both off is 422', async () => {
    await expectError(
      'PUT',
      '/collections/c/index?wait=true',
      { field_name: 'n', field_schema: { type: 'integer', lookup: false, range: false } },
      422,
      "Validation error in JSON body: [field_schema.lookup: Validation error: the 'lookup' and 'range' capabilities can't be both disabled [{}]]",
    );
  });

  it('not found carries the `Not found: ` prefix, also for a missing lookup_from collection', async () => {
    await expectError('GET', '/collections/nope', undefined, 404, "Not found: Collection `nope` doesn't exist!");
    await expectError('POST', '/collections/c/points/query', { query: 1, lookup_from: { collection: 'nope' } }, 404, "Not found: Collection `nope` doesn't exist!");
    await expectError('GET', '/collections/c/points/77', undefined, 404, 'Not found: Point with id 77 does not exists!');
  });

  it('an alias named like an existing collection is 409', async () => {
    await expectError('POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'c', alias_name: 'd' } }] }, 409, 'Wrong input: Collection with name `d` already exists');
  });
});
