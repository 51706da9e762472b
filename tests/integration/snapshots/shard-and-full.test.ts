/** Shard snapshots (the single local shard 0) and full-storage snapshots through the REST layer. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { startTestApp, type TestApp } from '../../support/app.js';
import { pollUntil } from '../../support/poll.js';
import type { Request } from './fixtures.js';
import { assertResponseMatchesSpec } from '../../support/openapi.js';
import { dumpCollection, multipart } from '../../support/snapshots.js';
import { makeRichCollection, RICH_QUERIES } from './fixtures.js';

describe('shard snapshots', () => {
  let app: TestApp;
  const req: Request = (method, url, body) => app.request(method, url, body);
  let snapshotsDir: string;
  before(async () => {
    app = await startTestApp();
    snapshotsDir = join(app.dir, 'snapshots');
    await makeRichCollection(req, 'rich');
  });
  after(async () => {
    await app.destroy();
  });

  it('creates, lists, downloads and deletes shard 0 snapshots', async () => {
    const c = await app.request('POST', '/collections/rich/shards/0/snapshots');
    assert.equal(c.status, 200, c.text);
    assertResponseMatchesSpec('create_shard_snapshot', c.status, c.body);
    const d = c.body.result;
    assert.match(d.name, /^rich-shard-0-\d{16}-[\d-]+\.snapshot$/);
    assert.ok(existsSync(join(snapshotsDir, 'rich', 'shards', '0', d.name)));
    const list = await app.request('GET', '/collections/rich/shards/0/snapshots');
    assertResponseMatchesSpec('list_shard_snapshots', list.status, list.body);
    assert.deepEqual(list.body.result, [d]);
    // Shard snapshots are not collection snapshots.
    assert.deepEqual((await app.request('GET', '/collections/rich/snapshots')).body.result, []);
    const file = await app.app.inject({ method: 'GET', url: `/collections/rich/shards/0/snapshots/${d.name}` });
    assert.equal(file.statusCode, 200);
    assert.equal(file.headers['content-type'], 'application/octet-stream');
    assert.equal(createHash('sha256').update(file.rawPayload).digest('hex'), d.checksum);
    const del = await app.request('DELETE', `/collections/rich/shards/0/snapshots/${d.name}`);
    assertResponseMatchesSpec('delete_shard_snapshot', del.status, del.body);
    assert.deepEqual((await app.request('GET', '/collections/rich/shards/0/snapshots')).body.result, []);
  });

  it('answers 404 for any shard other than 0, and 400 for a shard id that is not a number', async () => {
    for (const [method, url] of [
      ['GET', '/collections/rich/shards/1/snapshots'],
      ['POST', '/collections/rich/shards/1/snapshots'],
      ['GET', '/collections/rich/shards/1/snapshot'],
      ['GET', '/collections/rich/shards/2/snapshots/x.snapshot'],
      ['DELETE', '/collections/rich/shards/2/snapshots/x.snapshot'],
    ] as const) {
      const r = await app.request(method, url);
      assert.equal(r.status, 404, `${method} ${url}: ${r.text}`);
      assert.match(r.body.status.error, /Shard \d of collection rich does not exist/);
    }
    const r = await app.request('PUT', '/collections/rich/shards/3/snapshots/recover', { location: 'x.snapshot' });
    assert.equal(r.status, 404);
    assert.equal((await app.request('GET', '/collections/rich/shards/abc/snapshots')).status, 400);
  });

  it('streams a shard snapshot that recovers into the collection, keeping its configuration', async () => {
    const stream = await app.app.inject({ method: 'GET', url: '/collections/rich/shards/0/snapshot' });
    assert.equal(stream.statusCode, 200);
    assert.equal(stream.headers['content-type'], 'application/octet-stream');
    assert.equal(Number(stream.headers['content-length']), stream.rawPayload.length);
    // Nothing is kept on disk for a streamed snapshot.
    assert.deepEqual((await app.request('GET', '/collections/rich/shards/0/snapshots')).body.result, []);

    await makeRichCollection(req, 'target', 10, 99);
    await app.request('PATCH', '/collections/target', { optimizers_config: { indexing_threshold: 1234 } });
    const before = (await app.request('GET', '/collections/target')).body.result.config;
    const { body, contentType } = multipart(stream.rawPayload);
    const up = await app.app.inject({ method: 'POST', url: '/collections/target/shards/0/snapshots/upload?priority=snapshot', payload: body, headers: { 'content-type': contentType } });
    assert.equal(up.statusCode, 200, up.body);
    assertResponseMatchesSpec('recover_shard_from_uploaded_snapshot', up.statusCode, JSON.parse(up.body));
    const got = (await dumpCollection(req, 'target', RICH_QUERIES)) as { config: unknown; points: unknown; answers: unknown };
    const want = (await dumpCollection(req, 'rich', RICH_QUERIES)) as { points: unknown; answers: unknown };
    assert.deepEqual(got.config, before);
    assert.deepEqual(got.points, want.points);
    assert.deepEqual(got.answers, want.answers);
  });

  it('recovers a shard from a stored snapshot by file:// URL or by name, and needs the collection to exist', async () => {
    const d = (await app.request('POST', '/collections/rich/shards/0/snapshots')).body.result;
    await makeRichCollection(req, 'by_name', 5, 3);
    const byUrl = await app.request('PUT', '/collections/by_name/shards/0/snapshots/recover', { location: `file://${join(snapshotsDir, 'rich', 'shards', '0', d.name)}` });
    assert.equal(byUrl.status, 200, byUrl.text);
    assertResponseMatchesSpec('recover_shard_from_snapshot', byUrl.status, byUrl.body);
    assert.equal((await app.request('POST', '/collections/by_name/points/count', {})).body.result.count, 60);
    // A plain name is looked up in the target collection's shard snapshot directory.
    const missing = await app.request('PUT', '/collections/by_name/shards/0/snapshots/recover', { location: d.name });
    assert.equal(missing.status, 400);
    assert.match(missing.body.status.error, /does not exist/);
    const byName = await app.request('PUT', '/collections/rich/shards/0/snapshots/recover', { location: d.name });
    assert.equal(byName.status, 200, byName.text);
    const nope = await app.request('PUT', '/collections/nope/shards/0/snapshots/recover', { location: d.name });
    assert.equal(nope.status, 404);
  });

  it('refuses a shard snapshot on the collection recovery route', async () => {
    const d = (await app.request('POST', '/collections/rich/shards/0/snapshots')).body.result;
    const r = await app.request('PUT', '/collections/rich2/snapshots/recover', { location: `file://${join(snapshotsDir, 'rich', 'shards', '0', d.name)}` });
    assert.equal(r.status, 400);
    assert.match(r.body.status.error, /this is a shard snapshot/);
  });
});

describe('full snapshots', () => {
  let app: TestApp;
  const req: Request = (method, url, body) => app.request(method, url, body);
  before(async () => {
    app = await startTestApp();
    await makeRichCollection(req, 'one');
    await app.request('PUT', '/collections/two', { vectors: { size: 2, distance: 'Dot' } });
    await app.request('POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'one', alias_name: 'first' } }] });
  });
  after(async () => {
    await app.destroy();
  });

  it('creates, lists, downloads and deletes full snapshots', async () => {
    const c = await app.request('POST', '/snapshots');
    assert.equal(c.status, 200, c.text);
    assertResponseMatchesSpec('create_full_snapshot', c.status, c.body);
    const d = c.body.result;
    assert.match(d.name, /^full-snapshot-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}(-\d+)?\.snapshot$/);
    const second = (await app.request('POST', '/snapshots')).body.result;
    assert.notEqual(second.name, d.name);
    const list = await app.request('GET', '/snapshots');
    assertResponseMatchesSpec('list_full_snapshots', list.status, list.body);
    assert.deepEqual(list.body.result.map((s: { name: string }) => s.name).sort(), [d.name, second.name].sort());
    const file = await app.app.inject({ method: 'GET', url: `/snapshots/${d.name}` });
    assert.equal(file.statusCode, 200);
    assert.equal(createHash('sha256').update(file.rawPayload).digest('hex'), d.checksum);
    const del = await app.request('DELETE', `/snapshots/${d.name}`);
    assertResponseMatchesSpec('delete_full_snapshot', del.status, del.body);
    assert.equal((await app.request('DELETE', `/snapshots/${second.name}?wait=false`)).status, 202);
    assert.deepEqual((await app.request('GET', '/snapshots')).body.result, []);
  });

  it('answers 202 with wait=false', async () => {
    const r = await app.request('POST', '/snapshots?wait=false');
    assert.equal(r.status, 202);
    assertResponseMatchesSpec('create_full_snapshot', r.status, r.body);
    await pollUntil('the background full snapshot to be listed', async () => (await app.request('GET', '/snapshots')).body.result.length > 0);
    assert.equal((await app.request('GET', '/snapshots')).body.result.length, 1);
  });
});
