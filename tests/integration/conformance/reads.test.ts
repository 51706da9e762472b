/** Reads as Qdrant answers them: `offset` together with `order_by` is refused (ordered pages continue with `start_from`). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';

describe('conformance: reads', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    assert.equal((await app.request('PUT', '/collections/r', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
    assert.equal((await app.request('PUT', '/collections/r/points?wait=true', { points: [{ id: 1, vector: [1, 2], payload: { n: 3 } }, { id: 2, vector: [1, 1], payload: { n: 2 } }] })).status, 200);
    assert.equal((await app.request('PUT', '/collections/r/index?wait=true', { field_name: 'n', field_schema: 'integer' })).status, 200);
  });
  after(async () => {
    await app.destroy();
  });

  it('scroll with order_by and offset is a 400; order_by alone pages by value', async () => {
    const r = await app.request('POST', '/collections/r/points/scroll', { order_by: 'n', offset: 1 });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.status.error, 'Bad request: Offset is not supported in conjunction with `order_by` scroll parameter');
    const ok = await app.request('POST', '/collections/r/points/scroll', { order_by: { key: 'n', start_from: 3 } });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body.result.points.map((p: { id: number }) => p.id), [1]);
  });
});
