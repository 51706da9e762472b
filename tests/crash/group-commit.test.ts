/**
 * Crash test for group commit: eight writers send point updates to one collection at the same time, so the server
 * commits them in shared transactions (one fsync per group); among them, atomic batches that fail half-way (a
 * `set_payload` on a missing point after an upsert) land in the same groups. The server is killed with SIGKILL at
 * a random moment and restarted on the same storage, then:
 *
 * - each writer owns its ids and has at most one request in flight, so its ids hold exactly its acknowledged
 *   state, or that plus the whole in-flight request — never part of a batch, never anything of a failed batch;
 * - every good request was answered 200 while failed batches shared its groups (a failing member fails alone);
 * - `points_count` equals the points found by id (no id left live twice);
 * - the run grouped: the server's `quiver_commit_group_updates` exceeded `quiver_commit_groups` before a kill.
 *
 * QUIVER_GROUP_CRASH_ROUNDS (default 6) rounds; QUIVER_SEED fixes the random choices (the seed is in every
 * failure message).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { httpJson as call, startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';
import { mulberry32 as rng } from '../../src/index/random.js';
import { pollUntil } from '../support/poll.js';

const ROUNDS = Number(process.env['QUIVER_GROUP_CRASH_ROUNDS'] ?? 6);
const WRITERS = 8;
const POOL = 40;
const DIM = 4;
const C = 'groups';

type Payload = Record<string, unknown>;
/** A writer's ids and their payloads (the vector is derived from the payload's `seq`). */
type Model = ReadonlyMap<number, Payload>;

const vectorOf = (id: number, seq: number): number[] => [id % 1000, seq % 1000, 1, 2];

interface Step {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /** The model once the request is applied; the current model for a request that must fail. */
  readonly next: Model;
  readonly status: number;
  readonly describe: string;
}

function planStep(w: number, model: Model, seq: number, random: () => number): Step {
  /** Up to `n` distinct ids: of the writer's stored points, or of its whole pool. */
  const pick = (n: number, existing: boolean): number[] => {
    const pool = existing ? [...model.keys()] : Array.from({ length: POOL }, (_, i) => w * 10_000 + i + 1);
    const count = Math.min(n, pool.length);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, count);
  };
  const q = `?wait=${random() < 0.5}`;
  const next = new Map(model);
  const r = random();
  const point = (id: number) => ({ id, vector: vectorOf(id, seq), payload: { w, seq } });
  if (r < 0.4 || model.size === 0) {
    const ids = pick(1 + Math.floor(random() * 20), false);
    for (const id of ids) next.set(id, { w, seq });
    return { method: 'PUT', path: `/collections/${C}/points${q}`, body: { points: ids.map(point) }, next, status: 200, describe: `upsert ${ids.length}` };
  }
  if (r < 0.55) {
    const ids = pick(1 + Math.floor(random() * 6), true);
    for (const id of ids) next.set(id, { ...model.get(id)!, touched: seq });
    return { method: 'POST', path: `/collections/${C}/points/payload${q}`, body: { payload: { touched: seq }, points: ids }, next, status: 200, describe: `set_payload ${ids.length}` };
  }
  if (r < 0.65) {
    const ids = pick(1 + Math.floor(random() * 4), true);
    for (const id of ids) next.delete(id);
    return { method: 'POST', path: `/collections/${C}/points/delete${q}`, body: { points: ids }, next, status: 200, describe: `delete ${ids.length}` };
  }
  const up = pick(1 + Math.floor(random() * 6), false);
  const gone = pick(1 + Math.floor(random() * 3), true).filter((id) => !up.includes(id));
  const operations: unknown[] = [{ upsert: { points: up.map(point) } }];
  if (gone.length > 0) operations.push({ delete: { points: gone } });
  if (r < 0.8) {
    // Fails at its last operation: nothing of it may be stored, and it must not fail its group.
    operations.push({ set_payload: { payload: { poisoned: true }, points: [w * 10_000 + 9_999] } });
    return { method: 'POST', path: `/collections/${C}/points/batch${q}`, body: { operations }, next: model, status: 404, describe: `failing batch ${up.length}+${gone.length}` };
  }
  for (const id of up) next.set(id, { w, seq });
  for (const id of gone) next.delete(id);
  return { method: 'POST', path: `/collections/${C}/points/batch${q}`, body: { operations }, next, status: 200, describe: `batch ${up.length}+${gone.length}` };
}

const canonical = (p: Payload | undefined): string => (p === undefined ? 'none' : JSON.stringify(Object.fromEntries(Object.entries(p).sort(([a], [b]) => (a < b ? -1 : 1)))));

function sameModel(a: Model, b: Model): boolean {
  for (const id of new Set([...a.keys(), ...b.keys()])) if (canonical(a.get(id)) !== canonical(b.get(id))) return false;
  return true;
}

async function readWriter(url: string, w: number): Promise<Map<number, Payload>> {
  const ids = Array.from({ length: POOL }, (_, i) => w * 10_000 + i + 1);
  const r = await call(url, 'POST', `/collections/${C}/points`, { ids, with_payload: true, with_vector: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const out = new Map<number, Payload>();
  for (const p of r.body.result as Array<{ id: number; payload: Payload; vector: number[] }>) {
    // The vector was written with the payload's `seq` by the same request.
    assert.deepEqual(p.vector, vectorOf(p.id, p.payload['seq'] as number), `point ${p.id}: vector and payload from different requests`);
    out.set(p.id, p.payload);
  }
  return out;
}

async function metric(url: string, name: string): Promise<number> {
  const r = await fetch(`${url}/metrics`);
  const m = new RegExp(`^${name} (\\d+)`, 'm').exec(await r.text());
  return m === null ? 0 : Number(m[1]);
}

describe('crash safety with group commit', () => {
  it(`concurrent writers sharing transactions keep every acknowledged write and no partial one across ${ROUNDS} SIGKILL rounds`, { timeout: 600_000 }, async () => {
    const seed = Number(process.env['QUIVER_SEED'] ?? Date.now() % 1_000_000);
    const random = rng(seed);
    const dir = tempDir('quiver-group-crash-');
    const env = { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'), QDRANT__LOG_LEVEL: 'ERROR' };
    const models: Model[] = Array.from({ length: WRITERS }, () => new Map());
    let server: ChildServer = await startChildServer(dir, env);
    let grouped = 0;
    let acknowledged = 0;
    let inFlightApplied = 0;
    try {
      assert.equal((await call(server.url, 'PUT', `/collections/${C}`, { vectors: { size: DIM, distance: 'Dot' } })).status, 200);
      let seq = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const where = `seed ${seed}, round ${round}`;
        const inFlight: Array<Step | undefined> = new Array(WRITERS).fill(undefined);
        const acks = new Array<number>(WRITERS).fill(0);
        let stop = false;
        const writers = Array.from({ length: WRITERS }, async (_, w) => {
          const writerRandom = rng(seed * 31 + round * 101 + w);
          while (!stop) {
            const step = planStep(w, models[w]!, ++seq, writerRandom);
            inFlight[w] = step;
            let r;
            try {
              r = await call(server.url, step.method, step.path, step.body);
            } catch {
              return; // the server died with this request in flight
            }
            assert.equal(r.status, step.status, `${where}: writer ${w} ${step.describe}: ${JSON.stringify(r.body)}`);
            models[w] = step.next;
            inFlight[w] = undefined;
            acks[w]!++;
            acknowledged++;
          }
        });
        // Kill once every writer has had a few requests answered, plus a random number more.
        const target = 2 + Math.floor(random() * 10);
        await pollUntil(`${where}: ${target} acknowledged writes per writer`, () => acks.every((n) => n >= target), 120_000, 5);
        const updates = await metric(server.url, 'quiver_commit_group_updates');
        const groups = await metric(server.url, 'quiver_commit_groups');
        grouped += updates - groups;
        server.proc.kill('SIGKILL');
        stop = true;
        await Promise.all(writers);
        await server.stop();
        server = await startChildServer(dir, env);
        let stored = 0;
        for (let w = 0; w < WRITERS; w++) {
          const actual = await readWriter(server.url, w);
          stored += actual.size;
          const step = inFlight[w];
          if (sameModel(actual, models[w]!)) continue;
          assert.ok(step !== undefined && sameModel(actual, step.next), `${where}: writer ${w} holds neither its acknowledged state nor that plus its in-flight ${step?.describe ?? '(none)'}`);
          models[w] = step.next;
          inFlightApplied++;
        }
        const counted = await call(server.url, 'POST', `/collections/${C}/points/count`, { exact: true });
        assert.equal(counted.body.result.count, stored, `${where}: points_count disagrees with the points found by id`);
      }
      assert.ok(acknowledged > ROUNDS * WRITERS * 2, `seed ${seed}: only ${acknowledged} writes acknowledged`);
      assert.ok(grouped > 0, `seed ${seed}: no transaction committed more than one update (${acknowledged} acknowledged)`);
    } finally {
      await server.stop('SIGKILL');
      removeDir(dir);
    }
    process.stdout.write(`# group crash: seed ${seed}, ${acknowledged} acknowledged, ${inFlightApplied} in-flight applied, ${grouped} updates shared a transaction\n`);
  });
});
