/**
 * Shards on one node: `shard_number: N` gives N local shards, points routed by id on Qdrant's fair hash ring,
 * each listed in collection cluster info with its own point count and with its own shard snapshots (create, list,
 * download, upload, recover) that hold and restore only that shard's points. Custom shard keys own their shards.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PLAIN_STORAGE, startTestApp, type TestApp } from '../../support/app.js';
import { assertResponseMatchesSpec } from '../../support/openapi.js';
import { multipart, tarEntries } from '../../support/snapshots.js';
import { ShardRouter } from '../../../src/collection/shard-router.js';

const UUID = '5c56c793-69f3-4fbf-87e6-c4bf54c28c26';
const IDS: Array<number | string> = [...Array.from({ length: 60 }, (_, i) => i), UUID];

describe('conformance: shards on one node', () => {
  let app: TestApp;
  const ok = async (method: string, url: string, body?: unknown): Promise<any> => {
    const r = await app.request(method, url, body);
    assert.equal(r.status, 200, `${method} ${url}: ${r.text}`);
    return r.body.result;
  };
  const router = new ShardRouter(3, null);
  const inShard = (shard: number): Array<number | string> => IDS.filter((id) => router.shardOf(id) === shard);
  const ids = async (collection: string): Promise<string[]> => {
    const r = await ok('POST', `/collections/${collection}/points/scroll`, { limit: 1000 });
    return r.points.map((p: { id: unknown }) => String(p.id)).sort();
  };
  before(async () => {
    // Plain storage even in an encrypted run: the tests read the downloaded snapshots' tar entries themselves.
    app = await startTestApp(PLAIN_STORAGE);
    await ok('PUT', '/collections/s3', { vectors: { size: 2, distance: 'Dot' }, shard_number: 3 });
    await ok('PUT', '/collections/s3/points?wait=true', { points: IDS.map((id, i) => ({ id, vector: [i, 1], payload: { i } })) });
  });
  after(async () => {
    await app.destroy();
  });

  it('cluster info lists every local shard with its own point count', async () => {
    const r = await app.request('GET', '/collections/s3/cluster');
    assert.equal(r.status, 200, r.text);
    assertResponseMatchesSpec('collection_cluster_info', r.status, r.body);
    const info = r.body.result;
    assert.equal(info.shard_count, 3);
    assert.deepEqual(info.local_shards.map((s: { shard_id: number }) => s.shard_id), [0, 1, 2]);
    let total = 0;
    for (const s of info.local_shards) {
      assert.equal(s.state, 'Active');
      assert.equal(s.points_count, inShard(s.shard_id).length, `shard ${s.shard_id}`);
      assert.ok(s.points_count > 0, 'the fair ring spreads 61 points over every shard');
      total += s.points_count;
    }
    assert.equal(total, IDS.length);
    assert.equal((await ok('GET', '/collections/s3')).config.params.shard_number, 3);
  });

  it('every shard id has its own snapshots, holding only that shard\'s points; other ids are 404', async () => {
    for (const shard of [0, 1, 2]) {
      const snap = await ok('POST', `/collections/s3/shards/${shard}/snapshots?wait=true`);
      assert.match(snap.name, new RegExp(`^s3-shard-${shard}-`));
      assert.deepEqual((await ok('GET', `/collections/s3/shards/${shard}/snapshots`)).map((d: { name: string }) => d.name), [snap.name]);
      const file = await app.app.inject({ method: 'GET', url: `/collections/s3/shards/${shard}/snapshots/${snap.name}` });
      assert.equal(file.statusCode, 200);
      const entries = tarEntries(file.rawPayload);
      const manifest = JSON.parse(entries.find((e) => e.path === 'manifest.json')!.data.toString('utf8'));
      assert.equal(manifest.shard_id, shard);
      const lines = entries.find((e) => e.path === 'points.ndjson')!.data.toString('utf8').trim().split('\n');
      assert.deepEqual(lines.map((l) => String(JSON.parse(l).id)).sort(), inShard(shard).map(String).sort());
    }
    const streamed = await app.app.inject({ method: 'GET', url: '/collections/s3/shards/2/snapshot' });
    assert.equal(streamed.statusCode, 200);
    const streamedPoints = tarEntries(streamed.rawPayload).find((e) => e.path === 'points.ndjson')!.data.toString('utf8').trim().split('\n');
    assert.equal(streamedPoints.length, inShard(2).length);
    for (const url of ['/collections/s3/shards/3/snapshots', '/collections/s3/shards/7/snapshot']) {
      const r = await app.request('GET', url);
      assert.equal(r.status, 404, r.text);
      assert.match(r.body.status.error, /^Not found: Shard \d of collection s3 does not exist/);
    }
  });

  it('recovering a shard restores that shard only; the other shards keep their current points', async () => {
    const snap = (await ok('GET', '/collections/s3/shards/1/snapshots'))[0];
    const lost = inShard(1).slice(0, 3);
    const other = inShard(0)[0]!;
    await ok('POST', '/collections/s3/points/delete?wait=true', { points: lost });
    await ok('POST', '/collections/s3/points/payload?wait=true', { points: [other], payload: { changed: true } });
    await ok('PUT', '/collections/s3/shards/1/snapshots/recover?wait=true', { location: snap.name });
    assert.deepEqual(await ids('s3'), IDS.map(String).sort(), 'the deleted points of shard 1 are back');
    const kept = await ok('GET', `/collections/s3/points/${other}`);
    assert.equal(kept.payload.changed, true, 'shard 0 was not rolled back');
    const counts = (await ok('GET', '/collections/s3/cluster')).local_shards.map((s: { points_count: number }) => s.points_count);
    assert.deepEqual(counts, [0, 1, 2].map((s) => inShard(s).length));
  });

  it('uploading a shard snapshot recovers that shard; a snapshot of another shard is refused with nothing changed', async () => {
    const snap2 = (await ok('GET', '/collections/s3/shards/2/snapshots'))[0];
    const file = await app.app.inject({ method: 'GET', url: `/collections/s3/shards/2/snapshots/${snap2.name}` });
    await ok('POST', '/collections/s3/points/delete?wait=true', { points: inShard(2) });
    const { body, contentType } = multipart(file.rawPayload);
    const up = await app.app.inject({ method: 'POST', url: '/collections/s3/shards/2/snapshots/upload?wait=true', payload: body, headers: { 'content-type': contentType } });
    assert.equal(up.statusCode, 200, up.body);
    assert.deepEqual(await ids('s3'), IDS.map(String).sort(), 'after the upload');

    const wrong = await app.app.inject({ method: 'POST', url: '/collections/s3/shards/0/snapshots/upload?wait=true', payload: body, headers: { 'content-type': contentType } });
    assert.equal(wrong.statusCode, 400, wrong.body);
    assert.match(JSON.parse(wrong.body).status.error, /belongs to shard 2 of this collection, not to shard 0/);
    assert.deepEqual(await ids('s3'), IDS.map(String).sort(), 'after the refused upload');
  });

  it('custom sharding: every shard key owns shard_number shards, numbered from 1 as Qdrant numbers them, named in cluster info', async () => {
    await ok('PUT', '/collections/custom', { vectors: { size: 2, distance: 'Dot' }, shard_number: 2, sharding_method: 'custom' });
    await ok('PUT', '/collections/custom/shards', { shard_key: 'a' });
    await ok('PUT', '/collections/custom/shards', { shard_key: 'b' });
    await ok('PUT', '/collections/custom/points?wait=true', { points: IDS.slice(0, 20).map((id) => ({ id, vector: [1, 1] })), shard_key: 'a' });
    await ok('PUT', '/collections/custom/points?wait=true', { points: IDS.slice(20, 25).map((id) => ({ id, vector: [1, 1] })), shard_key: 'b' });
    const info = await ok('GET', '/collections/custom/cluster');
    assert.equal(info.shard_count, 4);
    assert.deepEqual(info.local_shards.map((s: { shard_id: number; shard_key: string }) => [s.shard_id, s.shard_key]), [[1, 'a'], [2, 'a'], [3, 'b'], [4, 'b']]);
    const sum = (key: string): number => info.local_shards.filter((s: { shard_key: string }) => s.shard_key === key).reduce((n: number, s: { points_count: number }) => n + s.points_count, 0);
    assert.equal(sum('a'), 20);
    assert.equal(sum('b'), 5);
    const keyed = new ShardRouter(2, [{ key: 'a', shardIds: [1, 2] }, { key: 'b', shardIds: [3, 4] }]);
    for (const s of info.local_shards) {
      const expected = IDS.slice(s.shard_key === 'a' ? 0 : 20, s.shard_key === 'a' ? 20 : 25).filter((id) => keyed.shardOf(id, s.shard_key) === s.shard_id).length;
      assert.equal(s.points_count, expected, `shard ${s.shard_id}`);
    }
    assert.equal((await app.request('GET', '/collections/custom/shards/4/snapshots')).status, 200);
    assert.equal((await app.request('GET', '/collections/custom/shards/0/snapshots')).status, 404);
    assert.equal((await app.request('GET', '/collections/custom/shards/5/snapshots')).status, 404);
  });

  it('custom sharding: shards_number gives a key its own shards; deleting a key keeps the others\' ids; new ids follow the largest', async () => {
    const shardsOf = async (): Promise<Array<[number, string | number]>> =>
      (await ok('GET', '/collections/keys/cluster')).local_shards.map((s: { shard_id: number; shard_key: string | number }) => [s.shard_id, s.shard_key]);
    await ok('PUT', '/collections/keys', { vectors: { size: 2, distance: 'Dot' }, shard_number: 2, sharding_method: 'custom' });
    await ok('PUT', '/collections/keys/shards', { shard_key: 'a' });
    await ok('PUT', '/collections/keys/shards', { shard_key: 'b', shards_number: 3 });
    await ok('PUT', '/collections/keys/shards', { shard_key: 7, shards_number: 1 });
    assert.deepEqual(await shardsOf(), [[1, 'a'], [2, 'a'], [3, 'b'], [4, 'b'], [5, 'b'], [6, 7]]);
    await ok('PUT', '/collections/keys/points?wait=true', { points: IDS.slice(0, 30).map((id) => ({ id, vector: [1, 1] })), shard_key: 'b' });
    const b = (await ok('GET', '/collections/keys/cluster')).local_shards.filter((s: { shard_key: string }) => s.shard_key === 'b');
    assert.equal(b.reduce((n: number, s: { points_count: number }) => n + s.points_count, 0), 30);
    assert.ok(b.every((s: { points_count: number }) => s.points_count > 0), 'the key\'s points are spread over its 3 shards');

    await ok('POST', '/collections/keys/shards/delete', { shard_key: 'a' });
    assert.deepEqual(await shardsOf(), [[3, 'b'], [4, 'b'], [5, 'b'], [6, 7]], 'ids are not renumbered');
    assert.equal((await app.request('GET', '/collections/keys/shards/3/snapshots')).status, 200);
    assert.equal((await app.request('GET', '/collections/keys/shards/1/snapshots')).status, 404);
    await ok('PUT', '/collections/keys/shards', { shard_key: 'c' });
    assert.deepEqual(await shardsOf(), [[3, 'b'], [4, 'b'], [5, 'b'], [6, 7], [7, 'c'], [8, 'c']]);
    await ok('POST', '/collections/keys/shards/delete', { shard_key: 'c' });
    await ok('PUT', '/collections/keys/shards', { shard_key: 'd', shards_number: 1 });
    assert.deepEqual(await shardsOf(), [[3, 'b'], [4, 'b'], [5, 'b'], [6, 7], [7, 'd']], 'after the largest ids went with their key, they are given again');

    // The numbering is stored: a restart shows the same ids.
    await app.close();
    app = await startTestApp(PLAIN_STORAGE, {}, app.dir);
    assert.deepEqual(await shardsOf(), [[3, 'b'], [4, 'b'], [5, 'b'], [6, 7], [7, 'd']]);
  });

  it('a single-shard collection keeps shard 0 only', async () => {
    await ok('PUT', '/collections/one', { vectors: { size: 2, distance: 'Dot' } });
    const info = await ok('GET', '/collections/one/cluster');
    assert.deepEqual(info.local_shards, [{ shard_id: 0, points_count: 0, state: 'Active' }]);
    assert.equal((await app.request('GET', '/collections/one/shards/1/snapshots')).status, 404);
  });
});
