/**
 * Crash test: a real server process takes concurrent writes and is killed with SIGKILL at a random
 * moment, several rounds over the same storage. After each restart every acknowledged write must be
 * present and readable, and the store must still accept writes.
 */
import { mulberry32 as rng } from '../../src/index/random.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startChildServer, tempDir, removeDir } from '../support/app.js';

const ROUNDS = Number(process.env['QUIVER_CRASH_ROUNDS'] ?? 5);


async function put(url: string, path: string, body: unknown): Promise<Response> {
  return fetch(url + path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('crash safety', () => {
  it(`keeps every acknowledged write across ${ROUNDS} SIGKILL rounds`, { timeout: 240_000 }, async () => {
    const seed = Number(process.env['QUIVER_SEED'] ?? Date.now() % 100000);
    const random = rng(seed);
    const dir = tempDir('quiver-crash-');
    const acked = new Map<number, number>(); // id → value of the last acknowledged write
    let nextId = 1;
    try {
      let server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage` });
      const created = await put(server.url, '/collections/crash', { vectors: { size: 8, distance: 'Dot' } });
      assert.equal(created.status, 200);
      for (let round = 0; round < ROUNDS; round++) {
        let stop = false;
        const writers = Array.from({ length: 4 }, async (_, w) => {
          while (!stop) {
            const batch = Array.from({ length: 1 + Math.floor(random() * 20) }, () => {
              const reuse = acked.size > 0 && random() < 0.3;
              const id = reuse ? 1 + Math.floor(random() * (nextId - 1)) : nextId++;
              return { id, value: Math.floor(random() * 1e9) };
            });
            try {
              const r = await put(server.url, `/collections/crash/points?wait=${w % 2 === 0}`, {
                points: batch.map((b) => ({ id: b.id, vector: Array.from({ length: 8 }, (_, i) => (b.value % (i + 7)) / 7), payload: { value: b.value, round } })),
              });
              if (r.status === 200) for (const b of batch) acked.set(b.id, b.value);
            } catch {
              // connection killed mid-request: not acknowledged
            }
          }
        });
        await new Promise((r) => setTimeout(r, 200 + random() * 800));
        server.proc.kill('SIGKILL');
        stop = true;
        await Promise.all(writers);
        await new Promise((r) => server.proc.exitCode !== null || server.proc.signalCode !== null ? r(null) : server.proc.once('exit', r));

        server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage` });
        const ids = [...acked.keys()];
        for (let i = 0; i < ids.length; i += 500) {
          const chunk = ids.slice(i, i + 500);
          const r = await fetch(`${server.url}/collections/crash/points`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: chunk, with_payload: true, with_vector: true }) });
          assert.equal(r.status, 200);
          const got = ((await r.json()) as { result: Array<{ id: number; payload: { value: number }; vector: number[] }> }).result;
          const byId = new Map(got.map((p) => [p.id, p]));
          for (const id of chunk) {
            const p = byId.get(id);
            assert.ok(p, `seed ${seed} round ${round}: acknowledged point ${id} is missing`);
            // A later unacknowledged write may have landed too; either way the point is whole.
            assert.equal(p.vector.length, 8, `seed ${seed}: point ${id} has a torn vector`);
            if (p.payload.value !== acked.get(id)) {
              assert.equal(typeof p.payload.value, 'number', `seed ${seed}: point ${id} has a torn payload`);
            }
          }
        }
      }
      await server.stop('SIGTERM');
    } finally {
      removeDir(dir);
    }
  });
});
