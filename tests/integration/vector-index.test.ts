/**
 * The HNSW index inside a collection: built past the indexing threshold, reported like Qdrant
 * (status, indexed_vectors_count), recall against exact search with a failure budget (never exact
 * neighbours), the planner's filtered paths, and persistence: a restart loads the graph instead of
 * rebuilding it, a crash only re-queues what changed, and a missing image is rebuilt from the vectors.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, tempDir, removeDir, type TestApp } from '../support/app.js';
import { ClusteredGenerator, row } from '../fixtures/clustered.js';
import { indexImageFiles, readIndexImage } from '../support/index-image.js';
import { pollUntil } from '../support/poll.js';

const DIM = 16;
const N = 4000;
const SEED = Number(process.env['QUIVER_SEED'] ?? 4242);
// 1 KiB threshold: the graph is built once a vector holds more than 16 points of 16 dims.
const ENV = { QDRANT__STORAGE__OPTIMIZERS__INDEXING_THRESHOLD_KB: '1' };

function data(): { points: Array<{ id: number; vector: number[]; payload: Record<string, unknown> }>; queries: number[][] } {
  const gen = new ClusteredGenerator({ dim: DIM, clusters: 40, seed: SEED });
  const v = gen.sample(N, SEED + 1);
  const q = gen.sample(50, SEED + 2);
  return {
    points: Array.from({ length: N }, (_, i) => ({ id: i + 1, vector: Array.from(row(v, DIM, i)), payload: { bucket: i % 100, half: i % 2 } })),
    queries: Array.from({ length: 50 }, (_, i) => Array.from(row(q, DIM, i))),
  };
}

async function load(app: TestApp, points: ReturnType<typeof data>['points']): Promise<void> {
  await app.request('PUT', '/collections/h', { vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: 16, ef_construct: 64, full_scan_threshold: 10 } });
  await app.request('PUT', '/collections/h/index?wait=true', { field_name: 'bucket', field_schema: 'integer' });
  for (let i = 0; i < points.length; i += 1000) {
    const r = await app.request('PUT', '/collections/h/points?wait=true', { points: points.slice(i, i + 1000) });
    assert.equal(r.status, 200, r.text);
  }
}

/** Polls until the background build is done (bounded generously: a loaded machine builds slowly, not wrongly). */
async function waitGreen(app: TestApp): Promise<any> {
  return pollUntil('the index build to finish (status green)', async () => {
    const info = (await app.request('GET', '/collections/h')).body.result;
    return info.status === 'green' ? info : undefined;
  }, 300_000, 50);
}

async function recall(app: TestApp, queries: number[][], body: Record<string, unknown> = {}): Promise<number> {
  let found = 0;
  let total = 0;
  for (const q of queries) {
    const approx = await app.request('POST', '/collections/h/points/query', { query: q, limit: 10, ...body });
    const exact = await app.request('POST', '/collections/h/points/query', { query: q, limit: 10, ...body, params: { exact: true } });
    const truth = new Set(exact.body.result.points.map((p: { id: number }) => p.id));
    total += truth.size;
    for (const p of approx.body.result.points) if (truth.has(p.id)) found++;
  }
  return total === 0 ? 1 : found / total;
}

describe('HNSW index in a collection', () => {
  let app: TestApp;
  let dir: string;
  const d = data();
  before(async () => {
    dir = tempDir();
    app = await startTestApp(ENV, {}, dir);
    await load(app, d.points);
  });
  after(async () => {
    await app.destroy();
  });

  it('builds the graph in the background and then reports green with every vector indexed', async () => {
    const info = await waitGreen(app);
    assert.equal(info.points_count, N);
    assert.equal(info.indexed_vectors_count, N);
  });

  it(`finds the exact neighbours at recall ≥ 0.95 (seed ${SEED})`, async () => {
    const r = await recall(app, d.queries, { params: { hnsw_ef: 64 } });
    assert.ok(r >= 0.95, `recall ${r.toFixed(3)} (seed ${SEED})`);
  });

  it('keeps recall for selective (1%) and broad (50%) filters', async () => {
    const selective = await recall(app, d.queries.slice(0, 20), { filter: { must: [{ key: 'bucket', match: { value: 7 } }] } });
    assert.equal(selective, 1, 'the selective filter is answered by an exact scan of its candidates');
    const broad = await recall(app, d.queries.slice(0, 20), { filter: { must: [{ key: 'half', match: { value: 1 } }] }, params: { hnsw_ef: 128 } });
    assert.ok(broad >= 0.95, `recall ${broad.toFixed(3)} (seed ${SEED})`);
  });

  it('never returns deleted points and indexes updated vectors', async () => {
    const q = d.queries[0]!;
    const top = (await app.request('POST', '/collections/h/points/query', { query: q, limit: 5 })).body.result.points.map((p: { id: number }) => p.id);
    await app.request('POST', '/collections/h/points/delete?wait=true', { points: top });
    const after1 = (await app.request('POST', '/collections/h/points/query', { query: q, limit: 20 })).body.result.points.map((p: { id: number }) => p.id);
    assert.equal(after1.filter((id: number) => top.includes(id)).length, 0);
    await app.request('PUT', '/collections/h/points?wait=true', { points: [{ id: 999_999, vector: q, payload: { bucket: 1 } }] });
    const best = (await app.request('POST', '/collections/h/points/query', { query: q, limit: 1 })).body.result.points[0];
    assert.equal(best.id, 999_999);
    assert.ok(Math.abs(best.score - 1) < 1e-5);
    await waitGreen(app);
  });

  it('loads the graph on a clean restart instead of rebuilding it', async () => {
    await app.close();
    const files = readdirSync(join(dir, 'storage', 'indexes'), { recursive: true }).map(String);
    assert.ok(files.some((f) => f.endsWith('.hnsw')), `no index image in ${files.join(', ')}`);
    app = await startTestApp(ENV, {}, dir);
    const info = (await app.request('GET', '/collections/h')).body.result;
    assert.equal(info.status, 'green', 'a restart must not start a rebuild');
    assert.equal(info.indexed_vectors_count, info.points_count);
    assert.ok((await recall(app, d.queries.slice(0, 20))) >= 0.95);
  });

  it('after a crash that lost the last image save, loads the older image and indexes the writes it lacks', async () => {
    // The state a SIGKILL between a write and the next image save leaves: the store has the write, the image on
    // disk predates it. Made exactly (no kill timing): keep the image of a clean stop, write, stop, put it back.
    await app.close();
    const [file] = indexImageFiles(join(dir, 'storage'));
    assert.ok(file !== undefined);
    const older = readIndexImage(file);
    copyFileSync(file, `${file}.older`);
    app = await startTestApp(ENV, {}, dir);
    // Vectors no other test wrote (queries 40-49), so each has exactly one nearest point: itself.
    const fresh = d.queries.slice(40, 49).map((q, i) => ({ id: 800_000 + i, vector: q, payload: { bucket: 3 } }));
    const moved = [{ id: 17, vector: d.queries[49]! }];
    assert.equal((await app.request('PUT', '/collections/h/points?wait=true', { points: fresh })).status, 200);
    assert.equal((await app.request('PUT', '/collections/h/points/vectors?wait=true', { points: moved })).status, 200);
    await waitGreen(app);
    await app.close();
    assert.ok(readIndexImage(file).op > older.op, 'the clean stop saved a newer image');
    copyFileSync(`${file}.older`, file);
    rmSync(`${file}.older`);

    app = await startTestApp(ENV, {}, dir);
    const info = await waitGreen(app);
    assert.equal(info.indexed_vectors_count, info.points_count);
    // The writes the image lacked are in the graph: graph (non-exact) searches find each one first.
    for (const p of [...fresh, ...moved]) {
      const top = (await app.request('POST', '/collections/h/points/query', { query: p.vector, limit: 1, params: { exact: false } })).body.result.points[0];
      assert.equal(top?.id, p.id, `graph search for the vector written after the image: ${JSON.stringify(top)}`);
    }
    assert.ok((await recall(app, d.queries.slice(20, 40))) >= 0.95);
    await app.close();
    const saved = readIndexImage(file);
    assert.ok(saved.op > older.op && saved.indexed === info.points_count, `the image was saved again with every vector: ${JSON.stringify(saved)}`);
    app = await startTestApp(ENV, {}, dir);
  });

  it('rebuilds a deleted index image from the stored vectors', async () => {
    await app.close();
    rmSync(join(dir, 'storage', 'indexes'), { recursive: true, force: true });
    app = await startTestApp(ENV, {}, dir);
    const info = await waitGreen(app);
    assert.equal(info.indexed_vectors_count, info.points_count);
    assert.ok((await recall(app, d.queries.slice(0, 20))) >= 0.95);
  });

  it('stays exact below the indexing threshold (no graph, indexed_vectors_count 0)', async () => {
    const small = await startTestApp();
    try {
      await small.request('PUT', '/collections/s', { vectors: { size: DIM, distance: 'Cosine' } });
      await small.request('PUT', '/collections/s/points?wait=true', { points: d.points.slice(0, 200) });
      const info = (await small.request('GET', '/collections/s')).body.result;
      assert.equal(info.status, 'green');
      assert.equal(info.indexed_vectors_count, 0);
    } finally {
      await small.destroy();
    }
  });
});

describe('index settings', () => {
  it('rebuilds the graph when hnsw_config changes', async () => {
    const dir = tempDir();
    const app = await startTestApp(ENV, {}, dir);
    let closed = false;
    try {
      const d = data();
      await load(app, d.points.slice(0, 1000));
      await waitGreen(app);
      await app.request('PATCH', '/collections/h', { hnsw_config: { m: 8 } });
      const info = await waitGreen(app);
      assert.equal(info.config.hnsw_config.m, 8);
      assert.equal(info.indexed_vectors_count, 1000);
      // The graph itself was rebuilt with the new m: the image saved on close says so and holds every vector.
      await app.close();
      closed = true;
      const [file] = indexImageFiles(join(dir, 'storage'));
      assert.ok(file !== undefined);
      const saved = readIndexImage(file);
      assert.equal(saved.m, 8);
      assert.equal(saved.indexed, 1000);
    } finally {
      if (!closed) await app.close();
      removeDir(dir);
    }
  });
});
