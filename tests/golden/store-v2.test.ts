/**
 * The golden storage-format-2 fixtures (`tests/fixtures/golden/v2/`, made once by `scripts/make-golden.ts`): format 2
 * records the shard ids of custom shard keys. In the fixture, `sharded` was given a key `"gone"` of two shards (ids 1
 * and 2) before `"eu"` (3) and `7` (4), then `"gone"` was deleted: Qdrant keeps the other keys' ids, and so must
 * every later Quiver reading the store or recovering its full snapshot. A format-1 store is migrated to 2 keeping
 * the ids format 1 showed (`"eu"` 0, `7` 1); keys made after the migration are numbered after the largest.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { removeDir, startTestApp, tempDir, type TestApp } from '../support/app.js';
import { prepareSnapshotsAtStartup } from '../../src/service/snapshots/startup.js';
import { STORE_FORMAT_VERSION } from '../../src/storage/kv/store.js';
import { copyGoldenStore, GOLDEN_POINTS, GOLDEN_V2, assertClose } from './fixtures.js';

const dirs: string[] = [];
const apps: TestApp[] = [];
after(async () => {
  for (const a of apps) await a.close();
  dirs.forEach(removeDir);
});

async function ok(app: TestApp, method: string, url: string, body?: unknown): Promise<any> {
  const r = await app.request(method, url, body);
  assert.equal(r.status, 200, `${method} ${url}: ${r.text}`);
  return r.body.result;
}

const shardIds = async (app: TestApp, collection: string): Promise<Array<[number, unknown, number]>> =>
  (await ok(app, 'GET', `/collections/${collection}/cluster`)).local_shards.map((s: { shard_id: number; shard_key: unknown; points_count: number }) => [s.shard_id, s.shard_key, s.points_count]);

async function marker(dir: string): Promise<unknown> {
  const env = open({ path: join(dir, 'storage', 'quiver.mdb'), maxDbs: 10_000, compression: false });
  try {
    return env.openDB({ name: 'meta' }).get('format_version');
  } finally {
    await env.close();
  }
}

describe('golden v2 store (storage format 2: shard ids of custom shard keys)', () => {
  it('reads the store: the keys keep the ids they had, after a deleted key; points intact', async () => {
    const dir = tempDir('quiver-golden-v2-');
    dirs.push(dir);
    cpSync(join(GOLDEN_V2, 'store'), join(dir, 'storage'), { recursive: true });
    assert.equal(await marker(dir), 2);
    const app = await startTestApp({}, {}, dir);
    apps.push(app);
    assert.equal(await marker(dir), STORE_FORMAT_VERSION, 'a format-2 store is migrated by its marker');
    assert.deepEqual(await shardIds(app, 'sharded'), [[3, 'eu', 1], [4, 7, 1]]);
    const all = await ok(app, 'POST', '/collections/sharded/points/scroll', { with_vector: true });
    assert.deepEqual(all.points, [
      { id: 1, payload: { city: 'Paris' }, vector: [1, 0], shard_key: 'eu' },
      { id: 2, payload: { city: 'Tokyo' }, vector: [0, 1], shard_key: 7 },
    ]);
    const golden = await ok(app, 'POST', '/collections/golden/points/scroll', { limit: 100, with_payload: true, with_vector: true });
    assertClose(golden.points, GOLDEN_POINTS);
    await ok(app, 'PUT', '/collections/sharded/shards', { shard_key: 'new' });
    assert.deepEqual(await shardIds(app, 'sharded'), [[3, 'eu', 1], [4, 7, 1], [5, 'new', 0]]);
  });

  it('recovers the v2 full snapshot with the same shard ids', async () => {
    const app = await startTestApp();
    apps.push(app);
    dirs.push(app.dir);
    const report = await prepareSnapshotsAtStartup(app.toc, app.deps.snapshots, { snapshots: [], storageSnapshot: join(GOLDEN_V2, 'snapshots', 'full.snapshot'), force: false });
    assert.deepEqual([...report.recovered].sort(), ['golden', 'indexed', 'sharded']);
    assert.deepEqual(await shardIds(app, 'sharded'), [[3, 'eu', 1], [4, 7, 1]]);
  });

  it('migrates a v1 store (marker 1) to the current format: its keys keep the ids format 1 gave them; a new key comes after them', async () => {
    const dir = copyGoldenStore();
    dirs.push(dir);
    assert.equal(await marker(dir), 1);
    const app = await startTestApp({}, {}, dir);
    assert.equal(await marker(dir), STORE_FORMAT_VERSION);
    assert.deepEqual(await shardIds(app, 'sharded'), [[0, 'eu', 1], [1, 7, 1]]);
    await ok(app, 'POST', '/collections/sharded/shards/delete', { shard_key: 'eu' });
    await ok(app, 'PUT', '/collections/sharded/shards', { shard_key: 'x', shards_number: 2 });
    assert.deepEqual(await shardIds(app, 'sharded'), [[1, 7, 1], [2, 'x', 0], [3, 'x', 0]]);
    await app.close();
    const again = await startTestApp({}, {}, dir);
    apps.push(again);
    assert.deepEqual(await shardIds(again, 'sharded'), [[1, 7, 1], [2, 'x', 0], [3, 'x', 0]], 'the ids are stored');
  });
});
