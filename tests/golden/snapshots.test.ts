/**
 * Snapshots of format version 1 (`tests/fixtures/golden/v1/snapshots`): a collection snapshot of `golden` and a
 * full snapshot of the golden store, both made by `scripts/make-golden.ts`. Current code recovers them to the
 * content they were made from; a snapshot whose manifest names a newer version is refused and creates nothing.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/app.js';
import { multipart, rawTar } from '../support/snapshots.js';
import { prepareSnapshotsAtStartup } from '../../src/service/snapshots/startup.js';
import { assertClose, GOLDEN_PAYLOAD_SCHEMA, GOLDEN_POINTS, GOLDEN_V1, indexedVector } from './fixtures.js';

const COLLECTION_SNAPSHOT = join(GOLDEN_V1, 'snapshots', 'golden.snapshot');
const FULL_SNAPSHOT = join(GOLDEN_V1, 'snapshots', 'full.snapshot');

/** The entries of a ustar archive, in order (enough for Quiver's snapshots: regular files, short names). */
function tarEntries(archive: Buffer): Array<{ path: string; data: Buffer }> {
  const out: Array<{ path: string; data: Buffer }> = [];
  for (let pos = 0; pos + 512 <= archive.length; ) {
    const header = archive.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    const path = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
    out.push({ path, data: archive.subarray(pos + 512, pos + 512 + size) });
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** The archive with its manifest's `version` replaced (digests of the other entries stay valid). */
function withManifestVersion(archive: Buffer, version: unknown): Buffer {
  return rawTar(
    tarEntries(archive).map((e) => {
      if (e.path !== 'manifest.json') return e;
      return { path: e.path, data: JSON.stringify({ ...JSON.parse(e.data.toString('utf8')), version }) };
    }),
  );
}

const apps: TestApp[] = [];
after(async () => {
  for (const a of apps) await a.destroy();
});
async function freshApp(): Promise<TestApp> {
  const app = await startTestApp();
  apps.push(app);
  return app;
}
async function ok(app: TestApp, method: string, url: string, body?: unknown): Promise<any> {
  const r = await app.request(method, url, body);
  assert.equal(r.status, 200, `${method} ${url}: ${r.text}`);
  return r.body.result;
}
async function upload(app: TestApp, url: string, data: Buffer): Promise<{ status: number; body: any }> {
  const { body, contentType } = multipart(data);
  const r = await app.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': contentType } });
  return { status: r.statusCode, body: JSON.parse(r.body) };
}
async function assertGoldenCollection(app: TestApp, name: string): Promise<void> {
  const info = await ok(app, 'GET', `/collections/${name}`);
  assert.equal(info.points_count, 6);
  assert.deepEqual(info.payload_schema, GOLDEN_PAYLOAD_SCHEMA);
  assert.equal(info.config.hnsw_config.m, 8);
  assert.deepEqual(info.config.params.sparse_vectors, { kw: { modifier: 'idf' } });
  assert.equal(info.config.params.vectors.colbert.multivector_config.comparator, 'max_sim');
  const r = await ok(app, 'POST', `/collections/${name}/points/scroll`, { limit: 100, with_payload: true, with_vector: true });
  assertClose(r.points, GOLDEN_POINTS);
}

describe('golden v1 snapshots', () => {
  it('the manifests record format quiver-snapshot version 1', () => {
    for (const [file, kind] of [[COLLECTION_SNAPSHOT, 'collection'], [FULL_SNAPSHOT, 'full']] as const) {
      const [first] = tarEntries(readFileSync(file));
      assert.equal(first?.path, 'manifest.json');
      const manifest = JSON.parse(first.data.toString('utf8'));
      assert.equal(manifest.format, 'quiver-snapshot');
      assert.equal(manifest.version, 1);
      assert.equal(manifest.kind, kind);
    }
  });

  it('recovers the collection snapshot to the content it was made from', async () => {
    const app = await freshApp();
    const r = await upload(app, '/collections/restored/snapshots/upload', readFileSync(COLLECTION_SNAPSHOT));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await assertGoldenCollection(app, 'restored');
    const q = await ok(app, 'POST', '/collections/restored/points/query', { query: [1, 0, 0, 0], using: 'text', limit: 2 });
    assert.deepEqual(q.points.map((p: { id: unknown }) => p.id), [0, 'f9168c5e-ceb2-4faa-b6bf-329bf39fa1e4']);
  });

  it('recovers the full snapshot: every collection, shard key and alias', async () => {
    const app = await freshApp();
    const report = await prepareSnapshotsAtStartup(app.toc, app.deps.snapshots, { snapshots: [], storageSnapshot: FULL_SNAPSHOT, force: false });
    assert.deepEqual([...report.recovered].sort(), ['golden', 'indexed', 'sharded']);
    await assertGoldenCollection(app, 'golden');
    assert.deepEqual((await ok(app, 'GET', '/aliases')).aliases, [
      { alias_name: 'current', collection_name: 'indexed' },
      { alias_name: 'golden-alias', collection_name: 'golden' },
    ]);
    const sharded = await ok(app, 'POST', '/collections/sharded/points/scroll', { with_vector: true });
    assert.deepEqual(sharded.points, [
      { id: 1, payload: { city: 'Paris' }, vector: [1, 0], shard_key: 'eu' },
      { id: 2, payload: { city: 'Tokyo' }, vector: [0, 1], shard_key: 7 },
    ]);
    const indexed = await ok(app, 'POST', '/collections/current/points/scroll', { limit: 200, with_vector: true });
    assert.equal(indexed.points.length, 200);
    for (const p of indexed.points as Array<{ id: number; vector: number[]; payload: { i: number } }>) {
      assert.equal(p.payload.i, p.id);
      assertClose(p.vector, indexedVector(p.id), `point ${p.id}`);
    }
  });

  it('refuses a collection snapshot of a newer format version, creating nothing', async () => {
    const app = await freshApp();
    const r = await upload(app, '/collections/future/snapshots/upload', withManifestVersion(readFileSync(COLLECTION_SNAPSHOT), 3));
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.status.error, /snapshot format version 3 is newer than this Quiver supports \(max 2\); upgrade Quiver/);
    assert.equal((await app.request('GET', '/collections/future')).status, 404);
    // The same archive with its real version recovers: only the version was refused.
    const same = await upload(app, '/collections/future/snapshots/upload', withManifestVersion(readFileSync(COLLECTION_SNAPSHOT), 1));
    assert.equal(same.status, 200, JSON.stringify(same.body));
  });

  it('refuses a full snapshot of a newer format version at startup, creating nothing', async () => {
    const app = await freshApp();
    const path = join(app.dir, 'future-full.snapshot');
    writeFileSync(path, withManifestVersion(readFileSync(FULL_SNAPSHOT), 3));
    await assert.rejects(
      prepareSnapshotsAtStartup(app.toc, app.deps.snapshots, { snapshots: [], storageSnapshot: path, force: false }),
      /snapshot format version 3 is newer than this Quiver supports \(max 2\); upgrade Quiver/,
    );
    assert.deepEqual((await ok(app, 'GET', '/collections')).collections, []);
  });

  it('refuses a manifest without a version as damaged, not as version 1', async () => {
    const app = await freshApp();
    const r = await upload(app, '/collections/nover/snapshots/upload', withManifestVersion(readFileSync(COLLECTION_SNAPSHOT), undefined));
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.status.error, /has no `version`/);
  });
});
