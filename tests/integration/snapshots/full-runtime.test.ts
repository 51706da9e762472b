/**
 * Restoring a full snapshot on a running server (Quiver only; Qdrant restores full snapshots at startup): from a
 * snapshot name or file:// location (`PUT /snapshots/recover`) and from an upload (`POST /snapshots/upload`).
 * Name clashes refuse it without `force` before anything changes; a checksum mismatch changes nothing.
 */
import { strict as assert } from 'node:assert';
import { describe, it, before, after } from 'node:test';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../support/app.js';
import { dumpCollection, multipart } from '../../support/snapshots.js';
import { makeRichCollection, RICH_QUERIES, type Request } from './fixtures.js';

describe('full snapshot restore at runtime', () => {
  let app: TestApp;
  let snapshot: { name: string; checksum: string };
  let dumpOne: unknown;
  let dumpTwo: unknown;
  const req: Request = (method, url, body) => app.request(method, url, body);

  before(async () => {
    app = await startTestApp();
    await makeRichCollection(req, 'one');
    assert.equal((await app.request('PUT', '/collections/two', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
    assert.equal((await app.request('PUT', '/collections/two/points?wait=true', { points: [{ id: 1, vector: [1, 2], payload: { k: 'v' } }] })).status, 200);
    assert.equal((await app.request('POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'one', alias_name: 'first' } }] })).status, 200);
    dumpOne = await dumpCollection(req, 'one', RICH_QUERIES);
    dumpTwo = await dumpCollection(req, 'two');
    const c = await app.request('POST', '/snapshots');
    assert.equal(c.status, 200, c.text);
    snapshot = c.body.result;
  });
  after(async () => {
    await app.destroy();
  });

  /** Changes every part the snapshot holds: points of one, collection two, the alias. */
  async function diverge(): Promise<void> {
    assert.equal((await app.request('POST', '/collections/one/points/delete?wait=true', { points: [1, 2, 4] })).status, 200);
    assert.equal((await app.request('DELETE', '/collections/two')).status, 200);
    assert.equal((await app.request('POST', '/collections/aliases', { actions: [{ delete_alias: { alias_name: 'first' } }] })).status, 200);
  }

  async function assertRestored(): Promise<void> {
    assert.deepEqual(await dumpCollection(req, 'one', RICH_QUERIES), dumpOne);
    assert.deepEqual(await dumpCollection(req, 'two'), dumpTwo);
    const aliases = await app.request('GET', '/aliases');
    assert.deepEqual(aliases.body.result.aliases, [{ alias_name: 'first', collection_name: 'one' }]);
  }

  it('refuses to replace existing collections without force, and changes nothing', async () => {
    await diverge();
    const before = await dumpCollection(req, 'one', RICH_QUERIES);
    const r = await app.request('PUT', '/snapshots/recover', { location: snapshot.name });
    assert.equal(r.status, 409, r.text);
    assert.match(r.body.status.error, /one/);
    assert.deepEqual(await dumpCollection(req, 'one', RICH_QUERIES), before);
    assert.equal((await app.request('GET', '/collections/two')).status, 404);
  });

  it('refuses a checksum mismatch and changes nothing', async () => {
    const before = await dumpCollection(req, 'one', RICH_QUERIES);
    const r = await app.request('PUT', '/snapshots/recover?force=true', { location: snapshot.name, checksum: '0'.repeat(64) });
    assert.ok(r.status === 400 || r.status === 422, r.text);
    assert.match(r.body.status.error, /checksum/i);
    assert.deepEqual(await dumpCollection(req, 'one', RICH_QUERIES), before);
  });

  it('restores by snapshot name with force: points, collections and aliases', async () => {
    const r = await app.request('PUT', '/snapshots/recover?force=true', { location: snapshot.name, checksum: snapshot.checksum });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.result, true);
    await assertRestored();
  });

  it('restores from a file:// location inside the snapshots directory', async () => {
    await diverge();
    const location = `file://${join(app.dir, 'snapshots', snapshot.name)}`;
    const r = await app.request('PUT', '/snapshots/recover?force=true', { location });
    assert.equal(r.status, 200, r.text);
    await assertRestored();
  });

  it('restores an uploaded full snapshot', async () => {
    const file = await app.app.inject({ method: 'GET', url: `/snapshots/${snapshot.name}` });
    assert.equal(file.statusCode, 200);
    await diverge();
    const { body, contentType } = multipart(file.rawPayload);
    const r = await app.app.inject({ method: 'POST', url: '/snapshots/upload?force=true', headers: { 'content-type': contentType }, payload: body });
    assert.equal(r.statusCode, 200, r.body);
    await assertRestored();
  });

  it('refuses a collection snapshot where a full one is expected', async () => {
    const c = await app.request('POST', '/collections/two/snapshots');
    assert.equal(c.status, 200, c.text);
    const r = await app.request('PUT', '/snapshots/recover?force=true', { location: `file://${join(app.dir, 'snapshots', 'two', c.body.result.name)}` });
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.status.error, /^Bad request: invalid snapshot/);
    await assertRestored();
  });

  it('rejects a malformed force flag', async () => {
    const r = await app.request('PUT', '/snapshots/recover?force=maybe', { location: snapshot.name });
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.status.error, /force/);
  });
});
