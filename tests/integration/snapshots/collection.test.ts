/**
 * Collection snapshots through the REST layer (in-process): create / list / download / delete, recovery from a
 * file location and from an upload, checksum and priority handling, atomic replacement.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { startTestApp, type TestApp } from '../../support/app.js';
import { pollUntil } from '../../support/poll.js';
import type { Request } from './fixtures.js';
import { assertResponseMatchesSpec } from '../../support/openapi.js';
import { dumpCollection, filesUnder, multipart, quiverArchive } from '../../support/snapshots.js';
import { makeKeyedCollection, makeRichCollection, RICH_QUERIES } from './fixtures.js';
import type { CollectionSnapshotSource } from '../../../src/service/snapshots/toc-contract.js';
import type { KvKey } from '../../../src/storage/kv/store.js';
import type { EncodedPoint } from '../../../src/collection/point-codec.js';

describe('collection snapshots', () => {
  let app: TestApp;
  const req: Request = (method, url, body) => app.request(method, url, body);
  let snapshotsDir: string;
  let tempPath: string;
  before(async () => {
    app = await startTestApp();
    snapshotsDir = join(app.dir, 'snapshots');
    tempPath = join(app.dir, 'storage', 'snapshots_temp');
    await makeRichCollection(req, 'rich');
    await makeKeyedCollection(req, 'keyed');
  });
  after(async () => {
    await app.destroy();
  });

  const dump = (name: string, queries: ReadonlyArray<Record<string, unknown>> = RICH_QUERIES): Promise<unknown> => dumpCollection(req, name, queries);

  async function download(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
    const r = await app.app.inject({ method: 'GET', url });
    return { status: r.statusCode, headers: r.headers, body: r.rawPayload };
  }

  async function upload(url: string, data: Buffer, field = 'snapshot'): Promise<{ status: number; body: any }> {
    const { body, contentType } = multipart(data, field);
    const r = await app.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': contentType } });
    return { status: r.statusCode, body: JSON.parse(r.body) };
  }

  async function create(name: string): Promise<{ name: string; size: number; checksum: string; creation_time: string }> {
    const r = await app.request('POST', `/collections/${name}/snapshots`);
    assert.equal(r.status, 200, r.text);
    assertResponseMatchesSpec('create_snapshot', r.status, r.body);
    return r.body.result;
  }

  it('creates, lists, downloads and deletes a snapshot', async () => {
    const d = await create('rich');
    assert.match(d.name, /^rich-\d{16}-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.snapshot$/);
    assert.match(d.creation_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    const list = await app.request('GET', '/collections/rich/snapshots');
    assertResponseMatchesSpec('list_snapshots', list.status, list.body);
    assert.deepEqual(list.body.result, [d]);
    const file = await download(`/collections/rich/snapshots/${d.name}`);
    assert.equal(file.status, 200);
    assert.equal(file.headers['content-type'], 'application/octet-stream');
    assert.equal(Number(file.headers['content-length']), d.size);
    assert.match(String(file.headers['content-disposition']), new RegExp(`attachment; filename="${d.name}"`));
    assert.equal(file.body.length, d.size);
    assert.equal(createHash('sha256').update(file.body).digest('hex'), d.checksum);
    assert.equal(readFileSync(join(snapshotsDir, 'rich', `${d.name}.checksum`), 'utf8').trim(), d.checksum);
    const del = await app.request('DELETE', `/collections/rich/snapshots/${d.name}`);
    assertResponseMatchesSpec('delete_snapshot', del.status, del.body);
    assert.equal(del.body.result, true);
    assert.deepEqual((await app.request('GET', '/collections/rich/snapshots')).body.result, []);
    assert.equal(existsSync(join(snapshotsDir, 'rich', `${d.name}.checksum`)), false);
    const again = await app.request('DELETE', `/collections/rich/snapshots/${d.name}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.status.error, `Not found: Snapshot ${d.name} not found`);
    assert.equal((await download(`/collections/rich/snapshots/${d.name}`)).status, 404);
  });

  it('answers 404 for the snapshots of a collection that does not exist', async () => {
    assert.equal((await app.request('GET', '/collections/nope/snapshots')).status, 404);
    assert.equal((await app.request('POST', '/collections/nope/snapshots')).status, 404);
  });

  it('answers 202 accepted with wait=false and creates the snapshot in the background', async () => {
    const r = await app.request('POST', '/collections/keyed/snapshots?wait=false');
    assert.equal(r.status, 202);
    assertResponseMatchesSpec('create_snapshot', r.status, r.body);
    assert.equal(r.body.status, 'accepted');
    const [d] = await pollUntil('the background snapshot to be listed', async () => {
      const listed = (await app.request('GET', '/collections/keyed/snapshots')).body.result as Array<{ name: string }>;
      return listed.length > 0 ? listed : undefined;
    });
    assert.ok(d !== undefined);
    const del = await app.request('DELETE', `/collections/keyed/snapshots/${d.name}?wait=false`);
    assert.equal(del.status, 202);
    assert.deepEqual((await app.request('GET', '/collections/keyed/snapshots')).body.result, []);
  });

  it('recovers from a file:// location into a new collection that equals the original', async () => {
    const d = await create('rich');
    const r = await app.request('PUT', '/collections/rich_copy/snapshots/recover', { location: `file://${join(snapshotsDir, 'rich', d.name)}` });
    assert.equal(r.status, 200, r.text);
    assertResponseMatchesSpec('recover_from_snapshot', r.status, r.body);
    assert.equal(r.body.result, true);
    assert.deepEqual(await dump('rich_copy'), await dump('rich'));
  });

  it('carries shard keys and shard-keyed points', async () => {
    const d = await create('keyed');
    const r = await app.request('PUT', '/collections/keyed_copy/snapshots/recover', { location: `file://${join(snapshotsDir, 'keyed', d.name)}` });
    assert.equal(r.status, 200, r.text);
    const q = [{ query: [1, 1], limit: 5, with_payload: true, shard_key: 'k1' }];
    assert.deepEqual(await dumpCollection(req, 'keyed_copy', q), await dumpCollection(req, 'keyed', q));
    const scroll = await app.request('POST', '/collections/keyed_copy/points/scroll', { shard_key: 7 });
    assert.deepEqual(scroll.body.result.points.map((p: { id: number }) => p.id), [2]);
  });

  it('recovers from an upload, creating the collection', async () => {
    const d = await create('rich');
    const file = await download(`/collections/rich/snapshots/${d.name}`);
    const r = await upload('/collections/uploaded/snapshots/upload?priority=snapshot', file.body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assertResponseMatchesSpec('recover_from_uploaded_snapshot', r.status, r.body);
    assert.deepEqual(await dump('uploaded'), await dump('rich'));
    assert.deepEqual(filesUnder(tempPath), []);
  });

  it('replaces an existing collection (through its alias) with the snapshot content', async () => {
    await app.request('PUT', '/collections/target', { vectors: { size: 2, distance: 'Dot' } });
    await app.request('PUT', '/collections/target/points?wait=true', { points: [{ id: 1, vector: [1, 0], payload: { v: 'old' } }, { id: 2, vector: [0, 1], payload: { v: 'old' } }] });
    const d = await create('target');
    await app.request('PUT', '/collections/target/points?wait=true', { points: [{ id: 3, vector: [1, 1], payload: { v: 'new' } }, { id: 1, vector: [5, 5], payload: { v: 'changed' } }] });
    await app.request('POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'target', alias_name: 'target_alias' } }] });
    const before = await dump('target', []);
    const r = await app.request('PUT', '/collections/target_alias/snapshots/recover', { location: `file://${join(snapshotsDir, 'target', d.name)}`, priority: 'snapshot' });
    assert.equal(r.status, 200, r.text);
    const after = (await dump('target', [])) as { points: Array<{ id: number; payload: unknown }> };
    assert.notDeepEqual(after, before);
    assert.deepEqual(after.points.map((p) => [p.id, p.payload]), [[1, { v: 'old' }], [2, { v: 'old' }]]);
    assert.equal((await app.request('GET', '/collections/target_alias')).status, 200);
    assert.deepEqual(app.toc.snapshotLeftovers(), []);
  });

  it('verifies the checksum: a mismatch is refused (400) and changes nothing', async () => {
    const d = await create('rich');
    const location = `file://${join(snapshotsDir, 'rich', d.name)}`;
    await app.request('PUT', '/collections/checked', { vectors: { a: { size: 4, distance: 'Cosine' }, b: { size: 3, distance: 'Euclid' }, m: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } }, sparse_vectors: { s: {} } });
    const before = await dump('checked');
    const wrong = 'ab'.repeat(32);
    const r = await app.request('PUT', '/collections/checked/snapshots/recover', { location, checksum: wrong });
    assert.equal(r.status, 400);
    assert.equal(r.body.status.error, `Wrong input: Snapshot checksum mismatch: expected ${wrong}, got ${d.checksum}`);
    assert.deepEqual(await dump('checked'), before);
    const missing = await app.request('PUT', '/collections/never_created/snapshots/recover', { location, checksum: wrong });
    assert.equal(missing.status, 400);
    assert.equal((await app.request('GET', '/collections/never_created')).status, 404);
    const file = await download(`/collections/rich/snapshots/${d.name}`);
    const up = await upload(`/collections/checked/snapshots/upload?checksum=${wrong}`, file.body);
    assert.equal(up.status, 400);
    assert.match(up.body.status.error, /checksum mismatch/);
    assert.deepEqual(await dump('checked'), before);
    // The right checksum (any case) is accepted.
    const good = await app.request('PUT', '/collections/checked/snapshots/recover', { location, checksum: d.checksum.toUpperCase() });
    assert.equal(good.status, 200, good.text);
    assert.deepEqual(await dump('checked'), await dump('rich'));
    assert.deepEqual(filesUnder(tempPath), []);
    assert.deepEqual(app.toc.snapshotLeftovers(), []);
  });

  it('accepts every priority (a single node has no replica to prefer) and refuses unknown ones', async () => {
    const d = await create('keyed');
    const location = `file://${join(snapshotsDir, 'keyed', d.name)}`;
    for (const priority of ['no_sync', 'snapshot', 'replica', null]) {
      const r = await app.request('PUT', `/collections/prio_${String(priority)}/snapshots/recover`, { location, priority });
      assert.equal(r.status, 200, r.text);
      assert.equal((await app.request('POST', `/collections/prio_${String(priority)}/points/count`, {})).body.result.count, 2);
    }
    const bad = await app.request('PUT', '/collections/prio_bad/snapshots/recover', { location, priority: 'newest' });
    assert.equal(bad.status, 400);
    const file = await download(`/collections/keyed/snapshots/${d.name}`);
    const up = await upload('/collections/prio_bad/snapshots/upload?priority=newest', file.body);
    assert.equal(up.status, 400);
    assert.match(up.body.status.error, /priority/);
    assert.equal((await app.request('GET', '/collections/prio_bad')).status, 404);
  });

  it("refuses a snapshot whose vectors differ from the existing collection's, as Qdrant does", async () => {
    const d = await create('keyed');
    await app.request('PUT', '/collections/other_dims', { vectors: { size: 3, distance: 'Dot' } });
    const r = await app.request('PUT', '/collections/other_dims/snapshots/recover', { location: `file://${join(snapshotsDir, 'keyed', d.name)}` });
    assert.equal(r.status, 400);
    assert.match(r.body.status.error, /^Wrong input: Snapshot is not compatible with existing collection/);
  });

  it('leaves the old collection intact when a recovery fails half-way (a bad point deep in the file)', async () => {
    await app.request('PUT', '/collections/intact', { vectors: { size: 2, distance: 'Dot' } });
    await app.request('PUT', '/collections/intact/points?wait=true', { points: [{ id: 1, vector: [1, 2], payload: { old: true } }] });
    const before = await dump('intact', []);
    const config = (await app.request('GET', '/collections/intact')).body.result.config;
    const f32 = (xs: number[]): string => Buffer.from(new Float32Array(xs).buffer).toString('base64');
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: i + 1, ver: 1, p: null, v: { '': { dense: f32([i, 1]) } } }));
    lines.push(JSON.stringify({ id: 5000, ver: 1, p: null, v: { '': { dense: f32([1, 2, 3]) } } }));
    const manifest = { format: 'quiver-snapshot', version: 1, kind: 'collection', created_at: '', quiver_version: '', collection: { name: 'x', config, payload_indexes: [], shard_keys: [], created_at: '', op_seq: 1, points_count: lines.length } };
    const r = await upload('/collections/intact/snapshots/upload', quiverArchive(manifest, `${lines.join('\n')}\n`));
    assert.equal(r.status, 400);
    assert.match(r.body.status.error, /points\.ndjson line 3001: default vector has 3 components, the collection expects 2/);
    assert.deepEqual(await dump('intact', []), before);
    assert.deepEqual(app.toc.snapshotLeftovers(), []);
    assert.deepEqual(filesUnder(tempPath), []);
  });

  it('takes a snapshot without blocking writes, from one consistent point in time', async () => {
    await app.request('PUT', '/collections/busy', { vectors: { size: 16, distance: 'Dot' } });
    for (let b = 0; b < 10; b++) {
      const points = Array.from({ length: 2000 }, (_, i) => ({ id: b * 2000 + i + 1, vector: Array.from({ length: 16 }, (_, k) => (i * k) % 7), payload: { b } }));
      await app.request('PUT', '/collections/busy/points?wait=true', { points });
    }
    // Barrier: the write is sent only once the snapshot has opened its read snapshot (observed by wrapping the
    // table of content's snapshot source, which also counts the points the export has consumed so far).
    const toc = app.toc as unknown as { snapshotSource: (pass: unknown) => CollectionSnapshotSource };
    const original = toc.snapshotSource;
    let consumed = 0;
    let opened!: () => void;
    const sourceOpened = new Promise<void>((resolve) => (opened = resolve));
    toc.snapshotSource = (pass: unknown): CollectionSnapshotSource => {
      const source = original.call(app.toc, pass);
      const inner = source.points;
      function* counting(): Generator<{ key: KvKey; value: EncodedPoint }> {
        for (let n = inner.next(); n.done !== true; n = inner.next()) {
          consumed++;
          yield n.value;
        }
      }
      opened();
      return { ...source, points: counting() };
    };
    let s: Awaited<ReturnType<TestApp['request']>>;
    try {
      const snapshot = app.request('POST', '/collections/busy/snapshots');
      await sourceOpened;
      const write = await app.request('PUT', '/collections/busy/points?wait=true', { points: [{ id: 999_999, vector: Array(16).fill(1), payload: { during: true } }] });
      const consumedAtAck = consumed;
      assert.equal(write.status, 200);
      assert.equal((await app.request('GET', '/collections/busy/points/999999')).status, 200);
      s = await snapshot;
      assert.equal(s.status, 200);
      // Not blocked: the write was acknowledged while the export was still reading the 20 000 points.
      assert.ok(consumedAtAck < 20_000, `the write was acknowledged only after the snapshot had read all ${consumed} points`);
    } finally {
      toc.snapshotSource = original;
    }
    const r = await app.request('PUT', '/collections/busy_copy/snapshots/recover', { location: `file://${join(snapshotsDir, 'busy', s.body.result.name)}` });
    assert.equal(r.status, 200, r.text);
    assert.equal((await app.request('POST', '/collections/busy_copy/points/count', {})).body.result.count, 20_000);
    assert.equal((await app.request('GET', '/collections/busy_copy/points/999999')).status, 404);
  });

  it('replaces atomically: concurrent readers see the old collection or the new one, never a mix', async () => {
    const put = (name: string, tag: string, n: number): Promise<unknown> =>
      app.request('PUT', `/collections/${name}/points?wait=true`, { points: Array.from({ length: n }, (_, i) => ({ id: i + 1, vector: [i, 1], payload: { tag } })) });
    await app.request('PUT', '/collections/swap_src', { vectors: { size: 2, distance: 'Dot' } });
    await put('swap_src', 'new', 15_000);
    const d = await create('swap_src');
    await app.request('PUT', '/collections/swap', { vectors: { size: 2, distance: 'Dot' } });
    await put('swap', 'old', 500);
    let done = false;
    const recovery = app.request('PUT', '/collections/swap/snapshots/recover', { location: `file://${join(snapshotsDir, 'swap_src', d.name)}` }).finally(() => (done = true));
    const seen = new Set<string>();
    while (!done) {
      // One read: the old collection has 500 points (all `old`), the new one more than 600 (all `new`).
      const r = await app.request('POST', '/collections/swap/points/scroll', { limit: 600, with_payload: true });
      const points = r.body.result.points as Array<{ payload: { tag: string } }>;
      const tags = new Set(points.map((p) => p.payload.tag));
      assert.equal(tags.size, 1, `a read saw a mix: ${[...tags].join(', ')}`);
      const [tag] = [...tags] as string[];
      seen.add(tag!);
      assert.ok((tag === 'old' && points.length === 500) || (tag === 'new' && points.length === 600), `${tag} with ${points.length} points`);
    }
    assert.equal((await recovery).status, 200);
    assert.ok(seen.has('old'));
    const after = await app.request('POST', '/collections/swap/points/scroll', { limit: 1, with_payload: true });
    assert.equal(after.body.result.points[0].payload.tag, 'new');
  });
});
