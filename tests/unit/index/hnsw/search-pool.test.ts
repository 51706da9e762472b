/**
 * The search pool's publication protocol under concurrent writes: worker threads search the shared index
 * while this thread re-inserts, deletes and inserts vectors and runs graph build slices. Every answer a
 * worker gives carries the epoch it read at; each hit is checked against the history of the index at that
 * epoch: the point was live, its score is the distance to the vector it held then (a torn vector scores
 * neither the old nor the new one), and an exact subset scan equals a brute-force scan of that state.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { HnswIndex } from '../../../../src/index/hnsw/hnsw-index.js';
import { SearchPool, searchThreadsFor } from '../../../../src/index/hnsw/search-pool.js';
import { DenseVectorStore } from '../../../../src/index/vector-store.js';
import { rng } from '../payload/random-dataset.js';

const DIM = 16;
const K = 10;

interface Version {
  readonly from: number;
  readonly vec: Float32Array | null;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

describe('search pool: reads at a stable epoch while writes run', () => {
  const pool = new SearchPool(2);
  after(() => pool.close());

  it('every hit matches the state of the index at the epoch the worker read', async () => {
    await pool.warm();
    const r = rng(4242);
    const vec = (): Float32Array => Float32Array.from({ length: DIM }, () => r() * 2 - 1);
    const store = new DenseVectorStore(DIM, 64);
    const index = new HnswIndex(store, { distance: 'Dot', m: 8, efConstruct: 32 });
    const gate = index.gate;
    const history = new Map<number, Version[]>();
    const record = (o: number, v: Float32Array | null): void => {
      const list = history.get(o) ?? [];
      list.push({ from: gate.epoch, vec: v });
      history.set(o, list);
    };
    const at = (o: number, epoch: number): Float32Array | null => {
      let found: Float32Array | null = null;
      for (const v of history.get(o) ?? []) if (v.from <= epoch) found = v.vec;
      return found;
    };
    let next = 0;
    const insert = (): void => {
      const o = next++;
      const v = vec();
      gate.write(() => {
        store.set(o, v);
        index.enqueue(o);
      });
      record(o, v);
    };
    for (let i = 0; i < 1500; i++) insert();
    index.buildPendingSync();

    const checks: Array<Promise<void>> = [];
    const tally = { ok: 0, refused: 0, hits: 0, subsetOk: 0 };
    const reasons: Record<string, number> = {};
    const search = (subset: boolean): void => {
      const q = vec();
      let offsets: Uint32Array | undefined;
      if (subset) {
        const pick = new Set<number>();
        while (pick.size < 200) pick.add(Math.floor(r() * next));
        offsets = Uint32Array.from([...pick].sort((a, b) => a - b));
      }
      const epoch = subset ? gate.epoch : undefined;
      checks.push(
        pool.search({ index, query: q, k: K, ef: 32, subset: offsets, epoch }).then((res) => {
          if (!res.ok) {
            tally.refused++;
            reasons[res.reason] = (reasons[res.reason] ?? 0) + 1;
            return;
          }
          tally.ok++;
          const e = res.epoch;
          assert.equal(e % 2, 0, 'read at an even (stable) epoch');
          if (epoch !== undefined) assert.equal(e, epoch, 'a subset read observes the epoch it was resolved at');
          const seen = new Set<number>();
          let prev = Infinity;
          for (const h of res.hits) {
            tally.hits++;
            assert.ok(!seen.has(h.offset), `each point once: offset ${h.offset} twice at epoch ${e} in a ${offsets === undefined ? 'graph search' : 'subset scan'} (hits ${res.hits.map((x) => x.offset).join(',')})`);
            seen.add(h.offset);
            const v = at(h.offset, e);
            assert.ok(v !== null, `offset ${h.offset} was not live at epoch ${e}`);
            const want = dot(q, v);
            assert.ok(Math.abs(h.score - want) <= 1e-4 * (1 + Math.abs(want)), `offset ${h.offset} at epoch ${e}: score ${h.score}, vector then gives ${want}`);
            assert.ok(h.score <= prev + 1e-6, 'best first');
            prev = h.score;
          }
          if (offsets !== undefined) {
            tally.subsetOk++;
            const truth = [...offsets]
              .map((o) => ({ o, v: at(o, e) }))
              .filter((x): x is { o: number; v: Float32Array } => x.v !== null)
              .map((x) => ({ offset: x.o, score: dot(q, x.v) }))
              .sort((a, b) => b.score - a.score || a.offset - b.offset)
              .slice(0, K);
            assert.deepEqual(
              res.hits.map((h) => h.offset),
              truth.map((t) => t.offset),
              `subset scan at epoch ${e}`,
            );
          }
        }),
      );
    };

    let building: Promise<void> = Promise.resolve();
    for (let round = 0; round < 150; round++) {
      for (let i = 0; i < 4; i++) search(i % 2 === 1);
      // A burst of writes on this thread while the workers read.
      for (let w = 0; w < 20; w++) {
        const roll = r();
        const o = Math.floor(r() * next);
        if (roll < 0.5) {
          const v = vec();
          gate.write(() => {
            store.set(o, v);
            index.enqueue(o);
          });
          record(o, v);
        } else if (roll < 0.75) {
          gate.write(() => {
            store.delete(o);
            index.delete(o);
          });
          record(o, null);
        } else {
          insert();
        }
      }
      // Graph build slices (and the occasional rebuild) interleave with the searches.
      building = building.then(() => index.buildPending({ sliceMs: 1 }));
      await tick();
    }
    await building;
    for (let i = 0; i < 20; i++) search(i % 2 === 1);
    await Promise.all(checks);
    assert.ok(tally.ok > 0 && tally.subsetOk > 0, `answers: ${JSON.stringify(tally)}, refusals: ${JSON.stringify(reasons)}`);
    assert.ok(tally.hits > 0);
  });
});

describe('max_search_threads', () => {
  it('1 keeps searches on the event loop, n ≥ 2 is a pool of n, 0 decides by the number of cores', () => {
    assert.equal(searchThreadsFor(1, 8), 0);
    assert.equal(searchThreadsFor(4, 2), 4);
    assert.equal(searchThreadsFor(0, 1), 0);
    assert.equal(searchThreadsFor(0, 2), 0);
    assert.equal(searchThreadsFor(0, 8), 7);
  });
});
