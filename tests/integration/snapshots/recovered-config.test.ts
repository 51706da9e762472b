/**
 * Issue 16 finding 5: a recovered collection's configuration passes the validator of a create request. A manifest
 * whose configuration a `PUT /collections/{name}` would refuse (`hnsw_config: "oops"`, `shard_number: "many"`) is
 * refused with 400 and nothing is installed; the configuration of a genuine snapshot still recovers.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PLAIN_STORAGE, startTestApp, type TestApp } from '../../support/app.js';
import { multipart, rawTar, tarEntries } from '../../support/snapshots.js';

type Config = Record<string, any>;

void describe('recovered configuration', () => {
  let app: TestApp;
  let entries: Array<{ path: string; data: Buffer }>;
  before(async () => {
    // Plain storage even in an encrypted run: the test takes snapshot archives apart and crafts its own.
    app = await startTestApp(PLAIN_STORAGE);
    assert.equal((await app.request('PUT', '/collections/src', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
    assert.equal((await app.request('PUT', '/collections/src/points?wait=true', { points: [{ id: 1, vector: [1, 2], payload: { a: 1 } }] })).status, 200);
    const name = (await app.request('POST', '/collections/src/snapshots')).body.result.name as string;
    const file = await app.app.inject({ method: 'GET', url: `/collections/src/snapshots/${name}` });
    entries = tarEntries(file.rawPayload);
  });
  after(() => app.destroy());

  function archiveWith(edit: (config: Config) => void): Buffer {
    return rawTar(entries.map((e) => {
      if (e.path !== 'manifest.json') return e;
      const manifest = JSON.parse(e.data.toString()) as { collection: { config: Config } };
      edit(manifest.collection.config);
      return { path: e.path, data: JSON.stringify(manifest) };
    }));
  }

  async function upload(collection: string, archive: Buffer) {
    const { body, contentType } = multipart(archive);
    const r = await app.app.inject({ method: 'POST', url: `/collections/${collection}/snapshots/upload`, headers: { 'content-type': contentType }, payload: body });
    return { status: r.statusCode, body: JSON.parse(r.body) };
  }

  const BAD: ReadonlyArray<readonly [string, (c: Config) => void, RegExp]> = [
    ['hnsw_config: "oops"', (c) => (c['hnsw_config'] = 'oops'), /hnsw_config/],
    ['shard_number: "many"', (c) => (c['params']['shard_number'] = 'many'), /shard_number/],
    ['a negative vector size', (c) => (c['params']['vectors'] = { size: -3, distance: 'Dot' }), /size|vectors/],
    ['an unknown distance', (c) => (c['params']['vectors'] = { size: 2, distance: 'Hamming' }), /distance|vectors/],
    ['optimizer deleted_threshold: "x"', (c) => (c['optimizer_config']['deleted_threshold'] = 'x'), /deleted_threshold/],
    ['wal_capacity_mb: -1', (c) => (c['wal_config']['wal_capacity_mb'] = -1), /wal_capacity_mb/],
    ['hnsw m: 100000', (c) => (c['hnsw_config']['m'] = 100000), /hnsw_config/],
  ];
  for (const [what, edit, pattern] of BAD) {
    void it(`refuses a manifest with ${what}, as a create request would`, async () => {
      const r = await upload('dst', archiveWith(edit));
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.status.error, pattern);
      assert.equal((await app.request('GET', '/collections/dst/exists')).body.result.exists, false);
    });
  }

  void it('recovers the configuration of a genuine snapshot', async () => {
    const r = await upload('copy', archiveWith(() => undefined));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const info = (await app.request('GET', '/collections/copy')).body.result;
    assert.deepEqual(info.config.params.vectors, { size: 2, distance: 'Dot' });
  });
});
