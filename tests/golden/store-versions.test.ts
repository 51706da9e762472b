/**
 * The store's format version (`format_version` in the LMDB `meta` table): a store of a newer version is refused
 * before anything is read or written; a v1 store, with or without the marker (as written before the marker existed),
 * is migrated to v2 by writing the marker, crash-safely — killed at a random point of startup, it restarts intact and migrated; an
 * HNSW image of a newer version is not interpreted: the graph is rebuilt from the stored vectors.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { removeDir, startChildServer, startTestApp, testStoreLmdbKey, type TestApp } from '../support/app.js';
import { STORE_FORMAT_VERSION } from '../../src/storage/kv/store.js';
import { killDuringMigration } from './kill-migration.js';
import { assertClose, copyGoldenStore, GOLDEN_POINTS, indexedImagePath, startOnGoldenStore } from './fixtures.js';

const NEWER = new RegExp(`storage format version ${STORE_FORMAT_VERSION + 1} is newer than this Quiver supports \\(max ${STORE_FORMAT_VERSION}\\); upgrade Quiver`);

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
function goldenCopy(): string {
  const dir = copyGoldenStore();
  dirs.push(dir);
  return dir;
}

/** Reads or changes the `meta` table of a storage dir directly, as another build of Quiver would. */
async function withMeta<T>(dir: string, fn: (meta: { get(k: string): unknown; put(k: string, v: unknown): Promise<boolean>; remove(k: string): Promise<boolean>; getCount(): number }) => Promise<T> | T): Promise<T> {
  // A store a test server created in an encrypted run (QUIVER_TEST_ENCRYPTION=1) opens with the run's key.
  const encryptionKey = existsSync(join(dir, 'storage', 'encryption.json')) ? testStoreLmdbKey() : undefined;
  const env = open({ path: join(dir, 'storage', 'quiver.mdb'), maxDbs: 10_000, compression: false, ...(encryptionKey === undefined ? {} : { encryptionKey }) });
  try {
    return await fn(env.openDB({ name: 'meta' }));
  } finally {
    await env.close();
  }
}

async function assertGoldenContent(app: TestApp): Promise<void> {
  const r = await app.request('POST', '/collections/golden/points/scroll', { limit: 100, with_payload: true, with_vector: true });
  assert.equal(r.status, 200, r.text);
  assertClose(r.body.result.points, GOLDEN_POINTS);
  const indexed = await app.request('GET', '/collections/current');
  assert.equal(indexed.body.result.points_count, 200);
}

describe('store format version', () => {
  it('the golden v1 store carries format_version 1', async () => {
    const dir = goldenCopy();
    assert.equal(await withMeta(dir, (m) => m.get('format_version')), 1);
  });

  it('refuses a store of a newer version, in process and as a server, without touching it', async () => {
    const dir = goldenCopy();
    const before = await withMeta(dir, async (m) => {
      await m.put('format_version', STORE_FORMAT_VERSION + 1);
      return m.getCount();
    });
    await assert.rejects(startTestApp({}, {}, dir), NEWER);
    await assert.rejects(startChildServer(dir), (e: Error) => {
      assert.match(e.message, NEWER);
      return true;
    });
    assert.deepEqual(await withMeta(dir, (m) => [m.get('format_version'), m.getCount()]), [STORE_FORMAT_VERSION + 1, before]);
  });

  it('refuses a store whose marker is not a version', async () => {
    const dir = goldenCopy();
    await withMeta(dir, (m) => m.put('format_version', 'v1'));
    await assert.rejects(startTestApp({}, {}, dir), /storage format version "v1" is not a version number/);
  });

  it('a new store is marked with the current version', async () => {
    const app = await startTestApp();
    dirs.push(app.dir);
    await app.close();
    assert.equal(await withMeta(app.dir, (m) => m.get('format_version')), STORE_FORMAT_VERSION);
  });

  it('migrates a v1 store without the marker to the current version: marker written, data intact', async () => {
    const dir = goldenCopy();
    await withMeta(dir, (m) => m.remove('format_version'));
    const app = await startTestApp({}, {}, dir);
    await assertGoldenContent(app);
    await app.close();
    assert.equal(await withMeta(dir, (m) => m.get('format_version')), STORE_FORMAT_VERSION);
  });

  it('migrates a v1 store (marker 1) to the current version by its marker: data intact', async () => {
    const dir = goldenCopy();
    assert.equal(await withMeta(dir, (m) => m.get('format_version')), 1);
    const app = await startTestApp({}, {}, dir);
    await assertGoldenContent(app);
    await app.close();
    assert.equal(await withMeta(dir, (m) => m.get('format_version')), STORE_FORMAT_VERSION);
  });

  it('survives SIGKILL at a random point of the migration: restart completes it, data intact', async (t) => {
    const dir = goldenCopy();
    const outcomes = await killDuringMigration(
      ['store', join(dir, 'storage')],
      10,
      async () => {
        await withMeta(dir, (m) => m.remove('format_version'));
      },
      async (finished) => {
        const marker = await withMeta(dir, (m) => m.get('format_version'));
        // Never a partial marker: none (the next start writes it) or the whole of it.
        assert.ok(marker === undefined || marker === STORE_FORMAT_VERSION, `marker after kill: ${String(marker)}`);
        if (finished) assert.equal(marker, STORE_FORMAT_VERSION);
        const app = await startTestApp({}, {}, dir);
        await assertGoldenContent(app);
        await app.close();
        assert.equal(await withMeta(dir, (m) => m.get('format_version')), STORE_FORMAT_VERSION, 'the restart completes the migration');
      },
    );
    t.diagnostic(`kills: ${outcomes.join(' ')}`);
  });

  it('rebuilds (does not interpret) an HNSW image of a newer version', async () => {
    const dir = goldenCopy();
    const image = indexedImagePath(join(dir, 'storage'));
    const bytes = readFileSync(image);
    bytes.writeUInt16LE(2, bytes.indexOf(10) + 1 + 4);
    writeFileSync(image, bytes);
    const { app, warnings } = await startOnGoldenStore({}, dir);
    try {
      assert.ok(
        warnings.some((w) => /HNSW index image format version 2 is newer than this Quiver supports \(max 1\); upgrade Quiver/.test(w) && /rebuilding/.test(w)),
        warnings.join('\n'),
      );
      for (;;) {
        const info = (await app.request('GET', '/collections/indexed')).body.result;
        if (info.indexed_vectors_count === 200 && info.status === 'green') break;
        await new Promise((r) => setImmediate(r));
      }
      for (const query of [[0.1, 0.2, 0.3, 0.4], [0.9, 0.1, 0.5, 0.5]]) {
        const graph = await app.request('POST', '/collections/indexed/points/query', { query, limit: 5, params: { hnsw_ef: 200 } });
        const exact = await app.request('POST', '/collections/indexed/points/query', { query, limit: 5, params: { exact: true } });
        assert.deepEqual(graph.body.result, exact.body.result);
      }
    } finally {
      await app.close();
    }
  });
});
