/**
 * Compatibility: every snapshot kind through the official @qdrant/js-client-rest against a real listening Quiver,
 * bodies validated against Qdrant's OpenAPI schema; and Qdrant's startup flags `--snapshot PATH:COLLECTION` and
 * `--storage-snapshot PATH` on a fresh server.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';
import { assertResponseMatchesSpec } from '../support/openapi.js';
import { dumpCollection, filesUnder, startChildWithArgs } from '../support/snapshots.js';
import { makeRichCollection, RICH_QUERIES } from '../integration/snapshots/fixtures.js';

describe('snapshots through the official JS client', () => {
  let server: ChildServer;
  let client: QdrantClient;
  let dir: string;
  before(async () => {
    dir = tempDir('quiver-compat-snap-');
    server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'), QDRANT__STORAGE__SNAPSHOTS_PATH: join(dir, 'snapshots') });
    client = new QdrantClient({ url: server.url, checkCompatibility: false });
    await makeRichCollection(request, 'docs');
    await client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: 'docs', alias_name: 'docs_alias' } }] });
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  async function request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
    const r = await fetch(server.url + path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await r.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: r.status, body: parsed, text };
  }

  /** Calls the raw REST API, asserts the expected status and validates the full response against the spec. */
  async function raw(operationId: string, expectedStatus: number, method: string, path: string, body?: unknown): Promise<any> {
    const r = await request(method, path, body);
    assert.equal(r.status, expectedStatus, `${method} ${path}: ${r.text}`);
    assertResponseMatchesSpec(operationId, r.status, r.body);
    return r.body;
  }

  async function download(path: string): Promise<Buffer> {
    const r = await fetch(server.url + path);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/octet-stream');
    const body = Buffer.from(await r.arrayBuffer());
    assert.equal(Number(r.headers.get('content-length')), body.length);
    return body;
  }

  async function upload(path: string, data: Buffer): Promise<any> {
    const form = new FormData();
    form.append('snapshot', new Blob([data]), 'upload.snapshot');
    const r = await fetch(server.url + path, { method: 'POST', body: form });
    const json = await r.json();
    return { status: r.status, body: json };
  }

  const dump = (name: string): Promise<unknown> => dumpCollection(request, name, RICH_QUERIES);

  it('round-trips a collection snapshot: create, list, download, recover by location and by upload, delete', async () => {
    const d = await client.createSnapshot('docs');
    assert.ok(d !== null);
    assert.ok(d.checksum);
    assert.deepEqual(await client.listSnapshots('docs'), [d]);
    await raw('list_snapshots', 200, 'GET', '/collections/docs/snapshots');
    const bytes = await download(`/collections/docs/snapshots/${d.name}`);
    assert.equal(bytes.length, d.size);
    assert.equal(await client.recoverSnapshot('docs_by_location', { location: `file://${join(dir, 'snapshots', 'docs', d.name)}`, priority: 'snapshot', checksum: d.checksum }), true);
    assert.deepEqual(await dump('docs_by_location'), await dump('docs'));
    const up = await upload(`/collections/docs_by_upload/snapshots/upload?priority=snapshot&checksum=${d.checksum}`, bytes);
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assertResponseMatchesSpec('recover_from_uploaded_snapshot', up.status, up.body);
    assert.deepEqual(await dump('docs_by_upload'), await dump('docs'));
    await assert.rejects(client.recoverSnapshot('docs_bad', { location: `file://${join(dir, 'snapshots', 'docs', d.name)}`, checksum: '0'.repeat(64) }), /checksum mismatch|Bad Request/);
    await raw('recover_from_snapshot', 400, 'PUT', '/collections/docs_bad/snapshots/recover', { location: `file://${join(dir, 'snapshots', 'docs', d.name)}`, checksum: '0'.repeat(64) });
    assert.equal(await client.deleteSnapshot('docs', d.name), true);
    assert.deepEqual(await client.listSnapshots('docs'), []);
    await raw('delete_snapshot', 404, 'DELETE', `/collections/docs/snapshots/${d.name}`);
    const accepted = await raw('create_snapshot', 202, 'POST', '/collections/docs/snapshots?wait=false');
    assert.equal(accepted.status, 'accepted');
  });

  it('round-trips a shard snapshot', async () => {
    const d = await client.createShardSnapshot('docs', 0, { wait: true });
    assert.deepEqual(await client.listShardSnapshots('docs', 0), [d]);
    await raw('list_shard_snapshots', 200, 'GET', '/collections/docs/shards/0/snapshots');
    const bytes = await download(`/collections/docs/shards/0/snapshots/${d.name}`);
    assert.equal(bytes.length, d.size);
    const streamed = await download('/collections/docs/shards/0/snapshot');
    assert.ok(streamed.length > 0);
    await makeRichCollection(request, 'shard_target', 4, 5);
    assert.equal(await client.recoverShardFromSnapshot('shard_target', 0, { location: `file://${join(dir, 'snapshots', 'docs', 'shards', '0', d.name)}`, priority: 'snapshot', wait: true }), true);
    const [got, want] = (await Promise.all([dump('shard_target'), dump('docs')])) as Array<{ points: unknown }>;
    assert.deepEqual(got!.points, want!.points);
    const up = await upload('/collections/shard_target/shards/0/snapshots/upload?priority=no_sync', streamed);
    assert.equal(up.status, 200, JSON.stringify(up.body));
    await raw('recover_shard_from_snapshot', 400, 'PUT', '/collections/shard_target/shards/0/snapshots/recover', { location: d.name });
    assert.equal(await client.deleteShardSnapshot('docs', 0, d.name, { wait: true }), true);
    await raw('get_shard_snapshot', 404, 'GET', '/collections/docs/shards/0/snapshots/missing.snapshot');
    await raw('list_shard_snapshots', 404, 'GET', '/collections/docs/shards/1/snapshots');
  });

  it('round-trips a full snapshot, restored at startup with --storage-snapshot', async () => {
    const d = await client.createFullSnapshot({ wait: true });
    assert.ok((await client.listFullSnapshots()).some((s) => s.name === d.name));
    await raw('list_full_snapshots', 200, 'GET', '/snapshots');
    const bytes = await download(`/snapshots/${d.name}`);
    assert.equal(bytes.length, d.size);
    const fresh = tempDir('quiver-compat-full-');
    try {
      const file = join(fresh, 'full.snapshot');
      writeFileSync(file, bytes);
      const started = await startChildWithArgs(fresh, ['--storage-snapshot', file]);
      assert.ok(started.server, started.output);
      const other = started.server;
      try {
        const otherClient = new QdrantClient({ url: other.url, checkCompatibility: false });
        const names = (await otherClient.getCollections()).collections.map((c) => c.name).sort();
        assert.deepEqual(names, (await client.getCollections()).collections.map((c) => c.name).sort());
        assert.deepEqual((await otherClient.getAliases()).aliases, (await client.getAliases()).aliases);
        const otherRequest = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
          const r = await fetch(other.url + path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
          return { status: r.status, body: await r.json() };
        };
        assert.deepEqual(await dumpCollection(otherRequest, 'docs', RICH_QUERIES), await dump('docs'));
      } finally {
        await other.stop();
      }
      // The collections exist now: without --force-snapshot a second restore is refused.
      const again = await startChildWithArgs(fresh, ['--storage-snapshot', file]);
      assert.equal(again.exitCode, 2, again.output);
      assert.match(again.output, /already exists/);
    } finally {
      removeDir(fresh);
    }
    assert.equal(await client.deleteFullSnapshot(d.name, { wait: true }), true);
  });

  it('recovers collections at startup with --snapshot PATH:COLLECTION (repeatable), refusing to overwrite without --force-snapshot', async () => {
    const d = await client.createSnapshot('docs');
    assert.ok(d !== null);
    const fresh = tempDir('quiver-compat-flag-');
    try {
      const file = join(fresh, 'docs.snapshot');
      copyFileSync(join(dir, 'snapshots', 'docs', d.name), file);
      // Leftovers of an interrupted snapshot job are removed at startup.
      mkdirSync(join(fresh, 'storage', 'snapshots_temp', 'quiver-snapshot-crashed'), { recursive: true });
      writeFileSync(join(fresh, 'storage', 'snapshots_temp', 'quiver-snapshot-crashed', 'entry-0'), 'x');
      mkdirSync(join(fresh, 'snapshots', 'docs'), { recursive: true });
      writeFileSync(join(fresh, 'snapshots', 'docs', '.docs-1.snapshot.0a1b2c.tmp'), 'x');
      const started = await startChildWithArgs(fresh, ['--snapshot', `${file}:restored`, '--snapshot', `${file}:restored_twice`]);
      assert.ok(started.server, started.output);
      const other = started.server;
      try {
        const otherRequest = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
          const r = await fetch(other.url + path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
          return { status: r.status, body: await r.json() };
        };
        assert.deepEqual(await dumpCollection(otherRequest, 'restored', RICH_QUERIES), await dump('docs'));
        assert.deepEqual(await dumpCollection(otherRequest, 'restored_twice', RICH_QUERIES), await dump('docs'));
      } finally {
        await other.stop();
      }
      assert.deepEqual(filesUnder(join(fresh, 'storage', 'snapshots_temp')), []);
      assert.equal(existsSync(join(fresh, 'snapshots', 'docs', '.docs-1.snapshot.0a1b2c.tmp')), false);
      const refused = await startChildWithArgs(fresh, ['--snapshot', `${file}:restored`]);
      assert.equal(refused.exitCode, 2, refused.output);
      assert.match(refused.output, /collection `restored` already exists: use --force-snapshot to replace it/);
      const forced = await startChildWithArgs(fresh, ['--snapshot', `${file}:restored`, '--force-snapshot']);
      assert.ok(forced.server, forced.output);
      await forced.server.stop();
      const malformed = await startChildWithArgs(fresh, ['--snapshot', file]);
      assert.equal(malformed.exitCode, 2, malformed.output);
      assert.match(malformed.output, /PATH:COLLECTION/);
    } finally {
      removeDir(fresh);
    }
  });
});
