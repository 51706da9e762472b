/**
 * A lost or damaged HNSW index image (`<storage>/indexes/<collection uuid>/<vector>.hnsw`): the server must
 * start, serve every point, rebuild the graph from the stored vectors, write a new image, and answer graph
 * searches as well as a fresh build does. Cases: image deleted, image cut in half, bytes flipped inside.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLAIN_STORAGE, startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';
import { indexImageFiles, readIndexImage } from '../support/index-image.js';

const N = 600;
const DIM = 16;

function vectorOf(id: number): number[] {
  return Array.from({ length: DIM }, (_, i) => ((id * 7919 + i * 104729) % 2003) / 100 - 10);
}

async function req(server: ChildServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(server.url + path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: r.status, body: await r.json() };
}

/** Waits until every vector is in the graph and the collection is green. */
async function indexed(server: ChildServer): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const info = (await req(server, 'GET', '/collections/g')).body.result;
    if (info.status === 'green' && info.indexed_vectors_count === N) return;
    if (Date.now() > deadline) assert.fail(`the graph was not rebuilt: ${JSON.stringify({ status: info.status, indexed: info.indexed_vectors_count })}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function imageFiles(dir: string): string[] {
  return indexImageFiles(join(dir, 'storage'));
}

async function waitForImage(dir: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const files = imageFiles(dir);
    if (files.length === 1 && statSync(files[0]!).size > 0) return files[0]!;
    if (Date.now() > deadline) assert.fail(`no index image written: ${JSON.stringify(files)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The lines of a server's output about vector indexes (its builds and images), without the access log. */
function indexLines(output: string): string {
  return output.split('\n').filter((line) => /index|image/i.test(line) && !/"(GET|POST|PUT) /.test(line)).join('\n');
}

/** Graph (non-exact) searches for every point's own vector that do not find it first. */
async function graphMisses(server: ChildServer): Promise<number> {
  let misses = 0;
  for (let id = 1; id <= N; id++) {
    const r = await req(server, 'POST', '/collections/g/points/query', { query: vectorOf(id), limit: 1, params: { exact: false } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (r.body.result.points[0]?.id !== id) misses++;
  }
  return misses;
}

const DAMAGE: ReadonlyArray<readonly [string, (file: string) => void]> = [
  ['deleted', (file) => rmSync(file)],
  ['cut in half', (file) => writeFileSync(file, readFileSync(file).subarray(0, Math.floor(statSync(file).size / 2)))],
  [
    'bytes flipped inside',
    (file) => {
      const bytes = readFileSync(file);
      for (let i = Math.floor(bytes.length / 3); i < bytes.length; i += 97) bytes[i] = bytes[i]! ^ 0xa5;
      writeFileSync(file, bytes);
    },
  ],
];

describe('damaged vector index image', () => {
  for (const [what, damage] of DAMAGE) {
    it(`rebuilds the graph from the stored vectors when the image is ${what}`, { timeout: 180_000 }, async (t) => {
      const dir = tempDir('quiver-image-');
      // Plain storage even in an encrypted run: the test reads the image's bytes itself (tests/support/index-image.ts).
      // Info logs: the index builds' start, progress and end are in the output a failure prints.
      const env = { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'), QDRANT__LOG_LEVEL: 'INFO', ...PLAIN_STORAGE };
      let server = await startChildServer(dir, env);
      try {
        // indexing_threshold 1 KiB: the graph is built right away.
        assert.equal((await req(server, 'PUT', '/collections/g', { vectors: { size: DIM, distance: 'Euclid' }, optimizers_config: { indexing_threshold: 1 } })).status, 200);
        for (let from = 1; from <= N; from += 200) {
          const points = Array.from({ length: 200 }, (_, i) => ({ id: from + i, vector: vectorOf(from + i), payload: { n: from + i } }));
          assert.equal((await req(server, 'PUT', '/collections/g/points?wait=true', { points })).status, 200);
        }
        await indexed(server);
        const before = (await req(server, 'POST', '/collections/g/points/scroll', { limit: N, with_vector: true, with_payload: true })).body.result.points;
        await server.stop('SIGTERM');
        const image = await waitForImage(dir);

        damage(image);
        server = await startChildServer(dir, env);
        const after = (await req(server, 'POST', '/collections/g/points/scroll', { limit: N, with_vector: true, with_payload: true })).body.result.points;
        assert.deepEqual(after, before, 'stored points after restart');
        // A damaged image is reported and rebuilt, never half-loaded.
        if (what !== 'deleted') assert.match(server.output(), /is unreadable .*rebuilding it from the stored vectors/, server.output());
        await indexed(server);
        const misses = await graphMisses(server);
        t.diagnostic(`${misses} of ${N} graph searches missed the point's own vector after the rebuild`);
        assert.ok(misses <= N * 0.01, `${misses} of ${N} graph searches missed the point's own vector`);
        await server.stop('SIGTERM');
        // The rebuilt graph was saved: the image on disk is whole again and holds every vector.
        const saved = readIndexImage(await waitForImage(dir));
        assert.equal(saved.indexed, N, `the new image holds every vector; the server's index lines:\n${indexLines(server.output())}`);
      } finally {
        await server.stop('SIGKILL');
        removeDir(dir);
      }
    });
  }
});
